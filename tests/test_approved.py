"""Approved answers (rag.records.approved): an educator's answer to a question is served, as approved
and with its citations, to a patient who asks the same thing in other words; never to a
question about another medicine or another group of people, never before an emergency, and
never once a document it cites has changed or gone, until an educator approves it again.

Tiny real documents, a temporary store and records database, the real model."""

import pytest

from rag.records.approved import new_version
from rag.records.approved_matching import MatchParams, differences, differing_word, matches
from rag.records.database import Records

RITUXIMAB = ("# Rituximab\n\nRituximab is a medicine given as a drip into a vein. "
             "Common side effects are a reaction during the drip, such as chills or a rash. "
             "Infections can be more likely while you take it.\n")
TOCILIZUMAB = ("# Tocilizumab\n\nTocilizumab is a medicine given as an injection under the skin. "
               "It can raise cholesterol levels and make infections more likely.\n")
EDUCATOR_WORDS = "Most people have no problem; some get chills or a rash during the drip."


@pytest.fixture
def library(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rituximab.md").write_text(RITUXIMAB)
    (docs / "tocilizumab.md").write_text(TOCILIZUMAB)
    return docs


@pytest.fixture
def pipeline(fresh_pipeline, library):
    p = fresh_pipeline()
    p.ingest([library])
    return p


def passage(pipeline, doc_word):
    return next(c for c in pipeline.store.iter_chunks() if doc_word in c.doc_id)


def approve(pipeline, question, text=EDUCATOR_WORDS, educator="Dana (nurse educator)", approved_id=None):
    records = Records(pipeline.settings.records_path, 30)
    version = new_version(question, [(text, passage(pipeline, "rituximab"))], educator)
    return records, records.approve(version, approved_id)


def test_a_paraphrase_is_served_the_approved_answer_with_its_citation_and_date(pipeline):
    _, approved_id = approve(pipeline, "What are the side effects of rituximab?")
    a = pipeline.ask("What side effects can rituximab cause?")
    assert a.kind == "answered" and a.answer == EDUCATOR_WORDS + " [1]"
    assert a.citations[0].chunk.doc_id.startswith("rituximab")
    assert a.approved["id"] == approved_id and a.approved["question"] == "What are the side effects of rituximab?"
    [notice] = [n for n in a.notices if n.code == "approved"]
    assert notice.text.startswith("Reviewed by an educator on ")
    assert a.to_json()["approved"]["approved_on"] == a.approved["approved_on"]


def test_another_medicine_or_another_group_of_people_is_answered_from_the_documents(pipeline):
    approve(pipeline, "What are the side effects of rituximab?")
    for question in ("What are the side effects of tocilizumab?",
                     "What are the side effects of rituximab in children?"):
        a = pipeline.ask(question)
        assert a.approved is None and not any(n.code == "approved" for n in a.notices), question


def test_an_emergency_is_never_answered_from_an_approved_answer(pipeline):
    approve(pipeline, "I have chest pain after my rituximab drip, what should I do?")
    a = pipeline.ask("I have chest pain after my rituximab drip, what should I do?")
    assert a.kind == "urgent" and a.approved is None


def test_a_changed_document_makes_the_answer_stale_until_approved_again(pipeline, library):
    records, approved_id = approve(pipeline, "What are the side effects of rituximab?")
    (library / "rituximab.md").write_text(RITUXIMAB.replace("chills or a rash", "a headache"))
    pipeline.ingest([library])
    a = pipeline.ask("What are the side effects of rituximab?")
    assert a.approved is None
    [kept] = records.approved_answers()
    assert "changed" in kept.stale or "no longer" in kept.stale
    # an educator looks again and approves it, citing the passage as it is now
    approve(pipeline, "What are the side effects of rituximab?", "Some people get a headache.",
            approved_id=approved_id)
    assert pipeline.ask("What are the side effects of rituximab?").approved["id"] == approved_id


def test_a_removed_document_makes_the_answer_stale(pipeline):
    records, _ = approve(pipeline, "What are the side effects of rituximab?")
    pipeline.remove(passage(pipeline, "rituximab").doc_id)
    assert pipeline.ask("What are the side effects of rituximab?").approved is None
    assert records.approved_answers()[0].stale


def test_every_version_is_kept_with_who_approved_it_and_when(pipeline):
    records, approved_id = approve(pipeline, "What are the side effects of rituximab?", educator="Dana")
    approve(pipeline, "What are the side effects of rituximab?", "Chills are the most common.",
            educator="Sam", approved_id=approved_id)
    kept = records.approved_answer(approved_id)
    assert [(v.version, v.educator) for v in kept.history] == [(1, "Dana"), (2, "Sam")]
    assert kept.latest.sentences[0].text == "Chills are the most common."
    assert all(v.approved_at > 0 for v in kept.history)


def test_served_answers_are_counted_with_their_thumbs(pipeline):
    records, approved_id = approve(pipeline, "What are the side effects of rituximab?")
    turn = records.record_turn("s1", pipeline.ask("What side effects can rituximab cause?"))
    records.set_feedback(turn, "s1", 1)
    records.record_turn("s1", pipeline.ask("What are the side effects of tocilizumab?"))
    [kept] = records.approved_answers()
    assert (kept.served, kept.thumbs_up, kept.thumbs_down) == (1, 1, 0)


def cosine(embedder, a, b):
    va, vb = embedder.embed([a, b])
    return float(va @ vb)


@pytest.mark.parametrize("approved, asked", [
    ("side effects of rituximab", "side effects of tocilizumab"),
    ("Is it safe?", "Is it safe for children?"),
    ("Should I stop my medicine before surgery?", "Should I stop my medicine after surgery?"),
    ("What is the difference between type 1 and type 2 diabetes?", "What is type 2 diabetes and prediabetes?"),
    ("How long does recovery from knee surgery take?", "How long does recovery from hip surgery take?"),
    ("Does smoking make Raynaud's worse?", "Does vaping make Raynaud's worse?"),
    ("How is hepatitis B spread?", "How is hepatitis A spread?"),  # one letter names another thing
    ("What foods help with acid reflux?", "What foods make acid reflux worse?"),  # the other way
    ("How can I lower my blood pressure?", "How can I raise my blood pressure?"),
    ("What are the risks of HRT?", "What are the risks of stopping HRT?"),
])
def test_a_word_that_changes_the_question_blocks_a_match_at_the_cosine_the_model_gives(embedder, approved, asked):
    diffs = differences(approved, asked, embedder.embed)
    assert differing_word(diffs)
    assert not matches(cosine(embedder, approved, asked), True, diffs, same_focus=True)


def test_a_swapped_word_does_not_block_two_questions_that_read_almost_the_same(embedder):
    """"signs" for "symptoms" is a swap of two specific words, like "hip" for "knee"; but the
    model reads the two questions as nearly one (above ``SWAP_BELOW``), while "hip" for "knee"
    leaves them well apart."""
    from rag.records.approved_matching import SWAP_BELOW

    a, b = "What are the symptoms of a heart attack?", "What are the signs of a heart attack?"
    diffs = differences(a, b, embedder.embed)
    assert differing_word(diffs) == "symptoms" and cosine(embedder, a, b) >= SWAP_BELOW
    assert matches(cosine(embedder, a, b), True, diffs)
    assert not matches(cosine(embedder, a, b), True, diffs, MatchParams(swap_below=1.01))
    knee, hip = "How long does recovery from knee surgery take?", "How long does recovery from hip surgery take?"
    assert cosine(embedder, knee, hip) < SWAP_BELOW


def test_grammar_and_near_synonyms_do_not_block_a_match(embedder):
    assert not differing_word(differences("Can children get scleroderma?", "Do kids get scleroderma?",
                                          embedder.embed))
    assert matches(0.99, True, differences("What are the side effects of rituximab?",
                                           "Does rituximab have side effects?", embedder.embed), MatchParams())


def test_an_answer_is_edited_as_lines_ending_with_the_passage_they_cite(pipeline):
    from rag.records.approved import ApprovalError, parse_answer, sentences_from_text

    rituximab, tocilizumab = passage(pipeline, "rituximab"), passage(pipeline, "tocilizumab")
    assert [(s.text, s.citation) for s in sentences_from_text("Chills are common. [1] It raises cholesterol. [2]")] \
        == [("Chills are common.", 1), ("It raises cholesterol.", 2)]
    pairs = parse_answer("Chills are common. [1]\n\nIt raises cholesterol. [2]\n", [rituximab, tocilizumab])
    assert pairs == [("Chills are common.", rituximab), ("It raises cholesterol.", tocilizumab)]
    with pytest.raises(ApprovalError, match="passage it cites"):
        parse_answer("Chills are common. [3]", [rituximab, tocilizumab])


def test_two_questions_of_one_kind_about_the_same_thing_match_from_a_lower_cosine(embedder):
    from rag.question.kinds import focus_phrase
    from rag.records.approved_matching import focus_terms

    def about(q):
        return focus_terms(q, focus_phrase)

    assert about("Does rituximab have side effects?") == about("rituximab side effects")
    assert about("side effects of rituximab") != about("side effects of tocilizumab")
    diffs = differences("How does nintedanib work?", "How does nintedanib help?", embedder.embed)
    assert matches(0.9, True, diffs, same_focus=True) and not matches(0.9, True, diffs, same_focus=False)


def test_the_approved_answers_list_marks_an_answer_stale_before_anyone_asks(pipeline, library):
    from rag.records.approved import newly_stale

    records, approved_id = approve(pipeline, "What are the side effects of rituximab?")
    indexed = lambda ids: {c.chunk_id: c for c in pipeline.store.get(ids)[0]}  # noqa: E731
    assert newly_stale(records.approved_answers(), indexed) == []
    (library / "rituximab.md").write_text(RITUXIMAB.replace("chills or a rash", "a headache"))
    pipeline.ingest([library])
    [(stale_id, why)] = newly_stale(records.approved_answers(), indexed)
    assert stale_id == approved_id and "Rituximab" in why
