"""Read source files (.txt, .md, .pdf) and JSONL document sets into ``Document``s.

Every failure is a ``LoadError`` that names the file and says, in words an educator can act
on, why it was refused: a corrupt, encrypted, empty or image-only PDF, a binary file, text
that is not UTF-8, an empty file, an unsupported type. Callers report it and go on with the
other files.

A PDF is read by ``rag.indexing.pdf`` (pypdf), bounded in what it may unpack to and in the work
its text takes to read (``PdfLimits``): a decompression bomb, or a small file whose pages
all draw one huge stream, is refused with that reason. A page whose text repeats an earlier
page's (spacing aside) is not made a passage again: 1,000 pages of the same stray
characters are one passage, not 1,000.

Markdown front matter may give a ``title`` and a ``kind`` (``kind: glossary`` marks a
document of term definitions, used to explain words in answers).

Left out: OCR of scanned PDFs, Word files, HTML. Markdown is kept as written (headings are
used for sections; emphasis marks stay in the text).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rag.indexing.pdf import PdfLimits, PdfRefused, read_pdf
from rag.schema import Document, Span
from rag.settings import get_settings
from rag.text.cleaning import clean_text, find_headings, first_line, looks_like_title, names_a_subject

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES
MAX_FILE_BYTES = 50 * 1024 * 1024
_MIN_TEXT_CHARS = 20


class LoadError(Exception):
    """A source that cannot be indexed, with the reason in plain words."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class SourceFile:
    path: Path
    doc_id: str


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[LoadError]]:
    """Expand files and folders into the supported files under them, each with a doc id
    (its path relative to the folder given, or its name). Hidden files are skipped;
    files of other types are reported, not silently dropped; so are links that lead out of
    the folder (a link to /etc/passwd is not followed). A file named directly is read."""
    found: list[SourceFile] = []
    problems: list[LoadError] = []
    for root in paths:
        root = Path(root)
        if root.is_dir():
            inside = root.resolve()
            for p in sorted(root.rglob("*")):
                rel = p.relative_to(root)
                if any(part.startswith((".", "_")) for part in rel.parts):
                    continue
                if p.is_symlink() and not p.resolve().is_relative_to(inside):
                    problems.append(LoadError(rel.as_posix(), "a link to a file outside the folder "
                                              "being indexed; links that leave the folder are not followed"))
                    continue
                if not p.is_file():
                    continue
                if p.suffix.lower() in SUPPORTED_SUFFIXES:
                    found.append(SourceFile(p, rel.as_posix()))
                elif p.name.lower() not in {"readme", "license"}:
                    problems.append(LoadError(rel.as_posix(), _unsupported(p)))
        elif root.is_file():
            if root.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(SourceFile(root, root.name))
            else:
                problems.append(LoadError(root.name, _unsupported(root)))
        else:
            problems.append(LoadError(str(root), "no such file or folder"))
    return found, problems


def _unsupported(p: Path) -> str:
    kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
    return f"unsupported file type '{p.suffix or '(none)'}'; supported: {kinds}"


def read_source(src: SourceFile) -> bytes:
    """The file's bytes; a file over the size limit is refused from its size on disk,
    before anything is read."""
    try:
        size = src.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(src.doc_id, f"too large ({size // 1_000_000} MB; the limit is "
                            f"{MAX_FILE_BYTES // 1_000_000} MB)")
        return src.path.read_bytes()
    except OSError as e:
        raise LoadError(src.doc_id, f"cannot be read ({e.strerror or e})") from e


def load_file(src: SourceFile, pdf_limits: PdfLimits | None = None) -> Document:
    return load_bytes(read_source(src), src.doc_id, source=str(src.path), pdf_limits=pdf_limits)


def load_bytes(data: bytes, doc_id: str, source: str = "", pdf_limits: PdfLimits | None = None) -> Document:
    """Parse one file's bytes; the type comes from ``doc_id``'s suffix. PDF limits default
    to the process settings'."""
    suffix = Path(doc_id).suffix.lower()
    if suffix in PDF_SUFFIXES:
        return load_pdf(data, doc_id, source, pdf_limits)
    if suffix in TEXT_SUFFIXES:
        return load_text(data, doc_id, source, markdown=suffix in {".md", ".markdown"})
    raise LoadError(doc_id, _unsupported(Path(doc_id)))


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# What a browser's print-to-PDF or a word processor leaves as a "title": the name of the
# file or page it printed ("gut.html", "C:\\notes\\draft.docx").
_FILE_NAME = re.compile(r"(?:^|[\\/])[^\\/]*\.(?:html?|php|aspx?|pdf|docx?|odt|rtf|txt|md|pages|pptx?|xlsx?|jpe?g|png|tmp)$",
                        re.I)


