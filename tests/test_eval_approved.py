"""The approved-answer pairs (eval/approved_pairs.jsonl, python -m eval.approved): the halves
split by approved question, so no held-out question is seen in fitting; the held-out half
as first written stays whole, reported apart from the pairs added later."""

from eval.approved import Pair, halves, load_pairs


def test_no_approved_question_is_in_both_halves_and_the_first_held_out_pairs_are_kept():
    rows = load_pairs()
    fit = {r["approved"] for r in rows if r["split"] == "fit"}
    held = {r["approved"] for r in rows if r["split"] == "held_out"}
    assert fit and held and not fit & held
    first = [r for r in rows if r["split"] == "held_out" and r.get("batch", 1) == 1]
    assert len(first) == 109 and sum(r["match"] for r in first) == 45
    assert {r["split"] for r in rows} == {"fit", "held_out"}


def test_the_held_out_half_is_reported_as_first_written_as_added_and_whole():
    pairs = [Pair("a", "b", True, "fit"), Pair("c", "d", True, "held_out"),
             Pair("e", "f", False, "held_out", batch=2)]
    reported = dict(halves(pairs))
    assert [p.asked for p in reported["fit"]] == ["b"]
    assert [p.asked for p in reported["held_out (first 109)"]] == ["d"]
    assert [p.asked for p in reported["held_out (added)"]] == ["f"]
    assert [p.asked for p in reported["held_out (all)"]] == ["d", "f"]
