"""What the app records: kept in SQLite, safe under concurrent writers, purged on time,
and no more than educators need."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from rag.records.connection import BUSY_TIMEOUT_MS
from rag.records.database import RecordError, Records
from rag.schema import Answer
from rag.ui.review import passage_rows
from rag.settings import PROJECT_ROOT

DAY = 86400.0


PASSAGE = "Nintedanib slows the build-up of scar tissue."


def answer(question="What does nintedanib do?", kind="answered", confidence=0.9, notices=()):
    """An answer as ``Answer.to_json`` writes it (the shape the chat hands the records)."""
    return {
        "question": question, "kind": kind, "confidence": confidence,
        "answer": "Nintedanib slows the build-up of scar tissue. [1]" if kind == "answered" else "…",
        "citations": [{"n": 1, "chunk_id": "c1", "title": "Review", "location": "Treatments",
                       "text": PASSAGE, "highlights": [[0, 46]], "score": 0.8}],
        "retrieved": [{"rank": 1, "cited": 1, "chunk_id": "c1", "title": "Review", "location": "Treatments",
                       "text": PASSAGE, "score": 0.8, "dense": 0.7, "lexical": 0.9},
                      {"rank": 2, "cited": None, "chunk_id": "c2", "title": "Review",
                       "location": "Outlook", "text": "Outlook varies.", "score": 0.5, "dense": 0.4,
                       "lexical": 0.6}],
        "notices": [{"code": c, "text": "notice"} for c in notices],
        "evidence": {"best_cosine": 0.7},
    }


@pytest.fixture
def records(tmp_path):
    return Records(tmp_path / "records.sqlite3", retention_days=30)


def test_an_answer_is_kept_with_its_passages_and_scores(records):
    tid = records.record_turn("s1", answer())
    turn = records.turn(tid)
    assert turn.question == "What does nintedanib do?" and turn.kind == "answered"
    kept = turn.recorded_answer
    assert kept.citations[0].highlights == ((0, 46),) and kept.citations[0].chunk.text == PASSAGE
    assert kept.retrieved[0].dense == 0.7 and kept.retrieved[0].lexical == 0.9
    assert [r["cited"] for r in passage_rows(kept)] == ["[1]", ""]


def test_a_typed_answer_is_kept_as_its_json_would_be(records):
    typed = records.turn(records.record_turn("s1", Answer.from_json(answer())))
    from_json = records.turn(records.record_turn("s1", answer()))
    assert typed.detail == from_json.detail
    assert typed.recorded_answer.retrieved == from_json.recorded_answer.retrieved


# Rows kept before answers had one shape: the chat stored retrieved passages with ``n`` for
# their rank (and text, title, highlights); rows older still had no reading grade or answerer.
OLD_CHAT_DETAIL = {
    "citations": [{"n": 1, "doc_id": "review", "title": "Review", "location": "Treatments",
                   "text": PASSAGE, "score": 0.8, "chunk_id": "c1", "start": 0, "end": 46,
                   "source_start": 0, "source_end": 46, "page": None, "section": "Treatments",
                   "highlights": [[0, 46]]}],
    "retrieved": [{"n": 1, "doc_id": "review", "title": "Review", "location": "Page 3",
                   "text": "Outlook varies.", "score": 0.81, "chunk_id": "c2", "start": 0, "end": 15,
                   "source_start": 0, "source_end": 15, "page": 3, "section": "", "highlights": [],
                   "dense": 0.6, "lexical": 0.9},
                  {"n": 2, "doc_id": "review", "title": "Review", "location": "Treatments",
                   "text": PASSAGE, "score": 0.8, "chunk_id": "c1", "start": 0, "end": 46,
                   "source_start": 0, "source_end": 46, "page": None, "section": "Treatments",
                   "highlights": [], "dense": 0.7, "lexical": 0.5}],
    "evidence": {"best_cosine": 0.7}, "query": "nintedanib",
    "notices": [{"code": "personal_advice", "text": "Ask your care team."}],
}


def insert_old_row(records, detail) -> int:
    with sqlite3.connect(records.path) as con:
        cur = con.execute(
            "INSERT INTO turns (session_id, created_at, question, kind, answer, confidence, notices,"
            " detail) VALUES ('s1', ?, 'What does nintedanib do?', 'answered', ?, 0.9,"
            " 'personal_advice', ?)", (time.time(), PASSAGE + " [1]", json.dumps(detail)))
        return cur.lastrowid


def test_a_row_kept_in_the_old_chat_shape_reads_as_the_one_shape(records):
    turn = records.turn(insert_old_row(records, OLD_CHAT_DETAIL))
    a = turn.recorded_answer
    assert (a.question, a.kind, a.confidence, a.query) == ("What does nintedanib do?", "answered", 0.9, "nintedanib")
    assert a.reading_grade is None and a.answerer == "extractive"
    assert [n.code for n in a.notices] == ["personal_advice"]
    assert a.citations[0].highlights == ((0, 46),) and a.citations[0].chunk.section == "Treatments"
    rows = passage_rows(a)
    assert [(r["rank"], r["cited"], r["location"]) for r in rows] == [(1, "", "Page 3"), (2, "[1]", "Treatments")]
    assert rows[0]["passage"] == "Outlook varies." and rows[1]["dense"] == 0.7 and rows[1]["bm25"] == 0.5
    assert a.retrieved[0].chunk.page == 3


def test_a_row_kept_in_the_old_pipeline_shape_reads_with_what_it_has(records):
    detail = {"citations": [], "evidence": {}, "query": "", "notices": [],
              "retrieved": [{"rank": 1, "chunk_id": "c9", "doc_id": "review", "location": "Outlook",
                             "score": 0.4, "dense": 0.3, "lexical": 0.2}]}
    [row] = passage_rows(records.turn(insert_old_row(records, detail)).recorded_answer)
    assert row == {"rank": 1, "cited": "", "score": 0.4, "dense": 0.3, "bm25": 0.2,
                   "document": "review", "location": "Outlook", "passage": ""}


def test_invalid_messages_are_not_kept(records):
    assert records.record_turn("s1", answer(kind="invalid")) is None
    assert records.counts(0.7)["total"] == 0


def test_feedback_is_stored_and_a_later_rating_replaces_it(records):
    tid = records.record_turn("s1", answer())
    records.set_feedback(tid, "s1", 1)
    records.set_feedback(tid, "s1", 0, "It did not say if it is safe")
    records.set_feedback(tid, "s1", 0)  # re-rating without a comment keeps the comment
    turn = records.turn(tid)
    assert (turn.rating, turn.comment) == (0, "It did not say if it is safe")
    records.set_feedback(tid, "s1", None)
    assert records.turn(tid).rating is None


def test_a_conversation_cannot_rate_another_conversations_answer(records):
    tid = records.record_turn("s1", answer())
    with pytest.raises(RecordError):
        records.set_feedback(tid, "someone-else", 0, "spam")
    with pytest.raises(RecordError):
        records.set_feedback(tid, "s1", 5)
    assert records.turn(tid).rating is None


def test_the_review_queue_puts_what_needs_attention_first(records):
    fine = records.record_turn("s1", answer(confidence=0.95))
    weak = records.record_turn("s1", answer(confidence=0.55))
    missing = records.record_turn("s1", answer("How do I bake bread?", kind="not_found", confidence=0.1))
    urgent = records.record_turn("s2", answer("I have chest pain", kind="urgent", confidence=1.0))
    disliked = records.record_turn("s3", answer(confidence=0.97))
    advice = records.record_turn("s3", answer("Should I stop methotrexate?", notices=["personal_advice"]))
    records.set_feedback(disliked, "s3", 0, "wrong")
    queue = records.review_queue(weak_below=0.7)
    assert [t.id for t in queue] == [disliked, urgent, missing, weak, advice, fine]
    assert queue[0].reasons == ("thumbs down",)
    assert queue[3].reasons == ("weak evidence",)
    assert queue[-1].reasons == ()
    assert records.counts(0.7) == {"total": 6, "open": 6, "thumbs_down": 1, "urgent": 1,
                                   "not_found": 1, "weak": 1}


def test_a_review_moves_an_answer_out_of_the_open_queue(records):
    tid = records.record_turn("s1", answer(kind="not_found", confidence=0.2))
    records.set_review(tid, "right", "the documents really don't cover this")
    assert records.review_queue(0.7, status="open") == []
    [reviewed] = records.review_queue(0.7, status="reviewed")
    assert (reviewed.verdict, reviewed.note) == ("right", "the documents really don't cover this")
    records.set_eval_id(tid, "reviewed-1")
    assert records.turn(tid).eval_id == "reviewed-1"
    with pytest.raises(RecordError):
        records.set_review(tid, "maybe")


def test_earlier_questions_of_the_same_conversation_give_a_follow_up_its_context(records):
    records.record_turn("s1", answer("What does nintedanib do?"))
    records.record_turn("s2", answer("What is HSCT?"))
    follow = records.record_turn("s1", answer("and is it safe?"))
    assert records.earlier_questions(records.turn(follow)) == ["What does nintedanib do?"]


def test_answers_past_the_retention_period_are_purged_with_their_feedback(records):
    now = time.time()
    old = records.record_turn("s1", answer(), now=now - 31 * DAY)
    new = records.record_turn("s1", answer(), now=now - 29 * DAY)
    records.set_feedback(old, "s1", 0, "old comment")
    records.set_review(old, "wrong", "old note")
    assert records.purge(now) == 1
    assert records.turn(old) is None and records.turn(new) is not None
    with sqlite3.connect(records.path) as con:
        assert con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 0


def test_opening_the_records_purges_at_once(tmp_path):
    path = tmp_path / "r.sqlite3"
    Records(path, retention_days=30).record_turn("s1", answer(), now=time.time() - 40 * DAY)
    assert Records(path, retention_days=30).counts(0.7)["total"] == 0


def test_names_emails_and_numbers_are_blanked_before_storing(records):
    q = ("My name is Jane Doe, email jane.doe@example.org, phone +1 (555) 123-4567, "
         "born 12/03/1961. Is methotrexate safe at 15 mg?")
    tid = records.record_turn("s1", answer(q))
    stored = records.turn(tid).question
    for secret in ("Jane", "Doe", "jane.doe@example.org", "555", "1961"):
        assert secret not in stored
    assert "[name]" in stored and "[e-mail]" in stored and "15 mg" in stored


@pytest.mark.parametrize("detail, secrets", [
    ("I'm Jane Doe", ("Jane", "Doe")),
    ("Name: John Smith", ("John", "Smith")),
    ("born 12/03/1961", ("12/03/1961", "1961")),
    ("born 12/3/61", ("12/3/61",)),
    ("born 3 March 1961", ("March 1961", "1961")),
    ("born March 3, 1961", ("March 3", "1961")),
    ("I live at 12 Oak Street", ("Oak", "Street")),
    ("I live at 221B Baker St", ("221B", "Baker")),
    ("I live at 45 Elm Road, Springfield", ("Elm", "Springfield")),
])
def test_each_personal_detail_is_blanked_in_the_stored_question(records, detail, secrets):
    stored = records.turn(records.record_turn("s1", answer(f"{detail}. What does nintedanib do?"))).question
    assert "nintedanib" in stored
    for secret in secrets:
        assert secret not in stored


def test_a_stored_answer_row_holds_no_personal_detail_from_the_question(records):
    question = ("I'm Jane Doe born 12/03/1961, 45 Elm Road, Springfield, jane@example.org: "
                "can Jane's lungs get better?")
    decline = answer(question, kind="not_found")
    decline["answer"] = ("My documents don't cover “Jane Doe born 12/03/1961, 45 Elm Road, Springfield, "
                         "jane@example.org”, so I can't answer that without guessing about your health.")
    decline["notices"] = [{"code": "spelling", "text": f"Showing results for “{question}”"}]
    decline["query"] = "Jane Doe lungs better"
    tid = records.record_turn("s1", decline)
    with sqlite3.connect(records.path) as con:
        row = " ".join(map(str, con.execute("SELECT * FROM turns WHERE id = ?", (tid,)).fetchone()))
    for secret in ("Jane", "Doe", "1961", "Elm", "Springfield", "jane@example.org"):
        assert secret not in row
    turn = records.turn(tid)
    assert turn.answer.startswith("My documents don't cover “[name] born [date], [address], [e-mail]”")
    assert "lungs" in turn.question and "lungs" in turn.detail["query"]


def test_the_database_holds_no_ip_or_person_columns(records):
    with sqlite3.connect(records.path) as con:
        columns = {row[1] for t in ("turns", "feedback", "reviews")
                   for row in con.execute(f"PRAGMA table_info({t})")}
        journal = con.execute("PRAGMA journal_mode").fetchone()[0]
    assert not columns & {"ip", "ip_address", "name", "email", "user", "user_agent"}
    assert journal == "wal"


# A second browser tab is a second session; here each is a separate process, the harder case.
_TAB = """
import sys
from rag.records.database import Records
records = Records(sys.argv[1], retention_days=30)
session = sys.argv[2]
for tid in map(int, sys.argv[3:]):
    records.set_feedback(tid, session, 0, f"comment from {session}")
