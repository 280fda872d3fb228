""""Say that more simply" (rag/plain/simpler.py, called by the pipeline): the answer's main
point again in at most three short sentences of everyday words, each at reading grade 6 or
below as rag.text.sentences.reading_grade measures it, each keeping its citation and its document
quote. Inputs are real sentences of corpus/*.txt; the whole pipeline: tests/test_plain.py."""

import re

import pytest

from rag.plain.glossary import Glossary
from rag.text.lexical import terms
from rag.plain.rewrite import plain_answer, simplify
from rag.text.plain_words import plain_word_pairs
from rag.text.sentences import reading_grade
from rag.schema import AnswerSentence, Citation
from rag.plain.simpler import declutter, short_sentences, simpler
from tests.conftest import CORPUS
from tests.test_glossary import chunk

# --- real sentences of the two corpus documents --------------------------------------------------

NEVERTHELESS = ("Nevertheless, each trial contributes valuable knowledge that brings us closer to more effective "
                "therapies.")
MONITORING = ("Close monitoring and comprehensive supportive care are necessary to manage these potential adverse "
              "effects and optimize patient outcomes.")
NINTEDANIB = ("- Antifibrotic agents: Nintedanib, an antifibrotic agent, has shown promising results in slowing the "
              "progression of pulmonary fibrosis in patients with systemic scleroderma.")
SEVERAL = ("Several clinical trials have demonstrated encouraging results, leading to greater interest and ongoing "
           "research to refine protocols, improve safety, and determine which patients are most likely to benefit.")
WORLDWIDE = ("These trials are conducted globally, often coordinated by leading medical institutions and patient "
             "advocacy groups, such as the Scleroderma Foundation and the National Institutes of Health (NIH).")
PHASES = ("Many early-phase studies focus on safety and dosage, while later phases aim to establish effectiveness "
          "and monitor long-term outcomes.")
TEAM = ("Comprehensive treatment of systemic scleroderma requires multidisciplinary care involving "
        "rheumatologists, dermatologists, pulmonologists, and other specialists.")
RISKS = ("While autologous hematopoietic stem cell transplantation holds promise as a potential curative therapy "
         "for severe systemic scleroderma, it is important to note that the procedure is not without risks.")
ORGANS = ("It can also affect internal organs such as the lungs, heart, kidneys, and gastrointestinal tract, making "
          "it a complex and potentially life-threatening condition.")
TARGETED = ("These targeted therapies are significant because they offer the possibility of more precise treatment "
            "with fewer side effects compared to broad immunosuppressants.")
