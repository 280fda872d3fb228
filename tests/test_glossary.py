"""The glossary (rag/plain/glossary.py): term definitions from the corpus's glossary documents,
opening the answer to "what does X mean?" and explaining a hard word after an answer, each
cited to its glossary passage; glossary passages are never searched or ranked as answers."""

import pytest

from rag.question.understand import is_definition_question
from rag.plain.glossary import Glossary, asked_definitions, explain_terms, glossary_names, with_definitions
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
    chunk("Scleroderma Foundation is a charity that supports people with scleroderma.",
          "Scleroderma Foundation", "glossary", "g.md", 5),
    chunk("Scleroderma renal crisis is a sudden rise in blood pressure that harms the kidneys.",
          "Scleroderma renal crisis", "glossary", "g.md", 6),
])


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
def test_a_definition_question_opens_with_the_definition_of_the_word_it_asks_about(q):
    assert asked_definitions(q, GLOSSARY, asks_meaning=is_definition_question(q))


def test_a_question_that_is_not_a_definition_question_is_answered_not_defined():
    q = "my doctor wants me on nintedanib, will it help my fibrosis?"
    assert asked_definitions(q, GLOSSARY, asks_meaning=is_definition_question(q)) == []


def test_the_subject_of_the_corpus_is_not_defined_back_to_the_reader():
    assert asked_definitions("what is scleroderma?", GLOSSARY, common=frozenset({"scleroderma"}), asks_meaning=True) == []


def test_definitions_go_first_and_the_answer_is_renumbered_after_them():
    body = chunk("Fibrosis can affect the lungs.", "Lungs")
    asked = asked_definitions("what does fibrosis mean?", GLOSSARY, asks_meaning=True)
    sentences, citations = with_definitions(asked, [AnswerSentence(body.text, 1)], [Citation(1, body, 0.9)],
                                            GLOSSARY)
    assert [(s.text, s.citation) for s in sentences] == [
        ("Fibrosis means scarring: tough tissue builds up where it should not.", 1),
        ("Fibrosis can affect the lungs.", 2)]
    assert [(c.n, c.chunk.doc_id) for c in citations] == [(1, "g.md"), (2, "doc.txt")]
    assert citations[0].highlights == ((0, len(sentences[0].text)),)


# --- a hard word explained after an answer ------------------------------------------------------

def _answer(text="Nintedanib slows lung scarring in trials."):
    body = chunk(text, "Lungs")
    return [AnswerSentence(body.text, 1)], [Citation(1, body, 0.9)]


def test_a_hard_word_is_explained_once_after_the_answer_and_cited_to_the_glossary():
    sentences, citations = explain_terms(*_answer("Nintedanib helps. Nintedanib is taken daily."), GLOSSARY)
    assert [s.text for s in sentences][1:] == ["Nintedanib is a medicine taken as a capsule, twice a day."]
    assert [c.chunk.doc_id for c in citations] == ["doc.txt", "g.md"] and sentences[1].citation == 2


def test_no_definition_for_a_word_the_question_used_nor_for_the_corpus_subject():
    assert len(explain_terms(*_answer(), GLOSSARY, known="does nintedanib help?")[0]) == 1
    assert hard_words_explained("Scleroderma can harden the skin.") == ["Scleroderma means hard skin."]
    assert hard_words_explained("Scleroderma can harden the skin.", common=frozenset({"scleroderma"})) == []


def test_a_term_hard_only_through_the_corpus_subject_is_not_explained():
    # readers of a library about scleroderma know the word; "renal" is still hard
    common = frozenset({"scleroderma"})
    assert hard_words_explained("Trials are often run by the Scleroderma Foundation.", common=common) == []
    assert hard_words_explained("Scleroderma renal crisis is rare.", common=common) == [
        "Scleroderma renal crisis is a sudden rise in blood pressure that harms the kidneys."]


def test_no_definition_for_a_term_the_sentence_already_names_another_way():
    assert hard_words_explained("This medicine is also known as nintedanib.") == []


def test_a_term_used_by_its_everyday_name_needs_no_definition():
    glossary = Glossary([chunk("Adverse effect means an unwanted effect of a medicine.", "Adverse effect (side effect)",
                               "glossary", "g.md", 1)])
    def explained(text):
        return [s.text for s in explain_terms(*_answer(text), glossary)[0][1:]]
    assert explained("Some people have side effects from the medicine.") == []
    assert explained("Some people have adverse effects from the medicine.") == [
        "Adverse effect means an unwanted effect of a medicine."]


def test_no_more_definitions_than_asked_for_nor_past_the_answer_length():
    text = "Nintedanib and HSCT both help fibrosis."
    assert len(hard_words_explained(text)) == 2
    assert len(hard_words_explained(text, most=1)) == 1
    assert hard_words_explained(text, max_sentences=1) == []


def hard_words_explained(text, **kw):
    sentences, _ = explain_terms(*_answer(text), GLOSSARY, **kw)
    return [s.text for s in sentences[1:]]


# --- through the pipeline, real corpus ----------------------------------------------------------

def test_what_does_a_word_mean_is_answered_from_the_glossary_first(corpus_pipeline):
    a = corpus_pipeline.ask("What does fibrosis mean?")
    assert a.kind == "answered"
    assert a.citations[0].chunk.kind == "glossary" and "scar" in a.sentences[0].text.lower()


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


def test_every_glossary_term_asked_in_any_wording_leads_with_its_definition(corpus_pipeline):
    """"whats a X", "what's X mean", "X meaning", "what is X" and "X?" all open with the
    glossary's definition of X, for every term that isn't the library's own subject."""
    from rag.plain.glossary import _is_subject

    pipeline = corpus_pipeline
    pipeline.retriever()
    glossary, subject = pipeline._glossary, pipeline._subject_terms
    missed = []
    for d in glossary.definitions:
        if _is_subject(d, subject):
            continue
        for form in ("whats a {}", "what's {} mean", "{} meaning", "what is {}", "{}?"):
            answer = pipeline.ask(form.format(d.names[0]), finish=False)
            if not answer.citations or answer.citations[0].chunk.chunk_id != d.chunk_id:
                missed.append(form.format(d.names[0]))
    assert len(glossary.definitions) > 20 and not missed, missed


def test_dense_search_leaves_out_the_glossary_like_the_filtered_query(fresh_pipeline, tmp_path):
    """The retriever reads ids alone and its passages from its cache: the same passages as
    the store's filtered query, with few glossary entries (one deep query) or many (two)."""
    p = fresh_pipeline()
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "words.md").write_text("---\ntitle: Words\nkind: glossary\n---\n" + "".join(
        f"## Term {i}\nTerm {i} means a kind of lung scarring number {i}.\n\n" for i in range(12)))
    (folder / "body.txt").write_text("\n\n".join(f"Paragraph {i} says lung scarring can make breathing hard "
                                                 f"for reason {i}." for i in range(6)))
    p.ingest([folder])
    retriever = p.retriever()
    vector = p.embed(["lung scarring"])[0]
    for k, excluded in ((2, 12), (2, None), (4, 12), (10, 12)):
        retriever.candidate_k, retriever.excluded = k, excluded
        got = retriever.nearest(vector)
        want = p.store.query(vector, k, exclude_kind="glossary")
        assert list(got) == [c.chunk_id for c, _ in want]
        assert [round(s, 5) for _, s in got.values()] == [round(s, 5) for _, s in want]
