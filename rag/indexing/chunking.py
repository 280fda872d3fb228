"""Cut documents into passages that keep their provenance.

Each section (or PDF page) is cut on its own: whole paragraphs (blocks between blank
lines, then single lines) are packed together up to ``size`` characters, and a passage ends
where a paragraph ends, with nothing repeated in the next one: a reader (and the embedding
model) loses nothing at a paragraph break. Only a paragraph longer than ``size`` is cut
inside, by LangChain's ``RecursiveCharacterTextSplitter`` at sentence ends (then clauses,
then words), and only those cuts repeat up to ``chunk_overlap`` characters of whole
sentences in the next passage, so a sentence cut from its context keeps some of it. A
passage never spans two sections.

Chunk ids are a hash of the document id and the passage text, so the same text always gets
the same id and re-indexing adds nothing twice.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from functools import lru_cache

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.schema import Chunk, Document, Span

# Paragraph levels, tried in order: blocks between blank lines, then lines.
_PARAGRAPHS = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n\s*"))
# Inside one paragraph: regex separators, tried in order; sentence ends keep their
# punctuation (keep_separator).
_SEPARATORS = [r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", r";\s+", r",\s+", r"\s+", ""]


@lru_cache(maxsize=8)
def _splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        strip_whitespace=True,
    )


def chunk_id(doc_id: str, text: str, repeat: int = 0) -> str:
    h = hashlib.sha256(f"{doc_id}\x00{text}\x00{repeat}".encode()).hexdigest()
    return h[:32]


def chunk_document(doc: Document, size: int = 600, overlap: int = 60) -> list[Chunk]:
    """Passages of ``doc``, in document order."""
    splitter = _splitter(size, overlap)
    paragraph_starts = _paragraph_starts(doc)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for span in doc.spans:
        body = doc.text[span.start : span.end]
        for i, j in passage_bounds(body, size, splitter):
            piece = body[i:j]
            start, end = span.start + i, span.start + j
            repeat = seen.get(piece, 0)
            seen[piece] = repeat + 1
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(doc.doc_id, piece, repeat),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    location=_location(doc, span, start, end, paragraph_starts),
                    text=piece,
                    start=start,
                    end=end,
                    source_start=doc.source_offset(start),
                    source_end=doc.source_offset(end),
                    ordinal=len(chunks),
                    page=span.page,
                    section=span.label if span.page is None else "",
                    doc_hash=doc.content_hash,
                    kind=str(doc.metadata.get("kind", "")),
                )
            )
    return chunks


def passage_bounds(text: str, size: int, splitter: RecursiveCharacterTextSplitter,
                   level: int = 0, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each passage of ``text[lo:hi]``: whole units of this paragraph level
    packed up to ``size``; a unit longer than that is cut at the next level, and past the
    last paragraph level by ``splitter`` (sentence ends, with its overlap)."""
    hi = len(text) if hi is None else hi
    if level == len(_PARAGRAPHS):
        return _split_inside(text, lo, hi, splitter)
    units, start = [], lo
    for m in _PARAGRAPHS[level].finditer(text, lo, hi):
        units.append(_trimmed(text, start, m.start()))
        start = m.end()
    units.append(_trimmed(text, start, hi))
    out: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for s, e in units:
        if s >= e:
            continue
        if e - s > size:
            if current:
                out.append(current)
                current = None
            out += passage_bounds(text, size, splitter, level + 1, s, e)
        elif current and e - current[0] <= size:
            current = (current[0], e)
        else:
            if current:
                out.append(current)
            current = (s, e)
    if current:
        out.append(current)
    return out


def _trimmed(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _split_inside(text: str, lo: int, hi: int, splitter: RecursiveCharacterTextSplitter) -> list[tuple[int, int]]:
    body, cursor, out = text[lo:hi], 0, []
    for piece in splitter.split_text(body):
        i = body.find(piece, cursor)
        if i < 0:  # cannot happen with strip_whitespace, but never lose a passage
            i = body.find(piece)
        cursor = i + 1
        out.append((lo + i, lo + i + len(piece)))
    return out


def _paragraph_starts(doc: Document) -> list[int]:
    """Offsets where a paragraph (a non-empty line inside a section) begins."""
    starts, pos = [], 0
    inside = [(s.start, s.end) for s in doc.spans]
    for line in doc.text.split("\n"):
        if line.strip() and any(a <= pos < b for a, b in inside):
            starts.append(pos)
        pos += len(line) + 1
    return starts


def _location(doc: Document, span: Span, start: int, end: int, para: list[int]) -> str:
    if span.page is not None:
        last = next((s.page for s in doc.spans if s.page and s.start < end <= s.end), span.page)
        return f"Page {span.page}" if last == span.page else f"Pages {span.page}\u2013{last}"
    first_in_span = bisect.bisect_left(para, span.start)
    n = max(1, bisect.bisect_right(para, start) - first_in_span)
    where = f"paragraph {n}"
    return f"{span.label}, {where}" if span.label else where.capitalize()


def embedding_text(chunk: Chunk, with_title: bool = False) -> str:
    """What the embedding model sees: the section label (and, ``with_title``, the
    document's title, unless it is only the document's id) gives a passage context that
    its own words may not say: "What are the symptoms of gout?" against a passage of
    symptoms that never names gout."""
    context = [chunk.section] if chunk.section else []
    if with_title and chunk.title and chunk.title != chunk.doc_id:
        context.insert(0, chunk.title)
    return ": ".join([*context, chunk.text])
