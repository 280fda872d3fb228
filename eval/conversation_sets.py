"""The three question sets of ``python -m eval.conversation`` (``eval/conversations.jsonl``,
``misspelt.jsonl``, ``uncovered.jsonl``; format in ``eval/README.md``, "Conversations,
misspellings and declines"): where they live, and reading each one with its rows checked,
so a bad file fails with its line number before any model is loaded.

Left out: scoring the replies (``eval.conversation_scoring``) and asking the questions
(``eval.conversation``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from .questions import EXPECTS, QUESTION_KINDS

EVAL_DIR = Path(__file__).resolve().parent
CONVERSATIONS = EVAL_DIR / "conversations.jsonl"
MISSPELT = EVAL_DIR / "misspelt.jsonl"
UNCOVERED = EVAL_DIR / "uncovered.jsonl"
SETS = ("conversations", "misspelt", "uncovered")
TURN_EXPECTS = EXPECTS + ("simpler",)  # "simpler": restate the previous answer simply


class SetFileError(ValueError):
    pass


# --- the files ----------------------------------------------------------------------------------

def read_rows(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file; a bad line or a repeated id raises with its
    line number."""
    rows, ids = [], set()
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise SetFileError(f"{path}:{lineno}: not JSON: {e}") from e
        if not isinstance(row, dict) or not row.get("id"):
            raise SetFileError(f"{path}:{lineno}: each line must be an object with an id")
        if row["id"] in ids:
            raise SetFileError(f"{path}:{lineno}: duplicate id {row['id']!r}")
        ids.add(row["id"])
        row["_line"] = lineno
        rows.append(row)
    return rows


def _check(path: Path, row: dict, ok: bool, what: str) -> None:
    if not ok:
        raise SetFileError(f"{path}:{row.get('_line')}: {row.get('id')}: {what}")


def _check_question(path: Path, row: dict, expects: Sequence[str]) -> None:
    _check(path, row, isinstance(row.get("question"), str) and row["question"].strip(), "no question")
    _check(path, row, row.get("expect") in expects, f"expect must be one of {', '.join(expects)}")
    _check(path, row, row.get("kind", "other") in QUESTION_KINDS, f"unknown kind {row.get('kind')!r}")
    for key in ("evidence", "leak"):
        _check(path, row, isinstance(row.get(key, []), list), f"{key} must be a list of phrases")
    if row["expect"] == "answered":
        _check(path, row, bool(row.get("evidence")), "an answered question needs evidence phrases")


def load_conversations(path: Path = CONVERSATIONS) -> list[dict]:
    """Conversations: {"id", "turns": [{"question", "expect", "kind", "evidence", "leak"}]}."""
    rows = read_rows(path)
    for row in rows:
        turns = row.get("turns")
        _check(path, row, isinstance(turns, list) and turns, "no turns")
        for turn in turns:
            _check_question(path, {**turn, "id": row["id"], "_line": row["_line"]}, TURN_EXPECTS)
        _check(path, row, turns[0]["expect"] != "simpler", "a conversation cannot open with 'simpler'")
    return rows


def load_misspelt(path: Path = MISSPELT) -> list[dict]:
    """Misspelt questions: {"id", "question", "twin", "expect", "kind", "evidence"}."""
    rows = read_rows(path)
    for row in rows:
        _check_question(path, row, EXPECTS)
        _check(path, row, isinstance(row.get("twin"), str) and row["twin"].strip(), "no twin")
        _check(path, row, row["twin"] != row["question"], "the twin is spelt the same")
    return rows


def load_uncovered(path: Path = UNCOVERED) -> list[dict]:
    """Questions the documents don't cover: {"id", "question", "expect", "focus", "category"}."""
    rows = read_rows(path)
    for row in rows:
        _check_question(path, row, ("not_found",))
        _check(path, row, isinstance(row.get("focus"), str) and row["focus"].strip(), "no focus")
    return rows
