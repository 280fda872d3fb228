"""The conversation, misspelling and decline sets (eval/conversations.jsonl, misspelt.jsonl,
uncovered.jsonl, read by ``eval.conversation_sets``) and the pure scoring of
``eval.conversation_scoring``.

The files must be sound: every evidence and leak phrase is in a document, the sizes and
fields are right, a twin differs from its misspelling only by the spelling, and what an
uncovered question is about really is in no document. The scoring functions are checked on
small hand-made answers; the pipeline is never run here (``python -m eval.conversation``
does that, in minutes)."""

from __future__ import annotations

import difflib
import re

import pytest

from eval import conversation
from eval import conversation_scoring as scoring
from eval import conversation_sets as sets
from eval.metrics_text import normalize
from eval.questions import QUESTION_KINDS
from rag.settings import PROJECT_ROOT

DOCUMENTS = [normalize(p.read_text(encoding="utf-8")) for p in sorted((PROJECT_ROOT / "corpus").iterdir())
             if p.is_file()]


def in_corpus(phrase: str) -> bool:
    return any(normalize(phrase) in d for d in DOCUMENTS)


@pytest.fixture(scope="module")
def conversations():
    return sets.load_conversations()


@pytest.fixture(scope="module")
def misspelt():
    return sets.load_misspelt()


@pytest.fixture(scope="module")
def uncovered():
    return sets.load_uncovered()


# --- the files -----------------------------------------------------------------------------------

def test_every_evidence_and_leak_phrase_is_in_a_document(conversations, misspelt):
    phrases = [(f"{c['id']} turn {i}", p) for c in conversations for i, t in enumerate(c["turns"], 1)
               for p in t["evidence"] + t["leak"]]
    phrases += [(m["id"], p) for m in misspelt for p in m["evidence"]]
    missing = [f"{where}: {p}" for where, p in phrases if not in_corpus(p)]
    assert not missing, "Phrases in no document:\n" + "\n".join(missing)


def test_conversations_are_three_or_four_turns_of_patient_talk(conversations):
    assert len(conversations) >= 40
    turns = [t for c in conversations for t in c["turns"]]
    assert all(3 <= len(c["turns"]) <= 4 for c in conversations)
    assert {t["kind"] for t in turns} <= set(QUESTION_KINDS)
    assert all(t["evidence"] for t in turns if t["expect"] in ("answered", "simpler"))
    assert all(not t["leak"] for t in (c["turns"][0] for c in conversations)), "a first turn has no earlier topic"
    expects = [t["expect"] for t in turns]
    assert expects.count("not_found") >= 10 and expects.count("simpler") >= 5
    assert sum(bool(t["leak"]) for t in turns) >= 10
    asked = [t["question"].lower() for t in turns]
    for said in ("is there a cure?", "is it safe?", "and for the skin?", "why so many?", "who runs them",
                 "say that more simply", "i dont understand"):
        assert said in asked, said


def test_no_question_pastes_in_a_document_sentence(conversations, misspelt, uncovered):
    # written as patients type: no run of eight words taken from a document
    asked = [t["question"] for c in conversations for t in c["turns"]]
    asked += [m[k] for m in misspelt for k in ("question", "twin")] + [u["question"] for u in uncovered]
    for question in asked:
        words = question.lower().split()
        for n in range(len(words) - 7):
            assert not in_corpus(" ".join(words[n:n + 8])), question


def test_misspelt_questions_have_twins_that_differ_only_in_spelling(misspelt):
    assert len(misspelt) >= 60
    ids = {m["id"] for m in misspelt}
    assert len(ids) == len(misspelt)
    for m in misspelt:
        assert m["twin"] != m["question"]
        assert m["kind"] in QUESTION_KINDS and m["expect"] in ("answered", "not_found", "urgent", "advice")
        assert len(m["twin"].split()) == len(m["question"].split()), m["id"]
        assert difflib.SequenceMatcher(None, m["question"], m["twin"]).ratio() >= 0.85, m["id"]
    wrong = " ".join(m["question"] for m in misspelt)
    for typo in ("mycofenolate", "metotrexate", "rituximub", "nintedamib", "tocilizamab", "cyclophosphamid ",
                 "sclerodema", "scleroderm ", "sclerodoma", "raynards", "transplnt", "wat ", "whats", "tretment",
                 "simptoms", "efects", "patients own", "dont"):
        assert typo in wrong, typo


