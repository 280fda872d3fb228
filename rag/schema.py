"""Typed hand-offs between pipeline stages, each carrying its provenance.

A ``Document`` is what a loader produced; a ``Chunk`` is a passage of it that knows its
document, title, location (section or page) and character offsets; a ``Passage`` is a chunk
with retrieval scores; an ``Answer`` holds cited sentences and ``Citation``s that point back
to passages. Everything is plain data: no I/O, no clients.

``Answer.to_json`` is the one shape an answer is kept in (the chat's session, the records'
SQLite rows, the evaluation's run files) and ``Answer.from_json`` reads it back, typed. A
retrieved passage has one shape too (``Passage.to_json``): its rank, its citation number
when the answer cites it, the chunk's document, title, location (section or page), text
and offsets, and the fused, dense and lexical scores. ``from_json`` also reads the shapes
kept before there was one (no ``text`` or ``title`` in a passage; ``n`` for its rank):
what an old record lacks comes back empty.

Offsets: ``start``/``end`` index ``Document.text`` (the loader's cleaned text: hard line
wraps joined, split words mended). ``source_start``/``source_end`` index the file as it was
read, so a reader can find the passage in the original.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # numpy only names a type here
    import numpy as np

AnswerKind = Literal["answered", "not_found", "urgent", "invalid"]


@dataclass(frozen=True)
class Span:
    """A labelled region of a document: a section under a heading, or a PDF page."""

    label: str
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str
    source: str
    content_hash: str
    spans: tuple[Span, ...] = ()
    # source_offsets[i] is the index in the original text of text[i]; len == len(text) + 1.
    source_offsets: tuple[int, ...] | None = None
    metadata: dict = field(default_factory=dict)

    def source_offset(self, i: int) -> int:
        if self.source_offsets is None:
            return i
        return self.source_offsets[min(i, len(self.source_offsets) - 1)]


# The kind of a reference document (``kind: glossary`` in its front matter): its passages
# explain words in answers (rag/plain/glossary.py) and are never searched or offered as topics.
REFERENCE_KIND = "glossary"


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    location: str
    text: str
    start: int
    end: int
    source_start: int
    source_end: int
    ordinal: int
    page: int | None = None
    section: str = ""
    doc_hash: str = ""
    kind: str = ""  # the document's kind, e.g. REFERENCE_KIND


def chunk_json(c: Chunk) -> dict:
    """A chunk's fields as JSON, the part a citation and a retrieved passage share."""
    return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "title": c.title, "location": c.location,
            "section": c.section, "page": c.page, "text": c.text, "start": c.start, "end": c.end,
            "source_start": c.source_start, "source_end": c.source_end, "ordinal": c.ordinal,
            "doc_hash": c.doc_hash, "kind": c.kind}


def chunk_from_json(d: dict) -> Chunk:
    """The chunk ``chunk_json`` wrote; a field an older record lacks comes back empty."""
    def whole(key: str) -> int:
        return int(d.get(key) or 0)

    page = d.get("page")
    return Chunk(chunk_id=str(d.get("chunk_id") or ""), doc_id=str(d.get("doc_id") or ""),
                 title=str(d.get("title") or ""), location=str(d.get("location") or ""),
                 text=str(d.get("text") or ""), start=whole("start"), end=whole("end"),
                 source_start=whole("source_start"), source_end=whole("source_end"),
                 ordinal=whole("ordinal"), page=int(page) if page is not None else None,
                 section=str(d.get("section") or ""), doc_hash=str(d.get("doc_hash") or ""),
                 kind=str(d.get("kind") or ""))


class PassageIndex(Protocol):
    """What search reads from the index (``rag.indexing.store.ChunkStore`` is one): the
    hand-off between indexing and search, so neither imports the other."""

    def count(self) -> int: ...

    def query(self, vector: "np.ndarray", k: int, exclude_kind: str | None = None,
              total: int | None = None) -> list[tuple[Chunk, float]]: ...

    def nearest(self, vector: "np.ndarray", n: int, exclude_kind: str | None = None) -> list[tuple[str, float]]: ...

    def get(self, ids: list[str], with_vectors: bool = False) -> tuple[list[Chunk], "np.ndarray | None"]: ...


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk and why it was ranked where it is."""

    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0

    def to_json(self, rank: int, cited: int | None = None) -> dict:
        """The one shape of a retrieved passage: its rank (from 1), the ``n`` of the
        citation that cites it (None when the answer does not), the chunk, its scores."""
        return {"rank": rank, "cited": cited, **chunk_json(self.chunk),
                "score": round(self.score, 4), "dense": round(self.dense, 4),
                "lexical": round(self.lexical, 4)}

    @classmethod
    def from_json(cls, d: dict) -> Passage:
        """A passage from ``to_json``, or from a record kept before: the pipeline's
        (rank, chunk_id, doc_id, location, scores) or the chat's (``n`` for the rank, with
        title and text). Rank and citation number are positions, worked out again by the
        reader from the list and the answer's citations."""
        return cls(chunk=chunk_from_json(d), score=float(d.get("score") or 0.0),
                   dense=float(d.get("dense") or 0.0), lexical=float(d.get("lexical") or 0.0))


