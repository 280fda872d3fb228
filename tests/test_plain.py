"""Plain language (rag/plain/rewrite.py): quoted sentences reworded without changing what they say,
hard words explained after the answer, the quote kept exactly; and, through the pipeline on
the real corpus, "say that more simply" (its rules: tests/test_simpler.py). The glossary
itself: tests/test_glossary.py."""

import pytest

from rag.pipeline import Pipeline
from rag.plain.rewrite import plain_answer, simplify
from rag.plain.simpler import simpler
from rag.text.sentences import reading_grade
from rag.schema import AnswerSentence, Chunk, Citation
from tests.conftest import make_settings
from tests.test_glossary import GLOSSARY, chunk


# --- rewording one sentence --------------------------------------------------------------------

def test_clinical_words_become_everyday_ones_and_parentheses_go():
    out = simplify("Antifibrotic agents (such as nintedanib) have demonstrated efficacy in pulmonary fibrosis.")
    assert out == ["Medicines that slow scarring have shown benefit in lung scarring."]


def test_a_disease_name_is_never_reworded_word_by_word():
    # "fibrosis" alone is "scarring", "chronic" is "long-lasting": not inside a name
    assert simplify("Cystic fibrosis is an inherited disease of the glands.") == [
        "Cystic fibrosis is an inherited disease of the glands."]
    assert simplify("Chronic obstructive pulmonary disease makes it hard to breathe.") == [
        "Chronic obstructive pulmonary disease makes it hard to breathe."]
    assert simplify("Pulmonary fibrosis can be chronic.") == ["Lung scarring can be long-lasting."]
    # nor the name of the document quoted, whatever it is called
    assert simplify("Chronic granulomatous disease is rare.", names=("Chronic Granulomatous Disease",)) == [
        "Chronic granulomatous disease is rare."]
    # a phrase holding the name whole may still be made plainer
    assert simplify("Systemic scleroderma is rare.", names=("Scleroderma",)) == ["Scleroderma is rare."]


def test_a_long_sentence_is_split_where_a_clause_ends():
    out = simplify("Trials are hard to run in rare diseases; enrolling enough volunteers takes many years.")
    assert out == ["Trials are hard to run in rare diseases.", "Enrolling enough volunteers takes many years."]


def test_an_aside_between_subject_and_verb_gets_its_own_sentence():
    out = simplify("Further research, including larger trials and long follow-up studies, is needed to "
                   "clarify the best treatment.")
    assert out == ["Further research is needed to make clear the best treatment.",
                   "This includes larger trials and long follow-up studies."]


def test_a_named_thing_described_in_passing_gets_its_own_sentence():
    out = simplify("Rituximab, a monoclonal antibody, depletes B cells in the blood.")
    assert out == ["Rituximab is a monoclonal antibody.", "Rituximab depletes B cells in the blood."]


def test_an_opening_phrase_is_never_mistaken_for_a_subject_to_repeat():
    # "In the cold" is where, not who: there is no "In the cold is ..." to write
    for sentence in ("In the cold, the fingers turn white, then blue, then red.",
                     "After a flare, the skin stays tight, then slowly softens over months."):
        assert simplify(sentence) == [sentence]


def test_what_follows_an_aside_must_say_something_about_the_subject():
    sentence = "Scleroderma, a rare disease, then the lungs and the heart in some people."
    assert simplify(sentence) == [sentence]


def test_a_list_after_such_as_becomes_examples():
    out = simplify("Drugs such as methotrexate, mycophenolate mofetil, and cyclophosphamide are "
                   "commonly used to reduce inflammation.")
    assert out == ["Drugs are often used to reduce inflammation.",
                   "Examples are methotrexate, mycophenolate mofetil, and cyclophosphamide."]


def test_a_such_as_list_inside_the_subject_is_left_whole():
    # the list is the subject of the verb that follows: splitting it would break the sentence
    assert simplify("- Biological treatments: Biologic agents such as rituximab and tocilizumab target "
                    "specific pathways.") == [
        "Biologic medicines such as rituximab and tocilizumab target specific signals in the body."]