def test_uncovered_questions_name_a_focus_no_document_mentions(uncovered):
    assert len(uncovered) >= 60
    assert {u["expect"] for u in uncovered} == {"not_found"}
    categories = {u["category"] for u in uncovered}
    assert {"life_expectancy", "cost", "place", "drug", "supplement", "pregnancy", "diet", "off_topic"} <= categories
    for u in uncovered:
        assert u["focus"].lower() in u["question"].lower(), u["id"]
        word = scoring.main_word(u["focus"])
        assert not any(re.search(rf"\b{re.escape(word)}\b", d) for d in DOCUMENTS), f"{u['id']}: {word}"


def test_a_bad_line_is_reported_with_its_line_number(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "turns": [{"question": "q", "expect": "answered", "kind": "other"}]}\n')
    with pytest.raises(sets.SetFileError, match=r":1: a: an answered question needs evidence"):
        sets.load_conversations(path)
    path.write_text('{"id": "a", "question": "whats x", "twin": "whats x", "expect": "not_found"}\n')
    with pytest.raises(sets.SetFileError, match="spelt the same"):
        sets.load_misspelt(path)
    path.write_text('{"id": "a", "question": "x", "expect": "not_found", "focus": "x"}\n' * 2)
    with pytest.raises(sets.SetFileError, match=":2: duplicate id"):
        sets.load_uncovered(path)


# --- scoring on hand-made answers ---------------------------------------------------------------

PASSAGE = "Nintedanib slows lung scarring. It is an antifibrotic agent. Stem cells come from bone marrow."
GLOSSARY = "Remission means a time when a disease is calm."


def answer(*sentences, kind="answered", citations=None, understanding=None, text=None):
    """An Answer.to_json()-shaped dict: sentences are (text, citation n[, quote])."""
    rows = [{"text": s[0], "citation": s[1], "quote": s[2] if len(s) > 2 else "", "list_item": False}
            for s in sentences]
    cites = citations if citations is not None else [
        {"n": 1, "chunk_id": "doc-1", "text": PASSAGE, "highlights": [[0, 31]]},
        {"n": 2, "chunk_id": "gloss-1", "text": GLOSSARY, "highlights": [[0, 46]]},
    ]
    return {"kind": kind, "answer": text if text is not None else " ".join(s[0] for s in sentences),
            "sentences": rows, "citations": cites if kind == "answered" else [], "notices": [],
            "understanding": understanding or {}}


def test_first_citation_and_used_texts():
    a = answer(("Nintedanib slows lung scarring. [1]", 1))
    assert scoring.first_citation(a) == "doc-1"
    assert scoring.first_citation(answer(kind="not_found")) is None
    assert scoring.used_texts(answer(("Scar tissue builds up more slowly. [1]", 1, "Nintedanib slows lung scarring."))) == [
        "Nintedanib slows lung scarring.", "Nintedanib slows lung scarring.", "Remission means a time when a disease is calm."]


def test_led_by_a_sentence_or_by_the_passage_it_cites():
    ev = ["slows lung scarring"]
    assert scoring.is_led(answer(("Nintedanib slows lung scarring. [1]", 1)), ev) is True
    # the sentence itself lacks the phrase, but the passage it cites holds it
    assert scoring.is_led(answer(("Stem cells come from bone marrow. [1]", 1)), ev) is True
    # only the third sentence leads to it: not led
    late = answer(("Remission means a time when a disease is calm. [2]", 2),
                  ("Remission means a time when a disease is calm. [2]", 2),
                  ("Nintedanib slows lung scarring. [1]", 1))
    assert scoring.is_led(late, ev) is False
    assert scoring.is_led(answer(kind="not_found"), ev) is False
    assert scoring.is_led(answer(("Nintedanib slows lung scarring. [1]", 1)), []) is None