def looks_like_file_name(title: str) -> bool:
    """A title that is only a file's name or path, not what the document is about."""
    t = title.strip()
    return bool(_FILE_NAME.search(t)) or "/" in t or "\\" in t


def _title_from_name(doc_id: str) -> str:
    """A title made from a file name: extensions, separators and doubled spaces gone
    ("gut.html.pdf" -> "Gut", "raynauds_phenomenon-2024.md" -> "Raynauds phenomenon 2024")."""
    stem = Path(doc_id).name
    while _FILE_NAME.search(stem) and "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = " ".join(stem.replace("_", " ").replace("-", " ").split())
    return stem[:1].upper() + stem[1:] if stem else doc_id


# --- text and Markdown -------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> str:
    if not data.strip():
        raise LoadError(name, "the file is empty")
    head = data[:8192]
    controls = sum(b < 32 and b not in (9, 10, 12, 13) for b in head)
    if b"\x00" in head or controls > 0.05 * len(head):
        raise LoadError(name, "this is a binary file, not text; upload .txt, .md or .pdf")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(
            name,
            f"the text is not UTF-8 (byte 0x{data[e.start]:02x} at position {e.start}); "
            "save it as UTF-8 and add it again",
        ) from e


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def load_text(data: bytes, doc_id: str, source: str = "", markdown: bool = False) -> Document:
    raw = decode_text(data, doc_id)
    meta_title = None
    kind = ""
    if markdown:
        m = _FRONT_MATTER.match(raw.replace("\r\n", "\n"))
        if m:
            t = re.search(r"^title:\s*(.+)$", m.group(1), re.M)
            meta_title = t.group(1).strip().strip("'\"") if t else None
            k = re.search(r"^kind:\s*(\w+)", m.group(1), re.M)
            kind = k.group(1).lower() if k else ""
            # Blank the front matter out (same length) so offsets stay those of the file.
            raw = re.sub(r"[^\n]", " ", raw[: m.end()]) + raw[m.end():]
    cleaned = clean_text(raw)
    text = cleaned.text
    if len(text.strip()) < _MIN_TEXT_CHARS:
        raise LoadError(doc_id, "the file has no readable text")

    headings = find_headings(text, markdown=markdown)
    body_start = 0
    title = meta_title
    if markdown and headings and headings[0].level == 1 and headings[0].start == 0:
        title = title or headings[0].label
        body_start = headings[0].end
        headings = headings[1:]
    elif not markdown:
        line = first_line(text)
        opens_with_heading = bool(headings) and headings[0].start == 0
        if looks_like_title(line, text[len(line):]) and not opens_with_heading:
            title = title or line.rstrip(":")
            body_start = len(line)
        elif opens_with_heading and not title and names_a_subject(headings[0].label):
            # a first line in capitals names the document ("COPD"), unless it only names a
            # part of one ("INTRODUCTION")
            title, body_start, headings = line.strip().rstrip(":"), headings[0].end, headings[1:]
    spans = _section_spans(text, headings, body_start)
    return Document(
        doc_id=doc_id,
        title=title or _title_from_name(doc_id),
        text=text,
        source=source or doc_id,
        content_hash=content_hash(data),
        spans=tuple(spans),
        source_offsets=cleaned.source_offsets,
        metadata={"format": "markdown" if markdown else "text", **({"kind": kind} if kind else {})},
    )


def _section_spans(text: str, headings, body_start: int) -> list[Span]:
    spans: list[Span] = []
    cursor, label = body_start, ""
    for h in headings:
        if h.start > cursor and text[cursor : h.start].strip():
            spans.append(Span(label, cursor, h.start))
        cursor, label = h.end, h.label
    if text[cursor:].strip():
        spans.append(Span(label, cursor, len(text)))
    return spans


