"""Read and check question files (the format is documented in ``eval/README.md``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

EXPECTS = ("answered", "not_found", "urgent", "advice")
# What a question asks for (the optional ``kind`` field): the report scores each kind.
QUESTION_KINDS = ("definition", "cause", "symptoms", "diagnosis", "treatment", "how_it_works", "benefit",
                  "risks", "procedure", "who_for", "frequency", "outlook", "research", "trial", "comparison",
                  "self_care", "other")


class QuestionFileError(ValueError):
    pass


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    expect: str
    evidence: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    history: tuple[dict, ...] = ()
    category: str = ""
    # the documents (ids) the expectation was written against; empty = not recorded
    documents: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


def load_questions(path: Path) -> list[Question]:
    """All questions in a JSON-lines file; a bad line raises with its line number."""
    out: list[Question] = []
    ids: set[str] = set()
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            qid = str(rec.get("id") or f"line-{lineno}")
            text = rec["question"]
            expect = rec.get("expect", "answered")
            if not isinstance(text, str):
                raise ValueError("'question' must be a string")
            if expect not in EXPECTS:
                raise ValueError(f"'expect' must be one of {', '.join(EXPECTS)}, not {expect!r}")
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise QuestionFileError(f"{path}:{lineno}: {e}") from e
        if qid in ids:
            raise QuestionFileError(f"{path}:{lineno}: duplicate id {qid!r}")
        ids.add(qid)
        known = {"id", "question", "expect", "evidence", "facts", "history", "category", "documents"}
        out.append(Question(
            id=qid,
            question=text,
            expect=expect,
            evidence=_phrases(rec.get("evidence")),
            facts=_phrases(rec.get("facts")),
            history=tuple(_listed(rec.get("history"))),
            category=str(rec.get("category") or expect),
            documents=tuple(str(d) for d in _listed(rec.get("documents"))),
            extra={k: v for k, v in rec.items() if k not in known},
        ))
    return out


def _listed(value) -> list:
    """A list field written as a single value by hand ("evidence": "one phrase") is a list of one."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _phrases(value) -> tuple[str, ...]:
    return tuple(str(v) for v in _listed(value) if str(v).strip())
