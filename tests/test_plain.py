"""Plain language (rag/plain.py): quoted sentences reworded without changing what they say,
hard words explained from the glossary, the quote kept exactly; and, through the pipeline on
the real corpus, "what does X mean?" and "say that more simply"."""

import pytest

from rag.plain import (Glossary, asked_definitions, content_left, glossary_names, is_definition_question,
                       is_simpler_request, plain_answer, reading_grade, shorter, simplify)
from rag.schema import AnswerSentence, Chunk, Citation


def chunk(text, section="", kind="", doc_id="doc.txt", n=0):
    return Chunk(chunk_id=f"{doc_id}-{n}", doc_id=doc_id, title=doc_id, location=section or "paragraph 1",
                 text=text, start=0, end=len(text), source_start=0, source_end=len(text), ordinal=n,
                 section=section, kind=kind)


GLOSSARY = Glossary([
    chunk("Fibrosis means scarring: tough tissue builds up where it should not.", "Fibrosis", "glossary", "g.md", 1),
    chunk("Nintedanib is a medicine taken as a capsule, twice a day.", "Nintedanib", "glossary", "g.md", 2),
    chunk("Hematopoietic stem cell transplantation, or HSCT, replaces the immune system.",
          "Hematopoietic stem cell transplantation (HSCT)", "glossary", "g.md", 3),
    chunk("Scleroderma means hard skin.", "Scleroderma", "glossary", "g.md", 4),
])


# --- rewording one sentence --------------------------------------------------------------------

def test_clinical_words_become_everyday_ones_and_parentheses_go():
    out = simplify("Antifibrotic agents (such as nintedanib) have demonstrated efficacy in pulmonary fibrosis.")
    assert out == ["Medicines that slow scarring have shown benefit in lung scarring."]


def test_a_long_sentence_is_split_where_a_clause_ends():
    out = simplify("Trials are hard to run in rare diseases; enrolling enough volunteers takes many years.")
    assert out == ["Trials are hard to run in rare diseases.", "Enrolling enough volunteers takes many years."]


def test_an_aside_between_subject_and_verb_gets_its_own_sentence():
    out = simplify("Further research, including larger trials and long follow-up studies, is needed to "
                   "clarify the best treatment.")
    assert out == ["Further research is needed to make clear the best treatment.",
                   "This includes larger trials and long follow-up studies."]


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


# --- the glossary ----------------------------------------------------------------------------

def test_glossary_names_include_the_abbreviation():
    assert glossary_names("Hematopoietic stem cell transplantation (HSCT)") == (
        "hematopoietic stem cell transplantation", "hsct")


def test_glossary_reads_only_glossary_chunks_and_their_first_sentence():
    g = Glossary([chunk("Fibrosis is bad. More text.", "Fibrosis", "glossary"), chunk("Other text.", "Fibrosis")])
    assert len(g) == 1 and g.definitions[0].text == "Fibrosis is bad."


def test_the_longest_term_wins_and_each_term_is_found_once():
    found = [d.term for _, d in GLOSSARY.terms_in("HSCT and hematopoietic stem cell transplantation help fibrosis")]
    assert found == ["Hematopoietic stem cell transplantation (HSCT)", "Fibrosis"]


@pytest.mark.parametrize("q", ["What does fibrosis mean?", "what is HSCT", "define fibrosis", "fibrosis meaning?"])
def test_definition_questions_are_recognised(q):
    assert is_definition_question(q)
    assert asked_definitions(q, GLOSSARY)


def test_the_subject_of_the_corpus_is_not_defined_back_to_the_reader():
    assert asked_definitions("what is scleroderma?", GLOSSARY, common=frozenset({"scleroderma"})) == []


# --- a whole answer --------------------------------------------------------------------------

def _answer():
    body = chunk("In summary, nintedanib (an antifibrotic agent) slows pulmonary fibrosis in trials.", "Lungs")
    return [AnswerSentence(body.text, 1)], [Citation(1, body, 0.9, ((0, len(body.text)),))]


def test_a_reworded_sentence_keeps_its_citation_and_remembers_its_quote():
    sentences, citations = plain_answer(*_answer(), glossary=None)
    assert sentences[0].text == "Nintedanib slows lung scarring in trials."
    assert sentences[0].citation == 1 and sentences[0].quote == citations[0].chunk.text
    assert citations[0].chunk.text.startswith("In summary, nintedanib (an antifibrotic agent)")  # unchanged


def test_a_hard_word_is_explained_once_from_the_glossary_and_cited_to_it():
    sentences, citations = plain_answer(*_answer(), glossary=GLOSSARY, max_terms=2)
    assert [s.text for s in sentences] == ["Nintedanib slows lung scarring in trials.",
                                          "Nintedanib is a medicine taken as a capsule, twice a day."]
    assert [c.chunk.doc_id for c in citations] == ["doc.txt", "g.md"] and sentences[1].citation == 2


def test_no_definition_for_a_word_the_question_already_used():
    sentences, _ = plain_answer(*_answer(), glossary=GLOSSARY, known="does nintedanib help?")
    assert len(sentences) == 1