SUBJECT = frozenset(terms("scleroderma"))
REAL = [NEVERTHELESS, MONITORING, NINTEDANIB, SEVERAL, WORLDWIDE, PHASES, TEAM, RISKS, ORGANS, TARGETED]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_inputs_are_sentences_of_the_corpus():
    corpus = " ".join(_flat(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt"))
    for sentence in REAL:
        assert _flat(sentence) in corpus, sentence


def answer(*texts, plain=False):
    """An answer quoting ``texts``, each from its own passage, cited 1, 2, ... in order;
    ``plain``: reworded first by plain_answer, as the pipeline does before "more simply"
    (which knows that the corpus is about scleroderma)."""
    chunks = [chunk(t, "Section", "", f"doc{i}.txt", i) for i, t in enumerate(texts, 1)]
    sentences = [AnswerSentence(t, i) for i, t in enumerate(texts, 1)]
    citations = [Citation(i, c, 1.0, ((0, len(c.text)),)) for i, c in enumerate(chunks, 1)]
    return plain_answer(sentences, citations, None, common=SUBJECT) if plain else (sentences, citations)


def source_of(s: AnswerSentence, citations) -> str:
    """The passage text a sentence cites."""
    return next(c.chunk.text for c in citations if c.n == s.citation)


# --- what comes back -----------------------------------------------------------------------------

@pytest.mark.parametrize("sentence", REAL)
@pytest.mark.parametrize("plain", [False, True])
def test_every_sentence_reads_at_grade_six_or_below(sentence, plain):
    # the main point comes first even when no piece of it reads at six (TEAM, TARGETED, the
    # reworded RISKS: see below), still simpler than the document says it
    out, _ = simpler(*answer(sentence, plain=plain))
    assert 1 <= len(out) <= 3
    assert all(reading_grade(s.text) <= 6.0 for s in out[1:]), [(s.text, reading_grade(s.text)) for s in out]
    assert reading_grade(out[0].text) <= max(6.0, reading_grade(sentence))


@pytest.mark.parametrize("most", [1, 2, 3])
def test_never_more_sentences_than_asked_for(most):
    out, _ = simpler(*answer(PHASES, NINTEDANIB, SEVERAL, MONITORING), most=most)
    assert 1 <= len(out) <= most


def test_a_long_sentence_becomes_short_sentences_in_everyday_words():
    out, _ = simpler(*answer(NEVERTHELESS))
    assert [s.text for s in out] == ["Each trial adds useful knowledge.",
                                     "This knowledge brings us closer to better treatments."]
    out, _ = simpler(*answer(MONITORING))
    assert [s.text for s in out] == ["Close checking and full supportive care are needed.",
                                     "They are also needed to improve how people do."]
    assert reading_grade(NEVERTHELESS) > 12 and reading_grade(MONITORING) > 16


def test_hard_words_are_replaced_by_everyday_ones():
    out, _ = simpler(*answer(NINTEDANIB, plain=True))
    said = " ".join(s.text for s in out)
    assert said == ("Nintedanib is a medicine that slows scarring. "
                    "Nintedanib has shown good results in slowing the worsening of lung scarring.")
    for hard in ("antifibrotic", "agent", "pulmonary", "fibrosis", "progression", "promising", "systemic"):
        assert hard not in said.lower()


def test_parentheses_citation_markers_and_asides_go():
    assert declutter("Drugs (e.g., methotrexate) calm the immune system (SSc) [3].") == "Drugs calm the immune system."
    out, _ = simpler(*answer(WORLDWIDE))
    assert [s.text for s in out] == ["These trials are run around the world."]
    # reworded from the plain answer too, whose sentences carry no markers but may carry asides
    out, _ = simpler(*answer(WORLDWIDE, plain=True))
    assert not any(re.search(r"[()\[\]]|NIH", s.text) for s in out)


def test_the_main_point_comes_first_with_its_citation_and_its_quote():
    sentences, citations = answer(SEVERAL, NINTEDANIB)
    out, cites = simpler(sentences, citations)
    assert out[0].text == "Some trials have shown good results."
    assert out[0].quote == SEVERAL and source_of(out[0], cites) == SEVERAL


def test_every_sentence_keeps_the_citation_and_the_quote_of_the_sentence_it_came_from():
    out, cites = simpler(*answer(PHASES, SEVERAL, NINTEDANIB))
    assert [s.text for s in out] == ["Many early studies focus on safety and dose.",
                                     "Some trials have shown good results.",
                                     "This leads to greater interest and research."]
    assert [s.citation for s in out] == [1, 2, 2] and [c.n for c in cites] == [1, 2]  # NINTEDANIB: no room
    for s in out:
        assert s.quote == source_of(s, cites)  # the document's sentence, word for word
    # reworded by plain_answer first, as in the pipeline: the quote is still the document's
    out, cites = simpler(*answer(PHASES, NINTEDANIB, plain=True))
    assert [s.text for s in out] == ["Many early studies focus on safety and dose.",
                                     "Nintedanib is a medicine that slows scarring."]
    assert [s.citation for s in out] == [1, 2]
    for s in out:
        assert s.quote == source_of(s, cites)


def test_citations_no_sentence_uses_any_more_go():
    out, cites = simpler(*answer(NEVERTHELESS, TEAM))  # NEVERTHELESS says it in two: no room for TEAM
    assert [s.citation for s in out] == [1, 1] and [c.chunk.text for c in cites] == [NEVERTHELESS]


def test_it_is_reworded_not_the_same_sentences_cut_short():
    for texts in ([SEVERAL, NINTEDANIB], [NEVERTHELESS], [PHASES, MONITORING]):
        sentences, _ = answer(*texts, plain=True)
        out, _ = simpler(*answer(*texts, plain=True))
        given = [s.text for s in sentences]
        assert any(s.text not in given and not any(g.startswith(s.text[:-1]) for g in given) for s in out)


def test_a_piece_that_cannot_be_said_at_grade_six_is_dropped_not_returned():
    # PHASES: "Later phases aim to establish benefit and check results over time" stays above six
    out, _ = simpler(*answer(PHASES))
    assert [s.text for s in out] == ["Many early studies focus on safety and dose."]
    # after the main point (TEAM, said as simply as it goes), what follows reads at six
    out, _ = simpler(*answer(TEAM, NEVERTHELESS))
    assert "specialists" in out[0].text and out[0].citation == 1
    assert all(reading_grade(s.text) <= 6.0 for s in out[1:]) and len(out) > 1


def test_the_main_point_is_never_dropped_for_a_lesser_one_that_reads_easier():
    # "... holds promise as a possible cure ..., it is important to note that the procedure is
    # not without risks", reworded as the pipeline does: the cure stays, above six, then the risks
    out, _ = simpler(*answer(RISKS, plain=True))
    assert [s.text for s in out] == ["A transplant of your own stem cells may become a possible cure for severe "
                                     "scleroderma.", "But the procedure has risks."]


@pytest.mark.parametrize("sentence", [TEAM, TARGETED])
def test_never_empty_when_nothing_reads_at_grade_six(sentence):
    out, cites = simpler(*answer(sentence))
    assert len(out) == 1 and out[0].citation == 1 and out[0].quote == sentence
    assert reading_grade(out[0].text) < reading_grade(sentence)  # the simplest piece, still simpler
    assert not out[0].text.startswith("This is because")  # one that reads alone


def test_no_sentences_in_no_sentences_out():
    assert simpler([], []) == ([], [])
    assert simpler([], [], None) == ([], [])
    blank, cites = answer("   ")
    assert simpler(blank, cites) == ([], [])


def test_an_answer_already_short_and_plain_is_shortened_not_reworded():
    # nothing simpler to say it with: the first sentences, as they were
    sentences, citations = answer("Exercise keeps the joints moving.", "Warm gloves help cold hands.",
                                  "Rest when you are tired.", "Drink water every day.")
    out, _ = simpler(sentences, citations)
    assert [s.text for s in out] == ["Exercise keeps the joints moving.", "Warm gloves help cold hands."]
    assert all(s.quote == "" for s in out)


# --- hard words the short answer still uses: the answer's own glossary sentences ---------------

def real_glossary() -> Glossary:
    """corpus/glossary.md, one chunk per term: the heading names it, its first line defines it."""
    text = (CORPUS / "glossary.md").read_text(encoding="utf-8")
    return Glossary([chunk(m.group(2), m.group(1), "glossary", "glossary.md", i)
                     for i, m in enumerate(re.finditer(r"^## (.+)\n(.+)$", text, re.M))])


def test_a_hard_word_left_in_is_explained_right_after_it_from_the_glossary():
    glossary = real_glossary()
    body = chunk(ORGANS, "Overview", "", "trials.txt", 100)
    sentences, citations = plain_answer([AnswerSentence(ORGANS, 1)], [Citation(1, body, 1.0)], glossary,
                                        common=frozenset({"scleroderma"}))
    out, cites = simpler(sentences, citations, glossary)
    assert [s.text for s in out] == ["It can also affect organs inside the body.",
                                     "These include the lungs, heart, kidneys, and stomach and gut.",
                                     "Kidneys are two bean-shaped organs that clean the blood and make urine."]
    assert [c.chunk.doc_id for c in cites] == ["trials.txt", "glossary.md"] and out[2].citation == 2
    assert all(reading_grade(s.text) <= 6.0 for s in out)


def test_a_definition_keeps_the_word_it_defines():
    glossary = real_glossary()
    definition = next(d for d in glossary.definitions if d.term == "Fibrosis")
    pieces = short_sentences(definition.text, defines=True)
    assert pieces[0].text == "Fibrosis means the body makes too much scar-like tissue."
    assert short_sentences(definition.text)[0].text.startswith("Scarring means")  # what keeping it prevents


# --- the word table -------------------------------------------------------------------------------

@pytest.mark.parametrize("clinical,plain", [
    ("immunosuppressive drugs", "drugs that calm the immune system"), ("pulmonary", "lung"), ("fibrosis", "scarring"),
    ("gastrointestinal", "stomach and gut"), ("manifestations", "signs"), ("administered", "given"),
    ("approximately", "about"), ("individuals", "people"), ("significant", "big"),
    ("autologous stem cells", "your own stem cells"), ("hematopoietic stem cell transplantation", "stem cell transplant"),
])
def test_the_table_has_general_medical_words_in_everyday_ones(clinical, plain):
    assert (clinical, plain) in plain_word_pairs()


def test_table_words_are_used_in_any_health_text():
    assert simplify("Approximately 40% of individuals had renal and cardiac manifestations.") == [
        "About 40% of people had kidney and heart signs."]
    assert simplify("Immunosuppressive drugs were administered intravenously.") == [
        "Drugs that calm the immune system were given through a vein."]


def test_the_rules_are_written_for_any_health_text():
    pieces = short_sentences("Warfarin is a blood thinner that lowers the risk of stroke, and it needs regular "
                             "blood tests.")
    assert [p.text for p in pieces] == ["Warfarin is a blood thinner that lowers the risk of stroke.",
                                        "It needs regular blood tests."]
    assert all(p.grade <= 6.0 for p in pieces) and pieces[1].leans and not pieces[0].leans