@dataclass(frozen=True)
class Citation:
    n: int
    chunk: Chunk
    score: float
    # (start, end) offsets, relative to chunk.text, of the sentences the answer used.
    highlights: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict:
        return {"n": self.n, **chunk_json(self.chunk), "score": round(self.score, 4),
                "highlights": [list(h) for h in self.highlights]}

    @classmethod
    def from_json(cls, d: dict) -> Citation:
        return cls(n=int(d["n"]), chunk=chunk_from_json(d), score=float(d.get("score") or 0.0),
                   highlights=tuple((int(a), int(b)) for a, b in d.get("highlights") or ()))


@dataclass(frozen=True)
class Notice:
    """A safety notice shown with an answer (personal advice, urgent care, ...)."""

    code: str
    text: str


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citation: int  # the n of the Citation it came from
    quote: str = ""  # the sentence exactly as the document has it, when ``text`` was reworded
    list_item: bool = False  # one item of a list answer: shown as a bullet


@dataclass
class Answer:
    question: str
    kind: AnswerKind
    answer: str
    citations: list[Citation] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    disclaimer: str = ""
    confidence: float = 0.0
    query: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, float] = field(default_factory=dict)
    retrieved: list[Passage] = field(default_factory=list)  # ranked passages the answer chose from
    reading_grade: float | None = None  # Flesch-Kincaid grade of the answer text
    answerer: str = "extractive"  # what wrote the sentences: "extractive" or "llm:<answerer>"
    llm: dict = field(default_factory=dict)  # a chat model's try: model, error, dropped sentences
    understanding: dict = field(default_factory=dict)  # the question's kind, yes/no, what isn't covered
    approved: dict | None = None  # served from an educator's approved answer: id, question, approved_on

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "kind": self.kind,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "notices": [asdict(n) for n in self.notices],
            "sentences": [asdict(s) for s in self.sentences],
            "disclaimer": self.disclaimer,
            "confidence": round(self.confidence, 4),
            "reading_grade": self.reading_grade,
            "answerer": self.answerer,
            "llm": self.llm,
            "understanding": self.understanding,
            "approved": self.approved,
            "query": self.query,
            "evidence": {k: round(v, 4) for k, v in self.evidence.items()},
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "retrieved": [p.to_json(i, self.cited_as(p)) for i, p in enumerate(self.retrieved, 1)],
        }

    @classmethod
    def from_json(cls, d: dict) -> Answer:
        """The answer ``to_json`` wrote, typed again. Tolerant: an answer kept by an older
        version (fewer fields, the older shapes of ``retrieved``) reads with what it has."""
        def number(key: str, default: float = 0.0) -> float:
            value = d.get(key)
            return float(value) if value is not None else default

        grade = d.get("reading_grade")
        return cls(
            question=str(d.get("question") or ""), kind=d.get("kind") or "answered",
            answer=str(d.get("answer") or ""),
            citations=[Citation.from_json(c) for c in d.get("citations") or ()],
            notices=[Notice(str(n.get("code", "")), str(n.get("text", ""))) for n in d.get("notices") or ()],
            sentences=[AnswerSentence(str(s.get("text", "")), int(s.get("citation") or 0),
                                      str(s.get("quote") or ""), bool(s.get("list_item")))
                       for s in d.get("sentences") or ()],
            disclaimer=str(d.get("disclaimer") or ""), confidence=number("confidence"),
            query=str(d.get("query") or ""),
            timings_ms={k: float(v) for k, v in (d.get("timings_ms") or {}).items()},
            evidence={k: float(v) for k, v in (d.get("evidence") or {}).items()},
            retrieved=[Passage.from_json(p) for p in d.get("retrieved") or ()],
            reading_grade=float(grade) if grade is not None else None,
            answerer=str(d.get("answerer") or "extractive"), llm=dict(d.get("llm") or {}),
            understanding=dict(d.get("understanding") or {}),
            approved=dict(d["approved"]) if d.get("approved") else None,
        )

    def cited_as(self, p: Passage) -> int | None:
        """The ``n`` of the citation that cites passage ``p``, or None."""
        return next((c.n for c in self.citations if c.chunk.chunk_id == p.chunk.chunk_id), None)


def cited(s: AnswerSentence) -> str:
    """One answer sentence with its citation marker: "text [n]"."""
    return f"{s.text} [{s.citation}]"


def sentence_pieces(sentences: list[AnswerSentence]) -> list[str]:
    """The answer's text in the pieces it is shown and streamed in: a prose sentence ends
    with a space; list items are Markdown bullets, each on its own line."""
    pieces = []
    for i, s in enumerate(sentences):
        if s.list_item:
            before = "\n\n" if i and not sentences[i - 1].list_item else ""
            pieces.append(f"{before}- {cited(s)}\n")
        else:
            before = "\n" if i and sentences[i - 1].list_item else ""
            pieces.append(f"{before}{cited(s)} ")
    return pieces


def answer_text(sentences: list[AnswerSentence]) -> str:
    """The whole answer as text: cited sentences, list items as bullets."""
    return "".join(sentence_pieces(sentences)).strip()


def passage_json(p: Passage, n: int) -> dict:
    """A search result: the same fields as a citation, plus the two ranker scores."""
    d = Citation(n=n, chunk=p.chunk, score=p.score).to_json()
    d.update(dense=round(p.dense, 4), lexical=round(p.lexical, 4))
    return d
