"""Approved answers: what an educator wrote or chose for a question, served again to the
questions that ask the same thing.

An approved answer is a question and its answer sentences, each citing an indexed passage
(the educator's own words, or sentences chosen from the documents). Every approval is a new
version; the earlier ones are kept with who approved them and when. The records database
keeps them (``rag.records.approved_store``); this module holds the plain data and the pure decisions:

- ``find``: the approved answer a new question asks for, the closest of those whose question
  it asks too (``best_matches``; whether two questions ask the same thing is
  ``rag.records.approved_matching``, with its fitted thresholds);
- ``stale_reason``: whether a cited passage left the index or its document changed; a stale
  answer is not served until an educator approves it again.

Left out: matching a follow-up that leans on earlier turns ("is it safe?" after a question
about rituximab): only a question that stands on its own is matched; and any rewording of
an approved answer (it is served exactly as approved).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from rag.records.approved_matching import MatchParams, differences, focus_terms, matches
from rag.schema import AnswerSentence, Chunk, Citation


@dataclass(frozen=True)
class Version:
    """One approval: the question, the cited sentences, who approved it and when."""

    version: int
    question: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    educator: str
    approved_at: float

    def body_json(self) -> dict:
        return {"sentences": [{"text": s.text, "citation": s.citation, "quote": s.quote,
                               "list_item": s.list_item} for s in self.sentences],
                "citations": [c.to_json() for c in self.citations]}

    def to_json(self) -> dict:
        return {"version": self.version, "question": self.question, "educator": self.educator,
                "approved_at": self.approved_at, **self.body_json()}

    @classmethod
    def from_json(cls, d: dict) -> "Version":
        return cls(version=int(d.get("version") or 1), question=str(d["question"]),
                   sentences=tuple(AnswerSentence(str(s["text"]), int(s["citation"]), str(s.get("quote") or ""),
                                                  bool(s.get("list_item"))) for s in d.get("sentences") or ()),
                   citations=tuple(Citation.from_json(c) for c in d.get("citations") or ()),
                   educator=str(d.get("educator") or ""), approved_at=float(d.get("approved_at") or 0.0))


@dataclass(frozen=True)
class Approved:
    """An approved answer as it stands (its latest version), with how it has fared."""

    id: int
    latest: Version
    stale: str = ""  # why it is not served ("" = it is), until approved again
    served: int = 0  # recorded answers that served it
    thumbs_up: int = 0
    thumbs_down: int = 0
    history: tuple[Version, ...] = field(default=(), repr=False)  # oldest first, with the latest

    @property
    def question(self) -> str:
        return self.latest.question

    def to_json(self) -> dict:
        """One line of an export: the answer with every version, oldest first."""
        return {"id": self.id, "question": self.question, "stale": self.stale,
                "versions": [v.to_json() for v in (self.history or (self.latest,))]}


class ApprovalError(ValueError):
    """An approved answer that cannot be kept (no question, a sentence citing nothing)."""


def new_version(question: str, sentences: Sequence[tuple[str, Chunk]], educator: str,
                now: float | None = None, version: int = 1, quoted: bool = False) -> Version:
    """A version from (sentence, the passage it cites) pairs; sentences citing one passage
    share its citation number. ``quoted``: the sentences are the documents' own."""
    question, educator = " ".join(question.split()), " ".join(educator.split())
    if not question:
        raise ApprovalError("an approved answer needs its question")
    if not educator:
        raise ApprovalError("say who approves the answer (the educator's name)")
    kept = [(" ".join(t.split()), c) for t, c in sentences if t.strip()]
    if not kept:
        raise ApprovalError("an approved answer needs at least one sentence")
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    out: list[AnswerSentence] = []
    for text, chunk in kept:
        if chunk is None or not chunk.chunk_id:
            raise ApprovalError(f"every sentence must cite an indexed passage: {text!r}")
        if chunk.chunk_id not in numbers:
            numbers[chunk.chunk_id] = len(numbers) + 1
            citations.append(Citation(n=numbers[chunk.chunk_id], chunk=chunk, score=1.0))
        out.append(AnswerSentence(text, numbers[chunk.chunk_id], quote=text if quoted else ""))
    return Version(version, question, tuple(out), tuple(citations), educator, now or time.time())


# --- an answer as educators edit it: one sentence a line, each ending with [n] -----------------

_MARK = re.compile(r"\s*\[(\d+)\]\s*$")


def offered_passages(citations: Sequence[Citation], retrieved: Sequence[Chunk]) -> list[Chunk]:
    """The passages an educator may cite, numbered from 1: the answer's own first, in its
    order, then the other retrieved passages."""
    out: dict[str, Chunk] = {}
    for c in [c.chunk for c in citations] + list(retrieved):
        if c.chunk_id and c.kind != "glossary":
            out.setdefault(c.chunk_id, c)
    return list(out.values())


def editable_text(sentences: Sequence[AnswerSentence], citations: Sequence[Citation],
                  passages: Sequence[Chunk]) -> str:
    """An answer's sentences, one a line, each with the number of its passage in
    ``passages``: what the educator starts editing from."""
    position = {c.chunk_id: i for i, c in enumerate(passages, 1)}
    chunk_of = {c.n: c.chunk.chunk_id for c in citations}
    lines = []
    for s in sentences:
        n = position.get(chunk_of.get(s.citation, ""))
        if n is not None:
            lines.append(f"{(s.quote or s.text).lstrip('- ')} [{n}]")
    return "\n".join(lines)