def test_a_shorter_answer_keeps_only_the_citations_it_uses():
    sentences, citations = plain_answer(*_answer(), glossary=GLOSSARY)
    short, cites = shorter(sentences, citations, 1)
    assert len(short) == 1 and [c.n for c in cites] == [1]


@pytest.mark.parametrize("q", ["say that more simply", "Can you explain that in plain words?",
                               "I don't understand", "what does that mean?"])
def test_requests_to_say_it_more_simply_point_back_at_the_last_answer(q):
    assert is_simpler_request(q) and not content_left(q)


def test_a_simpler_request_that_names_a_topic_is_about_that_topic():
    assert is_simpler_request("explain nintedanib more simply") and content_left("explain nintedanib more simply")
    assert not is_simpler_request("is the transplant a simple procedure?")


# --- through the pipeline, real corpus ----------------------------------------------------------

def test_what_does_a_word_mean_is_answered_from_the_glossary_first(corpus_pipeline):
    a = corpus_pipeline.ask("What does fibrosis mean?")
    assert a.kind == "answered"
    assert a.citations[0].chunk.kind == "glossary" and "scar" in a.sentences[0].text.lower()


def test_say_that_more_simply_gives_a_shorter_plainer_answer_to_the_last_question(corpus_pipeline):
    q = "What are the challenges of running clinical trials in scleroderma?"
    first = corpus_pipeline.ask(q)
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": first.answer}]
    again = corpus_pipeline.ask("Sorry, can you say that more simply?", history)
    assert first.kind == again.kind == "answered"
    assert len(again.sentences) <= 3 and len(again.answer) <= len(first.answer)
    # about the same thing: it cites a passage the first answer cited
    assert {c.chunk.chunk_id for c in again.citations} & {c.chunk.chunk_id for c in first.citations}


def test_say_that_more_simply_keeps_the_main_point_in_short_sentences(corpus_pipeline):
    q = "what are the risks of a stem cell transplant"
    first = corpus_pipeline.ask(q)
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": first.answer}]
    again = corpus_pipeline.ask("say that more simply", history)
    assert 1 <= len(again.sentences) <= 3
    assert again.sentences[0].text == first.sentences[0].text  # the lead, with its citation
    assert again.citations[0].chunk.chunk_id == first.citations[0].chunk.chunk_id
    assert again.reading_grade <= first.reading_grade


def test_simplest_never_keeps_a_pointing_sentence_without_the_one_it_points_to():
    from rag.plain import simplest
    from rag.schema import AnswerSentence, Chunk, Citation

    chunk = Chunk("c1", "d", "T", "", "x", 0, 1, 0, 1, 0)
    cites = [Citation(1, chunk, 1.0), Citation(2, chunk, 1.0)]
    answer = [AnswerSentence("A transplant may become a possible cure.", 1),
              AnswerSentence("Other drugs calm the immune system.", 2),
              AnswerSentence("But the procedure has risks.", 1)]
    kept, _ = simplest(answer, cites)
    assert [s.text for s in kept][-1] != "But the procedure has risks."


def test_say_that_more_simply_with_nothing_before_it_is_not_found(corpus_pipeline):
    assert corpus_pipeline.ask("say that more simply").kind == "not_found"


def test_answers_carry_their_reading_grade(corpus_pipeline):
    a = corpus_pipeline.ask("How does nintedanib help the lungs?")
    assert a.kind == "answered" and a.reading_grade == reading_grade(a.answer)
    assert a.to_json()["reading_grade"] == a.reading_grade


def test_switching_plain_language_off_quotes_the_documents_word_for_word(corpus_store, embedder):
    from rag.pipeline import Pipeline
    from tests.conftest import make_settings

    quoted = Pipeline(make_settings(corpus_store, plain_language=False), embedder=embedder)
    a = quoted.ask("How does nintedanib help the lungs?")
    assert a.kind == "answered"
    for s in a.sentences:
        assert s.quote == "" and s.text in next(c.chunk.text for c in a.citations if c.n == s.citation)


# --- the glossary is cited to explain a word, never ranked as an answer -------------------------

def test_search_never_returns_glossary_passages_even_for_a_glossary_word(corpus_pipeline):
    hits = corpus_pipeline.search("what does fibrosis mean", k=10).passages
    assert hits and all(p.chunk.kind != "glossary" for p in hits)


def test_the_store_leaves_out_a_kind_whether_or_not_it_crowds_the_nearest(fresh_pipeline, tmp_path):
    p = fresh_pipeline()
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "words.md").write_text("---\ntitle: Words\nkind: glossary\n---\n" + "".join(
        f"## Term {i}\nTerm {i} means a kind of lung scarring number {i}.\n\n" for i in range(12)))
    (folder / "body.txt").write_text("Lung scarring can make breathing hard.\n\nSkin care helps dry skin.")
    p.ingest([folder])
    vector = p.embed(["lung scarring"])[0]
    for k in (1, 2, 3):  # 2k nearest are all glossary for k=1..3: the filtered query answers
        got = p.store.query(vector, k, exclude_kind="glossary")
        assert got and all(c.kind != "glossary" for c, _ in got)
        assert got[0][0].doc_id == "body.txt"
    every = p.store.query(vector, 50, exclude_kind="glossary")
    assert {c.doc_id for c, _ in every} == {"body.txt"}
