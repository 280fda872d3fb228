"""What the app records, in one SQLite file: answered questions, feedback, educator reviews.

One seam: ``Records`` is the only code that touches the database. Each call opens its own
connection and runs one short transaction, several sessions and processes writing at once
(``rag.records.connection``: WAL mode, ``BUSY_TIMEOUT_MS``).

Approved answers (``rag.records.approved``) are kept here too, every version with the educator's
name and the time (``rag.records.approved_store``, which ``Records`` is).

What is kept, and no more: a random conversation id (made per browser session, linked to
no person), the question with e-mail addresses, dates, street addresses, phone-like numbers
and stated names ("my name is ...", "I'm Jane Doe") blanked out (``rag.safety.redact``), the answer
with its passages and scores (the shape ``Answer.to_json`` gives, read back typed by
``Turn.recorded_answer``), its text, search query and notices blanked the same way (with
the names the question stated, which a decline may quote), the thumbs up/down with an
optional comment, and an educator's verdict with a note (the comment and the note blanked
the same way: a patient signs a comment, an educator may copy a detail into a note). Never IP addresses, names of
accounts, browser details or cookies. Everything older than the retention period is
deleted by ``purge`` (feedback and reviews go with their question).

Left out on purpose: analytics, per-patient history across conversations, and a server
database (SQLite is enough for one clinic's traffic; the seam is here if that changes).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rag.safety.redact import redact, stated_names
from rag.records.approved_store import ApprovedStore
from rag.schema import Answer

PURGE_EVERY_SECONDS = 3600.0  # retention is in days: checking hourly is plenty
MAX_COMMENT_CHARS = 2000
MAX_NOTE_CHARS = 4000

RECORDED_KINDS = ("answered", "not_found", "urgent")  # "invalid" messages are not kept

# --- rows as plain data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One recorded answer and what patients and educators said about it."""

    id: int
    session_id: str
    created_at: float
    question: str
    kind: str
    answer: str
    confidence: float
    notices: tuple[str, ...]
    detail: dict = field(repr=False)
    rating: int | None = None
    comment: str = ""
    verdict: str | None = None
    note: str = ""
    reviewed_at: float | None = None
    eval_id: str | None = None
    reasons: tuple[str, ...] = ()  # why the review queue put it where it is

    @cached_property
    def recorded_answer(self) -> Answer:
        """The answer as recorded, typed (``Answer.from_json``; rows an older version kept
        read too, with what they hold)."""
        return Answer.from_json({
            **self.detail, "question": self.question, "kind": self.kind, "answer": self.answer,
            "confidence": self.confidence, "llm": {"error": self.detail.get("llm_error")},
        })


class RecordError(ValueError):
    """A request the records refuse (unknown answer, a rating from another conversation)."""


def review_reasons(kind: str, confidence: float, rating: int | None, notices: tuple[str, ...],
                   weak_below: float) -> tuple[str, ...]:
    """Why an answer needs an educator's eyes, most pressing first."""
    reasons = []
    if rating == 0:
        reasons.append("thumbs down")
    if kind == "urgent":
        reasons.append("urgent")
    if kind == "not_found":
        reasons.append("not found")
    if kind == "answered" and confidence < weak_below:
        reasons.append("weak evidence")
    if "personal_advice" in notices:
        reasons.append("personal advice")
    return tuple(reasons)