# --- PDF ---------------------------------------------------------------------------------


def load_pdf(data: bytes, doc_id: str, source: str = "", limits: PdfLimits | None = None) -> Document:
    """Text of every page (``rag.indexing.pdf``), cleaned, with one span per page; a page that
    repeats an earlier one is left out (``without_repeats``). A PDF over ``limits`` (pages,
    inflated stream size, characters of text, work to read it) is refused."""
    if not data.strip():
        raise LoadError(doc_id, "the file is empty")
    try:
        pdf = read_pdf(data, limits or PdfLimits.from_settings(get_settings()))
    except PdfRefused as e:
        raise LoadError(doc_id, e.reason) from e
    pages = without_repeats(pdf.pages)
    if sum(len(t.strip()) for t in pages) < _MIN_TEXT_CHARS:
        raise LoadError(
            doc_id,
            "the PDF has no text layer (it may be scanned images); text recognition (OCR) "
            "is not supported, so add a text version instead",
        )

    raw_parts, page_starts, pos = [], [], 0
    for t in pages:
        page_starts.append(pos)
        raw_parts.append(t)
        pos += len(t) + 2
    raw = "\n\n".join(raw_parts)
    cleaned = clean_text(raw)
    text = cleaned.text
    spans = []
    for i, raw_start in enumerate(page_starts):
        raw_end = page_starts[i + 1] - 2 if i + 1 < len(page_starts) else len(raw)
        a = _clean_index(cleaned.source_offsets, raw_start)
        b = _clean_index(cleaned.source_offsets, raw_end)
        if text[a:b].strip():
            spans.append(Span(f"Page {i + 1}", a, b, page=i + 1))
    line = first_line(text)
    title = pdf.title.strip() if _plausible_title(pdf.title) else ""
    if not title and looks_like_title(line, text[len(line):]):
        title = line
    return Document(
        doc_id=doc_id,
        title=title or _title_from_name(doc_id),
        text=text,
        source=source or doc_id,
        content_hash=content_hash(data),
        spans=tuple(spans),
        source_offsets=cleaned.source_offsets,
        metadata={"format": "pdf", "pages": len(pages)},
    )


def without_repeats(pages: list[str]) -> list[str]:
    """The pages' texts with each page that repeats an earlier page's text (spacing aside)
    blanked: another copy adds nothing to find, and a file of one junk page drawn 1,000 times
    would otherwise be 1,000 passages. Pages keep their numbers. Left out: pages that differ
    only in a page number or a header; they are kept."""
    seen: set[str] = set()
    kept = []
    for text in pages:
        key = " ".join(text.split())
        kept.append("" if key in seen else text)
        seen.add(key)
    return kept


def _plausible_title(t: str | None) -> bool:
    return bool(t and 3 <= len(t.strip()) <= 150 and not t.lower().startswith(("untitled", "microsoft"))
                and not looks_like_file_name(t))


def _clean_index(source_offsets: tuple[int, ...], raw_pos: int) -> int:
    """First cleaned index whose source offset is at or after ``raw_pos``."""
    return bisect.bisect_left(source_offsets, raw_pos, 0, len(source_offsets) - 1)


# --- JSON lines of documents ---------------------------------------------------------------


def iter_jsonl_documents(path: Path) -> Iterator[Document | LoadError]:
    """Documents from a JSON-lines file: ``id``, ``text``, optional ``title`` and
    ``metadata``. A bad line yields a LoadError naming its line number."""
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path.name} line {lineno}"
            try:
                rec = json.loads(line)
                doc_id, body = str(rec["id"]), rec["text"]
                if not isinstance(body, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError) as e:
                yield LoadError(where, f"not a document record ({e}); need 'id' and 'text'")
                continue
            if len(body.strip()) < _MIN_TEXT_CHARS:
                yield LoadError(doc_id, "the document has no readable text")
                continue
            cleaned = clean_text(body)
            meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
            yield Document(
                doc_id=doc_id,
                title=str(rec.get("title") or doc_id),
                text=cleaned.text,
                source=f"{path.name}#{doc_id}",
                content_hash=content_hash(line.strip()),
                spans=(Span("", 0, len(cleaned.text)),),
                source_offsets=cleaned.source_offsets,
                metadata={"format": "jsonl", **meta},
            )