"""


def test_two_tabs_giving_feedback_at_the_same_moment_lose_nothing(tmp_path):
    path = tmp_path / "records.sqlite3"
    records = Records(path, retention_days=30)
    tab_a = [records.record_turn("tab-a", answer()) for _ in range(150)]
    tab_b = [records.record_turn("tab-b", answer()) for _ in range(150)]
    writers = [subprocess.Popen([sys.executable, "-c", _TAB, str(path), session, *map(str, ids)],
                                cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
               for session, ids in (("tab-a", tab_a), ("tab-b", tab_b))]
    # A third writer in this process, at the same time: new answers keep being recorded.
    more = [records.record_turn("tab-c", answer()) for _ in range(100)]
    for w in writers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err.decode()
    assert all(records.turn(t).comment == "comment from tab-a" for t in tab_a)
    assert all(records.turn(t).comment == "comment from tab-b" for t in tab_b)
    assert len(set(more)) == 100
    assert records.counts(0.7)["thumbs_down"] == 300


def test_a_database_locked_by_someone_else_fails_after_a_short_wait_not_a_long_one(records):
    """The patient's answer waits for the records at most the busy timeout: a second or
    two, then the failure the pages turn into a calm note (``GuardedRecords``)."""
    assert 500 <= BUSY_TIMEOUT_MS <= 2000
    with records._connection() as con:
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    other = sqlite3.connect(records.path, isolation_level=None)  # another process, say
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            records.record_turn("s1", answer())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert records.record_turn("s1", answer()) is not None, "and works again once let go"


def test_a_purged_question_is_gone_from_the_database_files(records):
    now = time.time()
    secret = "Does quixotic-zebrafinch-7 help my fingers?"
    records.record_turn("s1", answer(secret), now=now - 31 * DAY)
    records.record_turn("s1", answer(), now=now - 29 * DAY)
    assert records.purge(now) == 1
    files = [p for p in records.path.parent.iterdir() if p.name.startswith(records.path.name)]
    assert records.path in files
    for f in files:  # the database, its -wal and -shm
        assert b"zebrafinch" not in f.read_bytes(), f.name


def test_the_sentences_an_answer_quoted_are_offered_as_evidence_for_the_evaluation_set(records):
    from rag.ui.evalset import used_sentences

    assert used_sentences(records.turn(records.record_turn("s1", answer()))) == [PASSAGE]
    assert used_sentences(records.turn(insert_old_row(records, OLD_CHAT_DETAIL))) == [PASSAGE]
