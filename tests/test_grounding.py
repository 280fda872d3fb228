"""Checking a chat model's reply (rag/chat_model/grounding.py): a sentence is kept only when it cites a
passage it was given and that passage supports it, numbers included; kept sentences are
numbered in order of first use and point at the passage sentence they rest on.

Hand-made passages, no model: the model-calling side is tested in tests/test_llm.py.
"""

from __future__ import annotations

import pytest

from rag.chat_model.grounding import DROP_REASONS, check_reply, numbers_in, parse_reply
from rag.safety.triage import has_dose_or_instruction
from rag.schema import Chunk, Passage


def passage(text: str, title: str = "Living with scleroderma", location: str = "Overview") -> Passage:
    chunk = Chunk(chunk_id=f"{title}-{location}", doc_id=title, title=title, location=location,
                  text=text, start=0, end=len(text), source_start=0, source_end=len(text), ordinal=0)
    return Passage(chunk, score=0.7)


PASSAGES = [
    passage("Systemic sclerosis is a rare autoimmune disease. It can affect the skin, lungs, "
            "heart and kidneys. About 80% of people with it have Raynaud's phenomenon."),
    passage("Methotrexate is usually given at 15 mg once a week. Pulmonary fibrosis is a "
            "common complication of systemic sclerosis.", "Treatments", "Medicines"),
]


def test_a_reply_is_split_into_sentences_with_their_citations():
    claims = parse_reply("It can affect the lungs [1]. It is rare. [1]\n- Lung scarring is "
                         "common [2][1].\nDrugs, e.g. methotrexate, help [2, 1].")
    assert [(c.text, c.cites) for c in claims] == [
        ("It can affect the lungs.", (1,)),
        ("It is rare.", (1,)),
        ("Lung scarring is common.", (2, 1)),
        ("Drugs, e.g. methotrexate, help.", (2, 1)),
    ]


def test_supported_sentences_are_kept_and_renumbered_in_order_of_first_use():
    checked = check_reply("Lung scarring is a common problem [2]. Scleroderma is a rare "
                          "autoimmune disease [1]. It can affect the lungs and kidneys [1].", PASSAGES)
    assert checked.failure is None and checked.dropped == []
    assert [(s.text, s.citation) for s in checked.sentences] == [
        ("Lung scarring is a common problem.", 1),
        ("Scleroderma is a rare autoimmune disease.", 2),
        ("It can affect the lungs and kidneys.", 2),
    ]
    assert [c.n for c in checked.citations] == [1, 2]
    assert checked.citations[0].chunk is PASSAGES[1].chunk  # [1] is now the second passage
    # Each kept sentence points at the passage sentence it rests on, highlighted.
    assert checked.sentences[0].quote == "Pulmonary fibrosis is a common complication of systemic sclerosis."
    first = checked.citations[1]
    assert [first.chunk.text[a:b] for a, b in first.highlights] == [
        "Systemic sclerosis is a rare autoimmune disease.",
        "It can affect the skin, lungs, heart and kidneys."]
    assert checked.text == ("Lung scarring is a common problem. [1] Scleroderma is a rare autoimmune "
                            "disease. [2] It can affect the lungs and kidneys. [2]")


@pytest.mark.parametrize("sentence,reason", [
    ("Scleroderma can affect the lungs.", "no_citation"),
    ("Scleroderma can affect the lungs [3].", "unknown_passage"),
    ("Scleroderma can affect the lungs [1][7].", "unknown_passage"),
    ("Scleroderma is caused by eating too much sugar [1].", "unsupported"),
    ("About 95% of people with it have Raynaud's phenomenon [1].", "number_not_in_passage"),
    ("Raynaud's phenomenon affects many people [2].", "unsupported"),  # true of [1], not of [2]
])
def test_a_sentence_without_a_passage_behind_it_is_dropped(sentence, reason):
    checked = check_reply(f"It can affect the skin and lungs [1]. {sentence}", PASSAGES)
    assert len(checked.sentences) == 1
    assert [d.reason for d in checked.dropped] == [reason]
    assert reason in DROP_REASONS


def test_sentences_past_the_answer_length_are_dropped():
    reply = " ".join(["It can affect the skin and lungs [1]."] * 3)
    checked = check_reply(reply, PASSAGES, max_sentences=2)
    assert len(checked.sentences) == 2 and [d.reason for d in checked.dropped] == ["over_limit"]


def test_a_number_the_passage_has_is_accepted():
    checked = check_reply("About 80% of people with it have Raynaud's phenomenon [1].", PASSAGES)
    assert [s.citation for s in checked.sentences] == [1]


def test_a_sentence_citing_two_passages_is_kept_under_the_one_that_supports_it():
    checked = check_reply("Lung scarring is a common complication [1][2].", PASSAGES)
    assert checked.sentences[0].citation == 1 and checked.citations[0].chunk is PASSAGES[1].chunk


def test_doses_and_instructions_are_dropped_for_personal_advice_questions_only():
    reply = "Methotrexate is usually given at 15 mg once a week [2]. Lung scarring is common [2]."
    assert has_dose_or_instruction("Methotrexate is usually given at 15 mg once a week.")
    advice = check_reply(reply, PASSAGES, advice=True)
    assert [s.text for s in advice.sentences] == ["Lung scarring is common."]
    assert [d.reason for d in advice.dropped] == ["dose_or_instruction"]
    general = check_reply(reply, PASSAGES, advice=False)
    assert len(general.sentences) == 2


@pytest.mark.parametrize("reply,failure", [
    ("The passages do not answer this question.", "declined"),
    ("These documents don't say anything about that. Scleroderma affects the lungs [1].", "declined"),
    ("Scleroderma is caused by sugar [1]. The moon is cheese [2].", "nothing_supported"),
    ("", "nothing_supported"),
])
def test_a_reply_that_declines_or_keeps_nothing_is_a_failure(reply, failure):
    assert check_reply(reply, PASSAGES).failure == failure


def test_a_later_sentence_saying_the_passages_are_silent_on_a_detail_is_only_dropped():
    checked = check_reply("It can affect the lungs [1]. The passages do not say how fast it "
                          "happens.", PASSAGES)
    assert checked.failure is None and [d.reason for d in checked.dropped] == ["declined"]


def test_numbers_are_read_whole_with_their_separators():
    assert numbers_in("About 1,000 people, 2.5 mg, 80% and 12 months") == {"1000", "2.5", "80", "12"}
    assert numbers_in("1,000") == numbers_in("1000")