def test_leak_is_found_in_a_quote_or_the_first_sentence_used_of_a_cited_passage():
    a = answer(("Scar tissue grows more slowly. [1]", 1, "Nintedanib slows lung scarring."))
    assert scoring.leaked(a, ["nintedanib slows", "bone marrow"]) == ["nintedanib slows"]
    # the cited passage's first sentence used counts even when the answer's own text is elsewhere
    b = answer(("Remission is a calm time. [2]", 2))
    assert scoring.leaked(b, ["Remission means a time"]) == ["Remission means a time"]
    # a part of a cited passage the answer did not use is no leak; a decline never leaks
    assert scoring.leaked(a, ["bone marrow"]) == []
    assert scoring.leaked(answer(kind="not_found"), ["nintedanib"]) == []


def test_simpler_reply_must_be_plain_short_cited_and_new():
    before = answer(("Nintedanib slows the progression of pulmonary fibrosis in systemic sclerosis. [1]", 1))
    easy = lambda text: 3.0  # noqa: E731
    hard = lambda text: 9.0  # noqa: E731
    said = "Nintedanib slows the progression of pulmonary fibrosis in systemic sclerosis."
    good = answer(("It slows lung scarring. [1]", 1, said))
    assert scoring.simpler_checks(good, before, easy)["ok"]
    # another sentence of the same passage, however plain, drops the main point
    other = answer(("The drug has risks. [1]", 1, "The drug is not without risks."))
    assert not scoring.simpler_checks(other, before, easy)["kept"]
    assert not scoring.simpler_checks(good, before, hard)["plain"]
    assert not scoring.simpler_checks(before, before, easy)["changed"]
    long = answer(*[("It slows lung scarring. [1]", 1)] * 4)
    assert not scoring.simpler_checks(long, before, easy)["short"]
    uncited = answer(("It slows lung scarring.", 1), citations=[])
    assert not scoring.simpler_checks(uncited, before, easy)["cited"]
    declined = scoring.simpler_checks(answer(kind="not_found"), before, easy)
    assert not declined["ok"] and declined["max_grade"] is None
    # with the product's own reading grade
    assert scoring.simpler_checks(good, before)["plain"]


def test_a_turn_record_and_the_conversation_figures():
    turn = {"question": "and for the skin?", "expect": "answered", "kind": "treatment",
            "evidence": ["bone marrow"], "leak": ["slows lung scarring"]}
    a = answer(("Stem cells come from bone marrow. [1]", 1), ("Nintedanib slows lung scarring. [1]", 1),
               understanding={"kind": "treatment"})
    rec = scoring.score_turn(turn, a)
    assert rec["ok"] and rec["led"] and rec["led_sentence"] and rec["kind_predicted"] == "treatment"
    assert rec["leaked"] == ["slows lung scarring"]
    simpler = scoring.score_turn({"question": "i dont understand", "expect": "simpler", "kind": "treatment",
                                  "evidence": ["bone marrow"]},
                                 answer(("Cells come from bone marrow. [1]", 1, "Stem cells come from bone marrow.")),
                                 previous=a, grade=lambda t: 4.0)
    declined = scoring.score_turn({"question": "how much is it", "expect": "not_found", "kind": "other"},
                                  answer(kind="not_found", understanding={"kind": "other"}))
    wrongly = scoring.score_turn({"question": "is it safe?", "expect": "answered", "kind": "risks",
                                  "evidence": ["not without risks"]}, answer(kind="not_found"))
    figs = scoring.conversation_figures([{"id": "c", "turns": [rec, simpler, declined, wrongly]}])
    assert figs["turns"] == 4 and figs["answerable_turns"] == 2
    assert figs["led_share"] == 0.5 and figs["answered_share"] == 0.5
    assert figs["leak_turns"] == 1 and figs["leak_checked_turns"] == 1
    assert figs["decline_accuracy"] == 1.0 and figs["simpler_ok"] == 1.0
    assert figs["kind_accuracy"] == 1.0  # turns the bot understood a kind for