def test_openers_and_hedges_that_carry_nothing_go():
    assert simplify("In summary, it is important to note that exercise helps the joints stay flexible.") == [
        "Exercise helps the joints stay flexible."]


def test_numbers_and_negations_survive_rewording():
    out = " ".join(simplify("Approximately 30% of patients did not respond to the treatment within 12 months."))
    assert "30%" in out and "12 months" in out and "not" in out


def test_plain_sentences_read_at_a_lower_grade():
    hard = ("Autologous hematopoietic stem cell transplantation has demonstrated significant improvements "
            "in skin involvement, with many patients experiencing reduced fibrosis and increased skin elasticity.")
    assert reading_grade(" ".join(simplify(hard))) < reading_grade(hard) - 4


def test_reading_grade_ignores_citation_markers():
    assert reading_grade("Exercise helps. [1] It keeps joints moving. [2]") == reading_grade(
        "Exercise helps. It keeps joints moving.")
    assert reading_grade("") == 0.0


# --- a whole answer --------------------------------------------------------------------------

def _answer():
    body = chunk("In summary, nintedanib (an antifibrotic agent) slows pulmonary fibrosis in trials.", "Lungs")
    return [AnswerSentence(body.text, 1)], [Citation(1, body, 0.9, ((0, len(body.text)),))]


def test_a_reworded_sentence_keeps_its_citation_and_remembers_its_quote():
    sentences, citations = plain_answer(*_answer(), glossary=None)
    assert sentences[0].text == "Nintedanib slows lung scarring in trials."
    assert sentences[0].citation == 1 and sentences[0].quote == citations[0].chunk.text
    assert citations[0].chunk.text.startswith("In summary, nintedanib (an antifibrotic agent)")  # unchanged


def test_the_cited_documents_name_is_never_reworded_in_an_answer_or_a_simpler_one():
    body = chunk("Chronic granulomatous disease is a chronic condition of the immune system.", "Overview",
                 doc_id="Chronic Granulomatous Disease")
    cited = [AnswerSentence(body.text, 1)], [Citation(1, body, 0.9, ((0, len(body.text)),))]
    sentences, _ = plain_answer(*cited, glossary=None)
    assert sentences[0].text == "Chronic granulomatous disease is a long-lasting condition of the immune system."
    assert simpler(*cited)[0][0].text.startswith("Chronic granulomatous disease")


def test_a_sentence_all_in_brackets_is_said_as_written_never_dropped():
    body = chunk("(Most people with gout have attacks in the big toe first.)", "Gout")
    sentences, _ = plain_answer([AnswerSentence(body.text, 1)], [Citation(1, body, 0.9, ((0, len(body.text)),))],
                                glossary=None)
    assert [s.text for s in sentences] == [body.text]


def test_a_hard_word_is_explained_once_from_the_glossary_and_cited_to_it():
    sentences, citations = plain_answer(*_answer(), glossary=GLOSSARY, max_terms=2)
    assert [s.text for s in sentences] == ["Nintedanib slows lung scarring in trials.",
                                          "Nintedanib is a medicine taken as a capsule, twice a day."]
    assert [c.chunk.doc_id for c in citations] == ["doc.txt", "g.md"] and sentences[1].citation == 2


def test_no_definition_for_a_word_the_question_already_used():
    sentences, _ = plain_answer(*_answer(), glossary=GLOSSARY, known="does nintedanib help?")
    assert len(sentences) == 1


# --- through the pipeline, real corpus ----------------------------------------------------------

# Known miss (issue 19): this answer's point is "Scleroderma clinical trials face challenges.";
# no piece of it reads at grade 6 by Flesch-Kincaid (a four-syllable subject in a four-word
# sentence is grade 13), so the simplest piece is kept. Strict: it fails loudly once fixed.
HARD_TO_SIMPLIFY = pytest.mark.xfail(strict=True, reason="no piece of this answer reaches grade 6")