class Records(ApprovedStore):
    """The app's SQLite database of questions, answers, feedback and reviews."""

    def __init__(self, path: Path, retention_days: int):
        self.retention_days = retention_days
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()
        super().__init__(path)
        self.purge_if_due()

    # --- what patients' sessions write ---------------------------------------------------------

    def record_turn(self, session_id: str, answer: Answer | dict, now: float | None = None) -> int | None:
        """Keep one answer (an ``Answer``, or the JSON ``Answer.to_json`` gave): its
        citations, retrieved passages with their texts and scores, evidence, notices;
        returns its id, or None for a kind that is not kept."""
        answer = answer if isinstance(answer, Answer) else Answer.from_json(answer)
        if answer.kind not in RECORDED_KINDS:
            return None
        kept = answer.to_json()
        names = stated_names(answer.question)  # blanked wherever the answer repeats them
        detail = {key: kept[key] for key in ("citations", "retrieved", "evidence", "approved")}
        detail.update(
            query=redact(answer.query, names), reading_grade=answer.reading_grade,
            notices=[{**n, "text": redact(n["text"], names)} for n in kept["notices"]],
            # which answerer wrote it, and why a chat model's answer was not used (if so)
            answerer=answer.answerer,
            llm_error=redact(answer.llm["error"], names) if answer.llm.get("error") else None)
        notices = " ".join(n.code for n in answer.notices)
        with self._connection() as con, self._write(con):
            cur = con.execute(
                "INSERT INTO turns (session_id, created_at, question, kind, answer, confidence,"
                " notices, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, now or time.time(), redact(answer.question, names), answer.kind,
                 redact(answer.answer, names), answer.confidence, notices,
                 json.dumps(detail, ensure_ascii=False)),
            )
            return int(cur.lastrowid)

    def set_feedback(self, turn_id: int, session_id: str, rating: int | None,
                     comment: str | None = None, now: float | None = None) -> None:
        """Thumbs up (1) or down (0) on an answer of this conversation; a later rating
        replaces an earlier one, a comment of None keeps the earlier comment, and a rating
        of None takes the feedback back."""
        if rating not in (0, 1, None):
            raise RecordError(f"a rating is 0 (thumbs down) or 1 (thumbs up), not {rating!r}")
        with self._connection() as con, self._write(con):
            owner = con.execute("SELECT session_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
            if owner is None or owner["session_id"] != session_id:
                raise RecordError("no such answer in this conversation")
            if rating is None:
                con.execute("DELETE FROM feedback WHERE turn_id = ?", (turn_id,))
                return
            con.execute(
                "INSERT INTO feedback (turn_id, rating, comment, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (turn_id) DO UPDATE SET rating = excluded.rating,"
                " comment = CASE WHEN ? THEN excluded.comment ELSE feedback.comment END,"
                " updated_at = excluded.updated_at",
                (turn_id, rating, redact((comment or "")[:MAX_COMMENT_CHARS]), now or time.time(),
                 comment is not None),
            )

    # --- what educators read and write ---------------------------------------------------------

    _SELECT = (
        "SELECT t.*, f.rating, f.comment, r.verdict, r.note, r.reviewed_at, r.eval_id"
        " FROM turns t LEFT JOIN feedback f ON f.turn_id = t.id"
        " LEFT JOIN reviews r ON r.turn_id = t.id"
    )

    def review_queue(self, weak_below: float, status: str = "open", limit: int = 50,
                     offset: int = 0) -> list[Turn]:
        """Recorded answers, the ones needing attention first: thumbs down, urgent
        escalations, not found, weak evidence (confidence below ``weak_below``), personal
        advice, then the rest; newest first within each. ``status`` is ``open`` (not yet
        reviewed), ``reviewed`` or ``all``."""
        where = {"open": "WHERE r.turn_id IS NULL", "reviewed": "WHERE r.turn_id IS NOT NULL",
                 "all": ""}.get(status)
        if where is None:
            raise RecordError(f"status is open, reviewed or all, not {status!r}")
        order = (
            " ORDER BY CASE"
            " WHEN f.rating = 0 THEN 0"
            " WHEN t.kind = 'urgent' THEN 1"
            " WHEN t.kind = 'not_found' THEN 2"
            " WHEN t.kind = 'answered' AND t.confidence < :weak THEN 3"
            " WHEN ' ' || t.notices || ' ' LIKE '% personal_advice %' THEN 4"
            " ELSE 5 END, t.id DESC LIMIT :limit OFFSET :offset"
        )
        with self._connection() as con:
            rows = con.execute(f"{self._SELECT} {where} {order}",
                               {"weak": weak_below, "limit": limit, "offset": offset}).fetchall()
        return [self._turn(row, weak_below) for row in rows]

    def counts(self, weak_below: float) -> dict[str, int]:
        """How many recorded answers there are, how many await review, and why."""
        with self._connection() as con:
            row = con.execute(
                "SELECT COUNT(*) AS total,"
                " SUM(r.turn_id IS NULL) AS open,"
                " SUM(f.rating = 0) AS thumbs_down,"
                " SUM(t.kind = 'urgent') AS urgent,"
                " SUM(t.kind = 'not_found') AS not_found,"
                " SUM(t.kind = 'answered' AND t.confidence < ?) AS weak"
                " FROM turns t LEFT JOIN feedback f ON f.turn_id = t.id"
                " LEFT JOIN reviews r ON r.turn_id = t.id", (weak_below,)).fetchone()
        return {k: int(row[k] or 0) for k in row.keys()}

    def turn(self, turn_id: int, weak_below: float = 0.0) -> Turn | None:
        with self._connection() as con:
            row = con.execute(f"{self._SELECT} WHERE t.id = ?", (turn_id,)).fetchone()
        return self._turn(row, weak_below) if row else None

    def earlier_questions(self, turn: Turn) -> list[str]:
        """The questions asked before this one in the same conversation, oldest first
        (what a follow-up such as "and is it safe?" refers to)."""
        with self._connection() as con:
            rows = con.execute("SELECT question FROM turns WHERE session_id = ? AND id < ?"
                               " ORDER BY id", (turn.session_id, turn.id)).fetchall()
        return [r["question"] for r in rows]

    def set_review(self, turn_id: int, verdict: str, note: str = "",
                   now: float | None = None) -> None:
        """An educator's verdict on an answer; a second review replaces the first."""
        if verdict not in ("right", "wrong"):
            raise RecordError(f"a verdict is 'right' or 'wrong', not {verdict!r}")
        with self._connection() as con, self._write(con):
            if con.execute("SELECT 1 FROM turns WHERE id = ?", (turn_id,)).fetchone() is None:
                raise RecordError("this answer is no longer recorded (past the retention period?)")
            con.execute(
                "INSERT INTO reviews (turn_id, verdict, note, reviewed_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (turn_id) DO UPDATE SET verdict = excluded.verdict,"
                " note = excluded.note, reviewed_at = excluded.reviewed_at",
                (turn_id, verdict, redact(note[:MAX_NOTE_CHARS]), now or time.time()),
            )

    def set_eval_id(self, turn_id: int, eval_id: str) -> None:
        """Remember that a reviewed answer became evaluation question ``eval_id``."""
        with self._connection() as con, self._write(con):
            cur = con.execute("UPDATE reviews SET eval_id = ? WHERE turn_id = ?", (eval_id, turn_id))
            if cur.rowcount == 0:
                raise RecordError("review the answer before adding it to the evaluation set")

    # --- retention -----------------------------------------------------------------------------

    def purge(self, now: float | None = None) -> int:
        """Delete answers (with their feedback and reviews) older than the retention
        period; returns how many answers went."""
        cutoff = (now or time.time()) - self.retention_days * 86400
        with self._connection() as con, self._write(con):
            deleted = con.execute("DELETE FROM turns WHERE created_at < ?", (cutoff,)).rowcount
            con.execute("INSERT INTO meta VALUES ('last_purge', ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value", (str(now or time.time()),))
        if deleted:  # copy the deletion into the file and empty the -wal, where the rows still are
            with self._connection() as con:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return deleted

    def purge_if_due(self, now: float | None = None) -> int:
        """``purge``, at most once an hour per process (called on every page run)."""
        now = now or time.time()
        with self._purge_lock:
            if now - self._last_purge < PURGE_EVERY_SECONDS:
                return 0
            self._last_purge = now
        return self.purge(now)

    # --- rows ----------------------------------------------------------------------------------

    @staticmethod
    def _turn(row: sqlite3.Row, weak_below: float) -> Turn:
        notices = tuple(row["notices"].split())
        return Turn(
            id=row["id"], session_id=row["session_id"], created_at=row["created_at"],
            question=row["question"], kind=row["kind"], answer=row["answer"],
            confidence=row["confidence"], notices=notices, detail=json.loads(row["detail"]),
            rating=row["rating"], comment=row["comment"] or "", verdict=row["verdict"],
            note=row["note"] or "", reviewed_at=row["reviewed_at"], eval_id=row["eval_id"],
            reasons=review_reasons(row["kind"], row["confidence"], row["rating"], notices,
                                   weak_below),
        )
