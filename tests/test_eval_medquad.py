"""eval.medquad: which MedQuAD conditions models may learn from, and which are held out."""

from eval.medquad import RESERVED, condition_split, is_heldout, reserved_conditions, usable_rows
from eval.ranker_data import build_page, own_answer_flags


def _row(source, focus, qtype="information", answer="Some answer text that is long enough to read."):
    return {"source": source, "focus": focus, "qtype": qtype, "question": f"What is {focus}?", "answer": answer}


def test_reserved_and_project_conditions_are_never_used():
    reserved = frozenset({("CDC", "Botulism")})
    rows = [_row("CDC", "Botulism"), _row("NIDDK", "IgA Nephropathy"), _row("GARD", "Systemic scleroderma"),
            _row("NIDDK", "Gout")]
    assert [r["focus"] for r in usable_rows(rows, reserved)] == ["Gout"]


def test_the_shared_reserved_list_is_read_when_present():
    if RESERVED.is_file():
        assert ("CDC", "Botulism") in reserved_conditions()


def test_a_condition_lands_wholly_on_one_side_and_stays_there():
    rows = [_row("NINDS", f"Condition {i}", qtype) for i in range(200) for qtype in ("information", "treatment")]
    train, held = condition_split(rows)
    held_keys = {(r["source"], r["focus"]) for r in held}
    assert held_keys and not held_keys & {(r["source"], r["focus"]) for r in train}
    assert 0.1 < len(held_keys) / 200 < 0.3
    # the same key gives the same side on every run, whatever else is in the data
    assert all(is_heldout(k) for k in held_keys)


def test_a_page_is_the_conditions_answers_and_its_sentences_are_labelled_by_the_own_answer():
    rows = [_row("NIDDK", "Gout", "information", "Gout is a kind of arthritis. It causes sudden pain in a joint."),
            _row("NIDDK", "Gout", "treatment", "Doctors treat gout with medicines. Rest and ice also help the joint.")]
    page = build_page(("NIDDK", "Gout"), rows, seed=1)
    from rag.compose.candidates import candidates

    cands = candidates(page.passages)
    labels, weights = own_answer_flags(cands, page.passages, rows[1]["answer"])
    on = {c.text for c, y in zip(cands, labels) if y}
    assert on == {"Doctors treat gout with medicines.", "Rest and ice also help the joint."}
    assert max(weights) == 1.0