@HARD_TO_SIMPLIFY
def test_say_that_more_simply_gives_a_shorter_plainer_answer_to_the_last_question(corpus_pipeline):
    q = "What are the challenges of running clinical trials in scleroderma?"
    first = corpus_pipeline.ask(q)
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": first.answer}]
    again = corpus_pipeline.ask("Sorry, can you say that more simply?", history)
    assert first.kind == again.kind == "answered"
    assert len(again.sentences) <= 3 and len(again.answer) <= len(first.answer)
    assert all(reading_grade(s.text) <= 6.0 for s in again.sentences)
    # about the same thing: it cites a passage the first answer cited
    assert {c.chunk.chunk_id for c in again.citations} & {c.chunk.chunk_id for c in first.citations}


@pytest.mark.parametrize("q", ["How does nintedanib help the lungs?", "what drugs are used to treat scleroderma",
                               pytest.param("What are the challenges of running clinical trials in scleroderma?",
                                            marks=HARD_TO_SIMPLIFY)])
def test_say_that_more_simply_keeps_the_main_point_in_short_sentences_of_everyday_words(corpus_pipeline, q):
    first = corpus_pipeline.ask(q)
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": first.answer}]
    again = corpus_pipeline.ask("i dont understand", history)
    assert first.kind == again.kind == "answered"
    assert 1 <= len(again.sentences) <= 3
    assert all(reading_grade(s.text) <= 6.0 for s in again.sentences)
    # the lead: from the first answer's first sentence, with its citation and its document quote
    lead, first_lead = again.sentences[0], first.sentences[0]
    assert (lead.quote or lead.text) == (first_lead.quote or first_lead.text)
    assert again.citations[0].chunk.chunk_id == first.citations[0].chunk.chunk_id
    # every sentence quotes a sentence of the passage it cites
    for s in again.sentences:
        passage = " ".join(next(c.chunk.text for c in again.citations if c.n == s.citation).split())
        assert " ".join((s.quote or s.text).lstrip("- ").split()) in passage
    assert len(again.answer) < len(first.answer) and again.reading_grade <= 6.0


def test_simplest_never_keeps_a_pointing_sentence_without_the_one_it_points_to():
    c = Chunk("c1", "d", "T", "", "x", 0, 1, 0, 1, 0)
    cites = [Citation(1, c, 1.0), Citation(2, c, 1.0)]
    answer = [AnswerSentence("A transplant may become a possible cure.", 1),
              AnswerSentence("Other drugs calm the immune system.", 2),
              AnswerSentence("But the procedure has risks.", 1)]
    kept, _ = simpler(answer, cites)
    assert [s.text for s in kept][-1] != "But the procedure has risks."


def test_say_that_more_simply_with_nothing_before_it_is_not_found(corpus_pipeline):
    assert corpus_pipeline.ask("say that more simply").kind == "not_found"


def test_answers_carry_their_reading_grade(corpus_pipeline):
    a = corpus_pipeline.ask("How does nintedanib help the lungs?")
    assert a.kind == "answered" and a.reading_grade == reading_grade(a.answer)
    assert a.to_json()["reading_grade"] == a.reading_grade


def test_switching_plain_language_off_quotes_the_documents_word_for_word(corpus_store, embedder):
    quoted = Pipeline(make_settings(corpus_store, plain_language=False), embedder=embedder)
    a = quoted.ask("How does nintedanib help the lungs?")
    assert a.kind == "answered"
    for s in a.sentences:
        assert s.quote == "" and s.text in next(c.chunk.text for c in a.citations if c.n == s.citation)


def test_say_that_more_simply_after_a_follow_up_simplifies_that_answer_read_as_it_was(corpus_pipeline):
    """The question asked again is read with the turns before it, as it was the first time:
    "what are the risks of that" is still about what "that" was then."""
    history = []
    for q in ("is there anything that helps when it gets into the lungs", "and for the skin?",
              "what are the risks of that"):
        a = corpus_pipeline.ask(q, history)
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": a.answer}]
    again = corpus_pipeline.ask("i dont understand", history)
    assert a.kind == again.kind == "answered"
    said = {(s.quote or s.text) for s in again.sentences}
    assert (a.sentences[0].quote or a.sentences[0].text) in said