def test_run_conversations_passes_the_bots_own_answers_as_history():
    seen = []

    def ask(question, history):
        seen.append((question, history))
        return answer((f"Reply to {question}. [1]", 1))

    convs = [{"id": "c", "turns": [
        {"question": "what is nintedanib", "expect": "answered", "kind": "definition", "evidence": ["nintedanib"]},
        {"question": "is it safe?", "expect": "answered", "kind": "risks", "evidence": ["x y z"]},
        {"question": "say that more simply", "expect": "simpler", "kind": "risks", "evidence": ["x y z"]}]}]
    out = conversation.run_conversations(ask, convs)
    assert seen[0][1] == []
    assert seen[2][1] == [{"role": "user", "content": "what is nintedanib"},
                          {"role": "assistant", "content": "Reply to what is nintedanib. [1]"},
                          {"role": "user", "content": "is it safe?"},
                          {"role": "assistant", "content": "Reply to is it safe?. [1]"}]
    assert [t["expect"] for t in out[0]["turns"]] == ["answered", "answered", "simpler"]
    assert out[0]["turns"][2]["simpler"]["changed"]


def test_misspelt_pairs_compare_reply_kind_and_first_passage():
    row = {"id": "m", "question": "wat is nintedamib", "twin": "what is nintedanib", "expect": "answered"}
    same = scoring.pair_record(row, answer(("Nintedanib slows lung scarring. [1]", 1)),
                               answer(("Nintedanib slows lung scarring. [1]", 1)))
    assert same["same_reply"] and same["same_first"] and same["ok"]
    lost = scoring.pair_record(row, answer(kind="not_found"), answer(("Nintedanib slows lung scarring. [1]", 1)))
    assert not lost["same_reply"] and lost["same_first"] is False and not lost["ok"] and lost["twin_ok"]
    both_declined = scoring.pair_record({**row, "expect": "not_found"}, answer(kind="not_found"), answer(kind="not_found"))
    assert both_declined["same_reply"] and both_declined["same_first"] is None
    figs = scoring.misspelt_figures([same, lost, both_declined])
    assert figs["same_reply"] == pytest.approx(0.6667) and figs["same_first_passage"] == 0.5
    assert figs["pairs_with_twin_citation"] == 2


def test_main_word_and_whether_a_decline_names_the_focus():
    assert scoring.main_word("Mayo Clinic") == "mayo"
    assert scoring.main_word("life expectancy") == "expectancy"
    assert scoring.main_word("CBD oil") == "cbd"
    assert scoring.main_word("the") == "the"
    topics = "the topics in “Scleroderma treatment review”"
    decline = f"My documents don't cover “life expectancy in years”, so I can't answer. I can help with {topics}."
    assert scoring.names_focus(decline, "life expectancy", topics)
    assert scoring.names_focus("My documents don't cover “the mayo”.", "Mayo Clinic")
    assert not scoring.names_focus("I couldn't find an answer to that.", "Mayo Clinic")
    # a word only the list of topics holds does not count
    assert not scoring.names_focus(f"I can help with {topics}.", "review", topics)


def test_uncovered_records_and_figures():
    row = {"id": "u", "question": "does cbd oil help", "focus": "CBD oil", "category": "supplement"}
    named = scoring.uncovered_record(row, answer(kind="not_found", text="My documents don't cover “cbd oil”."))
    vague = scoring.uncovered_record(row, answer(kind="not_found", text="I couldn't find an answer to that."))
    answered = scoring.uncovered_record(row, answer(("Nintedanib slows lung scarring. CBD oil. [1]", 1)))
    assert named["declined"] and named["names_focus"]
    assert vague["declined"] and not vague["names_focus"]
    assert not answered["declined"] and not answered["names_focus"]
    figs = scoring.uncovered_figures([named, vague, answered])
    assert figs["declined_share"] == pytest.approx(0.6667)
    assert figs["names_focus_of_declined"] == 0.5 and figs["names_focus_of_all"] == pytest.approx(0.3333)


def test_the_table_lists_each_set_that_ran():
    out = scoring.table({"uncovered": {"questions": 3, "declined_share": 0.6667, "names_focus_of_declined": 0.5,
                                       "names_focus_of_all": None}})
    assert out.splitlines()[0] == "| set | figure | value |"
    assert "| uncovered | declined | 67% |" in out and "| uncovered | ... of all questions | – |" in out
    assert "conversations" not in out
