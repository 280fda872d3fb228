"""What the app records, in one SQLite file: answered questions, feedback, educator reviews.

One seam: ``Records`` is the only code that touches the database. Each call opens its own
connection and runs one short transaction, so several Streamlit sessions (threads) and
several server processes can write at once: the database is in WAL mode (readers never
block the writer), writers take the lock up front (``BEGIN IMMEDIATE``) and wait for it
(``busy_timeout``) instead of failing. The wait is short (``BUSY_TIMEOUT_MS``, 1.5 s): a
write takes milliseconds, so a lock held longer means something else holds the file (a
backup, a stuck process), and the patient should not wait for it; the call then fails with
``sqlite3.OperationalError`` ("database is locked"), which the pages show as a calm note
(``rag.ui.state.GuardedRecords``) while the answer is still given.

Approved answers (``rag.records.approved``) are kept here too, every version with the educator's
name and the time; they are not conversations, so the retention period does not touch them.
How often each was served, and its thumbs, are read from the recorded answers that served it.

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
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator

from rag.safety.redact import redact, stated_names
from rag.records.approved import Approved, ApprovalError, Version
from rag.schema import Answer

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 1_500  # how long a call waits for a lock someone else holds
PURGE_EVERY_SECONDS = 3600.0  # retention is in days: checking hourly is plenty
MAX_COMMENT_CHARS = 2000
MAX_NOTE_CHARS = 4000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL,
    created_at  REAL NOT NULL,
    question    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    answer      TEXT NOT NULL,
    confidence  REAL NOT NULL,
    notices     TEXT NOT NULL,      -- space-separated notice codes
    detail      TEXT NOT NULL       -- JSON: citations, retrieved passages and scores, evidence
);
CREATE INDEX IF NOT EXISTS turns_created ON turns (created_at);
CREATE INDEX IF NOT EXISTS turns_session ON turns (session_id, id);
CREATE TABLE IF NOT EXISTS feedback (
    turn_id     INTEGER PRIMARY KEY REFERENCES turns (id) ON DELETE CASCADE,
    rating      INTEGER NOT NULL CHECK (rating IN (0, 1)),   -- 0 thumbs down, 1 up
    comment     TEXT NOT NULL DEFAULT '',
    updated_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    turn_id     INTEGER PRIMARY KEY REFERENCES turns (id) ON DELETE CASCADE,
    verdict     TEXT NOT NULL CHECK (verdict IN ('right', 'wrong')),
    note        TEXT NOT NULL DEFAULT '',
    reviewed_at REAL NOT NULL,
    eval_id     TEXT                -- id of the evaluation question made from this turn
);
CREATE TABLE IF NOT EXISTS approved (
    id          INTEGER PRIMARY KEY,
    created_at  REAL NOT NULL,
    stale       TEXT NOT NULL DEFAULT ''   -- why it is not served, until approved again
);
CREATE TABLE IF NOT EXISTS approved_versions (
    approved_id INTEGER NOT NULL REFERENCES approved (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    question    TEXT NOT NULL,
    body        TEXT NOT NULL,      -- JSON: sentences and the passages they cite
    educator    TEXT NOT NULL,
    approved_at REAL NOT NULL,
    PRIMARY KEY (approved_id, version)
);
"""

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


