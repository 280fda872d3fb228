"""Approved answers in the records database: every version, with the educator's name and the time.

They are not conversations, so the retention period does not touch them. How often each was
served, and its thumbs, are read from the recorded answers that served it.

Left out: the approved answers' data and decisions (matching a question, staleness:
``rag.records.approved``); conversations, feedback and reviews (``rag.records.database``).
"""

from __future__ import annotations

import json
import sqlite3

from rag.records.approved import Approved, ApprovalError, Version
from rag.records.connection import Database


class ApprovedStore(Database):
    """The records' approved answers (``rag.records.approved``): kept, listed, marked stale, removed."""

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