_CITED = re.compile(r"\s*(?:- )?(.+?)\s*\[(\d+)\]")


def sentences_from_text(answer: str) -> list[AnswerSentence]:
    """An answer's cited sentences read back from its text ("sentence [1] sentence [2]"):
    what a recorded answer keeps."""
    return [AnswerSentence(m.group(1).strip(), int(m.group(2))) for m in _CITED.finditer(answer)]


def parse_answer(text: str, passages: Sequence[Chunk]) -> list[tuple[str, Chunk]]:
    """The educator's lines as (sentence, passage cited) pairs; ``ApprovalError`` names the
    first line that cites no offered passage."""
    out = []
    for line in (x.strip() for x in text.splitlines()):
        if not line:
            continue
        m = _MARK.search(line)
        if not m or not 1 <= int(m.group(1)) <= len(passages):
            raise ApprovalError(f"end each sentence with the [number] of the passage it cites "
                                f"(1 to {len(passages)}): \u201c{line}\u201d")
        out.append((line[:m.start()].strip(), passages[int(m.group(1)) - 1]))
    if not out:
        raise ApprovalError("write at least one sentence")
    return out


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    approved: Approved
    cosine: float


def best_matches(question: str, vector: np.ndarray, kind: str, candidates: Sequence[Approved],
                 vectors: np.ndarray, kinds: Sequence[str], embed: Callable[[list[str]], np.ndarray],
                 focus: Callable[[str], Sequence[str]], params: MatchParams = MatchParams()) -> list[Match]:
    """The approved answers whose question ``question`` asks too, closest first."""
    if not len(candidates):
        return []
    cosines = vectors @ vector
    found = []
    for i in np.argsort(-cosines):
        c = float(cosines[i])
        if c < min(params.match_cosine, params.kind_cosine, params.focus_cosine):
            break
        other = candidates[i].question
        asked = focus_terms(question, focus)
        same_focus = bool(asked) and asked == focus_terms(other, focus)
        if matches(c, kinds[i] == kind, differences(question, other, embed), params, same_focus):
            found.append(Match(candidates[i], c))
    return found


# --- staleness -----------------------------------------------------------------------------------


def stale_reason(version: Version, indexed: dict[str, Chunk]) -> str:
    """Why the passages a version cites no longer stand behind it ("" when they do):
    ``indexed`` maps each cited chunk id to the passage the index holds now."""
    for c in version.citations:
        now = indexed.get(c.chunk.chunk_id)
        if now is None:
            return f"the passage it cites from \u201c{c.chunk.title}\u201d is no longer in the documents"
        if c.chunk.doc_hash and now.doc_hash != c.chunk.doc_hash:
            return f"\u201c{c.chunk.title}\u201d has changed since the answer was approved"
    return ""


_POINTS_BACK = re.compile(r"\b(it|its|this|that|they|them|these|those|he|she|one)\b", re.I)


def leans_on_history(question: str, history: Sequence[dict]) -> bool:
    """A follow-up ("is it safe?") whose subject is in the earlier turns: never matched."""
    return any(t.get("role") == "user" for t in history) and bool(_POINTS_BACK.search(question))


def find(question: str, candidates: Sequence[Approved], embed: Callable[[list[str]], np.ndarray],
         kind_of: Callable[[np.ndarray, list[str]], list[str]],
         focus: Callable[[str], Sequence[str]],
         indexed: Callable[[list[str]], dict[str, Chunk]],
         mark_stale: Callable[[int, str], None]) -> Match | None:
    """The served approved answer for ``question``: the closest matching one whose cited
    passages still stand (``indexed`` gives the index's passages for chunk ids); one found
    stale on the way is marked so (``mark_stale``) and passed over."""
    if not candidates or not question.strip():
        return None
    texts = [question] + [a.question for a in candidates]
    vecs = embed(texts)
    kinds = kind_of(vecs, texts)
    for m in best_matches(question, vecs[0], kinds[0], candidates, vecs[1:], kinds[1:], embed, focus):
        v = m.approved.latest
        reason = stale_reason(v, indexed([c.chunk.chunk_id for c in v.citations]))
        if not reason:
            return m
        mark_stale(m.approved.id, reason)
    return None


def served(m: Match) -> dict:
    """What an answer served from ``m`` says about it (``Answer.approved``)."""
    return {"id": m.approved.id, "question": m.approved.question,
            "approved_on": time.strftime("%Y-%m-%d", time.localtime(m.approved.latest.approved_at))}


def newly_stale(kept: Sequence[Approved], indexed: Callable[[list[str]], dict[str, Chunk]]) -> list[tuple[int, str]]:
    """(id, why) for each approved answer still served whose passages no longer stand (what
    the Approved answers page marks before listing them, so it never shows a stale one as
    served)."""
    ids = sorted({c.chunk.chunk_id for a in kept if not a.stale for c in a.latest.citations})
    now = indexed(ids) if ids else {}
    return [(a.id, why) for a in kept if not a.stale and (why := stale_reason(a.latest, now))]


def approved_on(at: float) -> str:
    """The date shown with a served answer: "4 December 2026"."""
    return re.sub(r"^0", "", time.strftime("%d %B %Y", time.localtime(at)))
