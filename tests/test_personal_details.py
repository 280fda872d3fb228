"""Personal details patients type are never kept, and never stop them getting an answer.

Every message of ``tests/data/personal_details.jsonl`` (a message and the details in it)
is asked through the real pipeline over the committed corpus, recorded, given as the
patient's comment and the educator's note, and added to the evaluation set; no detail is
found anywhere in the bytes of the records database (with its -wal) or the evaluation file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CORPUS, load_table
from rag.records.database import RECORDED_KINDS, Records
from rag.ui import evalset

TABLE = load_table("personal_details.jsonl")


def found(detail: str, text: str) -> bool:
    """The detail standing whole in ``text``, in any case ("Olu" is not in "solution",
    "4521" is not in a score of 0.4521)."""
    return re.search(rf"(?<![\w.]){re.escape(detail)}(?!\w)", text, re.I) is not None


def files_text(*paths: Path) -> str:
    """Every byte of these files and their SQLite companions, as text."""
    out = []
    for path in paths:
        for p in path.parent.glob(path.name + "*"):
            out.append(p.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(out)


def test_the_table_has_at_least_60_messages_whose_details_the_documents_never_use():
    assert len(TABLE) >= 60
    corpus = "\n".join(p.read_text(errors="replace") for p in CORPUS.iterdir())
    for row in TABLE:
        assert row["details"], row
        for detail in row["details"]:
            assert detail in row["message"] or detail.lower() in row["message"].lower(), (detail, row)
            assert not found(detail, corpus), f"{detail!r} is in the documents: a useless row"


def test_no_personal_detail_of_the_table_reaches_any_records_file(corpus_pipeline, tmp_path):
    records = Records(tmp_path / "records" / "records.db", retention_days=30)
    reviewed = tmp_path / "reviewed_questions.jsonl"
    conversations: dict[str, list[str]] = {}
    for i, row in enumerate(TABLE):
        session = f"conversation-{i // 4}"  # a few messages per conversation: follow-ups too
        history = conversations.setdefault(session, [])
        message = row["message"]
        answer = corpus_pipeline.ask(message, list(history))
        history.append(message)
        assert answer.kind in RECORDED_KINDS, (message, answer.kind)
        turn_id = records.record_turn(session, answer)
        records.set_feedback(turn_id, session, 0, comment=message)
        records.set_review(turn_id, "wrong", note=message)
        turn = records.turn(turn_id)
        entry = evalset.make_entry(turn, records.earlier_questions(turn), "not_found", [], turn.note)
        evalset.append_entry(reviewed, entry)
    records.close()
    kept = files_text(records.path, reviewed)
    assert "[name]" in kept and "[date]" in kept  # the files were read, and redacted
    leaks = [(row["message"], d) for row in TABLE for d in row["details"] if found(d, kept)]
    assert leaks == []


@pytest.mark.parametrize("message", [
    "my name is Jane Doe, born 12/03/1961. what is scleroderma?",
    "I'm Jane Doe born 12/03/1961, what is scleroderma?",
    "Hi I live at 12 Oak Street, SW1A 1AA. what is scleroderma?",
    "what is scleroderma? Thanks, Jane",
])
def test_a_question_with_personal_details_is_answered_as_the_question_alone(corpus_pipeline, message):
    alone = corpus_pipeline.ask("what is scleroderma?")
    answer = corpus_pipeline.ask(message)
    assert answer.kind == "answered", answer.answer
    assert answer.answer == alone.answer
    for detail in ("Jane", "Doe", "1961", "Oak", "SW1A"):
        assert detail not in answer.answer and detail not in answer.query


@pytest.mark.parametrize("earlier, follow_up, topic, details", [
    ("I live at 12 Oak Street Springfield. What is HSCT?", "how does it work?", "HSCT", ("Oak", "Springfield")),
    ("I'm Maria Garcia. what is nintedanib?", "what are its side effects?", "nintedanib", ("Maria", "Garcia")),
])
def test_a_follow_up_never_searches_with_an_earlier_turns_personal_details(corpus_pipeline, earlier, follow_up,
                                                                          topic, details):
    answer = corpus_pipeline.ask(follow_up, [earlier])
    assert topic in answer.query + answer.answer, "about the earlier turn's topic"
    for detail in details:
        assert detail not in answer.query and detail not in answer.answer
