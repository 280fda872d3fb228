"""The records' SQLite file: its tables, and one connection and one short transaction per call.

Each call opens its own connection and runs one short transaction, so several Streamlit
sessions (threads) and several server processes can write at once: the database is in WAL
mode (readers never block the writer), writers take the lock up front (``BEGIN IMMEDIATE``)
and wait for it (``busy_timeout``) instead of failing. The wait is short
(``BUSY_TIMEOUT_MS``, 1.5 s): a write takes milliseconds, so a lock held longer means
something else holds the file (a backup, a stuck process), and the patient should not wait
for it; the call then fails with ``sqlite3.OperationalError`` ("database is locked"), which
the pages show as a calm note (``rag.ui.state.GuardedRecords``) while the answer is still
given.

Left out: what is written and read (``rag.records.database``, ``rag.records.approved_store``)
and a server database (SQLite is enough for one clinic's traffic).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_MS = 1_500  # how long a call waits for a lock someone else holds

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


class Database:
    """The SQLite file the records live in: its tables, its connections, its write transactions."""

    def __init__(self, path: Path):
        self.path = Path(path)
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
            # Deleted rows are overwritten, not left in free pages of the file (see Records.purge).
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