class Records:
    """The app's SQLite database of questions, answers, feedback and reviews."""

    def __init__(self, path: Path, retention_days: int):
        self.path = Path(path)
        self.retention_days = retention_days
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Held open, unused, for the object's life: closing the last connection to a WAL
        # database checkpoints and deletes the WAL, which made every short write cost a
        # full checkpoint (8 ms and growing, against 0.3 ms).
        self._keeper = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                       check_same_thread=False)
        with self._connection() as con:
            con.execute("PRAGMA journal_mode=WAL")  # persistent: set once for the file
            with self._write(con):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        self._keeper.execute("SELECT 1 FROM meta").fetchall()  # attaches it to the WAL
        self.purge_if_due()

    def close(self) -> None:
        self._keeper.close()

    # --- connections -------------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA foreign_keys=ON")
            # In WAL mode NORMAL never corrupts the file and loses no commit when the app
            # crashes; only a power cut can drop the last few commits (no fsync each time).
            con.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten, not left in free pages of the file (see purge).
            con.execute("PRAGMA secure_delete=ON")
            con.row_factory = sqlite3.Row
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self, con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """One short write transaction; the write lock is taken at BEGIN, so two writers
        queue up (busy_timeout) instead of one failing at COMMIT."""
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")

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

    # --- approved answers (rag.records.approved) -----------------------------------------------------

    def approve(self, version: Version, approved_id: int | None = None) -> int:
        """Keep a new approved answer (``approved_id`` None) or a new version of one; a new
        version is served again even if the earlier one was stale. Returns its id."""
        with self._connection() as con, self._write(con):
            if approved_id is None:
                approved_id = int(con.execute("INSERT INTO approved (created_at) VALUES (?)",
                                              (version.approved_at,)).lastrowid)
            elif con.execute("UPDATE approved SET stale = '' WHERE id = ?", (approved_id,)).rowcount == 0:
                raise ApprovalError(f"no approved answer {approved_id}")
            number = con.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM approved_versions"
                                 " WHERE approved_id = ?", (approved_id,)).fetchone()[0]
            con.execute("INSERT INTO approved_versions VALUES (?, ?, ?, ?, ?, ?)",
                        (approved_id, number, version.question, json.dumps(version.body_json(), ensure_ascii=False),
                         version.educator, version.approved_at))
            return approved_id

    def approved_answers(self, include_stale: bool = True, with_history: bool = False,
                         with_counts: bool = True) -> list[Approved]:
        """Every approved answer at its latest version, newest first, with how often it was
        served and the thumbs those answers got (``with_counts``: reading them scans the
        recorded answers, which matching a question, on every question, does without)."""
        counts = (
            "(SELECT COUNT(*) FROM turns t"
            "  WHERE json_extract(t.detail, '$.approved.id') = a.id) AS served,"
            " (SELECT COUNT(*) FROM turns t JOIN feedback f ON f.turn_id = t.id"
            "  WHERE json_extract(t.detail, '$.approved.id') = a.id AND f.rating = 1) AS up,"
            " (SELECT COUNT(*) FROM turns t JOIN feedback f ON f.turn_id = t.id"
            "  WHERE json_extract(t.detail, '$.approved.id') = a.id AND f.rating = 0) AS down"
        ) if with_counts else "0 AS served, 0 AS up, 0 AS down"
        with self._connection() as con:
            rows = con.execute(
                f"SELECT a.id, a.stale, v.*, {counts}"
                " FROM approved a JOIN approved_versions v ON v.approved_id = a.id"
                " AND v.version = (SELECT MAX(version) FROM approved_versions WHERE approved_id = a.id)"
                + ("" if include_stale else " WHERE a.stale = ''") + " ORDER BY v.approved_at DESC, a.id DESC"
            ).fetchall()
            history = {}
            if with_history:
                for v in con.execute("SELECT * FROM approved_versions ORDER BY approved_id, version"):
                    history.setdefault(v["approved_id"], []).append(self._version(v))
        return [Approved(id=r["id"], latest=self._version(r), stale=r["stale"], served=r["served"],
                         thumbs_up=r["up"], thumbs_down=r["down"], history=tuple(history.get(r["id"], ())))
                for r in rows]

    def approved_answer(self, approved_id: int) -> Approved | None:
        return next((a for a in self.approved_answers(with_history=True) if a.id == approved_id), None)

    def mark_stale(self, approved_id: int, reason: str) -> None:
        """Stop serving an approved answer until an educator approves it again."""
        with self._connection() as con, self._write(con):
            con.execute("UPDATE approved SET stale = ? WHERE id = ?", (reason or "stale", approved_id))

    def remove_approved(self, approved_id: int) -> bool:
        """Delete an approved answer with all its versions; False when there was none."""
        with self._connection() as con, self._write(con):
            return con.execute("DELETE FROM approved WHERE id = ?", (approved_id,)).rowcount > 0

    @staticmethod
    def _version(row: sqlite3.Row) -> Version:
        return Version.from_json({**json.loads(row["body"]), "version": row["version"], "question": row["question"],
                                  "educator": row["educator"], "approved_at": row["approved_at"]})

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
