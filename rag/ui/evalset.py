"""Turn a reviewed answer into a question of the evaluation set.

An entry has the fields of ``eval/questions.jsonl`` (``id``, ``question``, ``expect``,
``evidence``, ``history``, ``category``) and is appended to the reviewed-questions file
(``settings.reviewed_questions_path``) under a file lock, so two educators adding at once
lose nothing. Only the question's text and the earlier questions of its conversation are
copied (recorded redacted, and redacted again here with the note, ``rag.safety.redact``); never
the conversation id. The evidence phrases are kept as given: they are the documents' own
words, matched against what an answer cites. No Streamlit here.

Left out: editing or deleting entries (the file is plain JSON lines, reviewed in git).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from pathlib import Path

from rag.records.database import Turn
from rag.safety.redact import redact

EXPECTS = ("answered", "not_found", "urgent", "advice")


def expected_outcome(turn: Turn) -> str:
    """What the answer did, in the evaluation set's words (the educator may change it)."""
    if turn.kind in ("urgent", "not_found"):
        return turn.kind
    return "advice" if "personal_advice" in turn.notices else "answered"


def used_sentences(turn: Turn) -> list[str]:
    """The passage sentences the answer quoted: a good first list of evidence phrases."""
    out: list[str] = []
    for c in turn.recorded_answer.citations:
        for a, b in c.highlights:
            sentence = " ".join(c.chunk.text[a:b].split())
            if sentence and sentence not in out:
                out.append(sentence)
    return out


def make_entry(turn: Turn, earlier: list[str], expect: str, evidence: list[str],
               note: str = "", documents: list[str] = ()) -> dict:
    if expect not in EXPECTS:
        raise ValueError(f"expect is one of {', '.join(EXPECTS)}, not {expect!r}")
    digest = hashlib.sha1(turn.question.encode("utf-8")).hexdigest()[:8]
    entry = {
        "id": f"reviewed-{turn.id}-{digest}",
        "question": redact(turn.question),
        "expect": expect,
        "evidence": [e.strip() for e in evidence if e.strip()] if expect in ("answered", "advice") else [],
        "history": [{"role": "user", "content": redact(q)} for q in earlier],
        "category": "reviewed",
    }
    if note.strip():
        entry["note"] = redact(note.strip())
    if documents:  # what the expectation was written against (a later upload may answer it)
        entry["documents"] = sorted(documents)
    return entry


def append_entry(path: Path, entry: dict) -> str:
    """Add ``entry`` to the JSON-lines file unless its id is already there; returns the id."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.seek(0)
            ids = {json.loads(line).get("id") for line in f if line.strip()}
            if entry["id"] not in ids:
                f.seek(0, 2)
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
                f.flush()
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    return entry["id"]
