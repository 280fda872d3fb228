"""Pure text helpers: cleaning extracted text, finding titles, headings and sentences.

``clean_text`` turns text as files give it (hard-wrapped lines, doubled spaces, a word split
across a blank line, words hyphenated at a line end) into readable paragraphs, and keeps,
for every character it keeps, the index it had in the original, so passages can be traced
back. Paragraphs come out separated by a blank line; a line break that ends a sentence or
starts a list item is kept; a wrap inside a sentence becomes a space.

``split_sentences`` is a rule-based splitter tuned for clinical prose (abbreviations such as
"e.g." and "Dr.", decimals, list items). Left out: languages other than English, and
quotations spanning several sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rag.text import wordlists
from rag.text.lexical import STOPWORDS

_WORD = re.compile(r"[A-Za-z]+")
# A list item's marker at the start of a line or a sentence: "- ", "* ", "• ", "– ", "1. ", "2) ".
LIST_MARK = re.compile(r"^\s*(?:[-*\u2022\u2013\u2014]\s+|\d{1,2}[.)]\s+)")
# ... and, when splitting text into sentences, lettered items too ("a) ").
_LIST_ITEM = re.compile(r"^(?:[-*\u2022\u2013\u2014]\s+|\d{1,2}[.)]\s+|[a-z][.)]\s+)")
_FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with that which who whose than "
    "such is are was were be been".split()
)
_SENTENCE_END = ".!?"


@dataclass(frozen=True)
class Cleaned:
    text: str
    source_offsets: tuple[int, ...]  # len(text) + 1 entries


def _lines(raw: str) -> list[tuple[str, list[int]]]:
    """Split into lines; each line is stripped, inner whitespace runs folded to one space,
    and paired with the original index of each kept character."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for line in raw.split("\n"):
        chars: list[str] = []
        idx: list[int] = []
        for j, ch in enumerate(line):
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    idx.append(pos + j)
            else:
                chars.append(ch)
                idx.append(pos + j)
        while chars and chars[-1] == " ":
            chars.pop()
            idx.pop()
        out.append(("".join(chars), idx))
        pos += len(line) + 1
    return out


def _ends_sentence(line: str) -> bool:
    s = line.rstrip("\"')]\u201d\u2019")
    return bool(s) and s[-1] in _SENTENCE_END + ":;"


def _starts_lower(line: str) -> bool:
    return bool(line) and line[0].islower()


def _wrap_width(lines: list[str]) -> int:
    """Typical width of hard-wrapped lines: the 90th percentile of non-empty line lengths."""
    lengths = sorted(len(s) for s in lines if s)
    if not lengths:
        return 0
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]


def clean_text(raw: str) -> Cleaned:
    """Join hard-wrapped lines into paragraphs, keeping a map back to ``raw`` offsets."""
    raw = raw.replace("\r\n", " \n").replace("\r", "\n")  # same length: offsets stay valid
    lines = _lines(raw)
    vocab = Counter(w.lower() for w in _WORD.findall(raw))
    width = _wrap_width([s for s, _ in lines])

    out: list[str] = []
    idx: list[int] = []

    def emit(s: str, positions: list[int]) -> None:
        out.extend(s)
        idx.extend(positions)

    def emit_sep(sep: str, at: int) -> None:
        out.extend(sep)
        idx.extend([at] * len(sep))

    prev: str | None = None
    prev_end = 0
    blank_run = False
    for text, positions in lines:
        if not text:
            blank_run = prev is not None
            continue
        if prev is None:
            emit(text, positions)
        else:
            join = _join_kind(prev, text, blank_run, width, vocab)
            if join == "glue":  # split word or hyphenated wrap: no separator
                if out and out[-1] == "-" and _dehyphenate(out, text, vocab):
                    out.pop()
                    idx.pop()
                emit(text, positions)
            else:
                emit_sep({"space": " ", "line": "\n", "para": "\n\n"}[join], prev_end)
                emit(text, positions)
        prev = text
        prev_end = positions[-1] + 1
        blank_run = False
    idx.append(len(raw) if not idx else max(idx[-1] + 1, 0))
    return Cleaned("".join(out), tuple(idx))


def _join_kind(prev: str, nxt: str, blank_between: bool, width: int, vocab: Counter) -> str:
    """How the previous line joins the next: glue, space, line break or paragraph."""
    if blank_between:
        # A paragraph break inside a sentence is a quirk of the file: mend it.
        if not _ends_sentence(prev) and _starts_lower(nxt) and not _LIST_ITEM.match(nxt):
            return "glue" if _is_split_word(prev, nxt, vocab) else "space"
        return "para"
    if _LIST_ITEM.match(nxt) or nxt.startswith("#") or prev.startswith("#"):
        return "line"
    if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and _starts_lower(nxt):
        return "glue"
    if _starts_lower(nxt):
        return "space"
    if _ends_sentence(prev):
        return "line"
    # Next line starts with a capital and this one does not end a sentence: a wrap only
    # if this line is about as long as the document's wrapped lines (else a title).
    return "space" if width and len(prev) >= 0.6 * width else "line"


def _is_split_word(prev: str, nxt: str, vocab: Counter) -> bool:
    """True when the last fragment of ``prev`` and the first of ``nxt`` form a word the
    document uses elsewhere, and the second fragment occurs nowhere else as a word."""
    a = re.search(r"([A-Za-z]+)$", prev)
    b = re.match(r"([A-Za-z]+)", nxt)
    if not a or not b:
        return False
    joined = (a.group(1) + b.group(1)).lower()
    return vocab[joined] > 0 and vocab[b.group(1).lower()] <= 1


def _dehyphenate(out: list[str], nxt: str, vocab: Counter) -> bool:
    """Drop a line-end hyphen when the unhyphenated word is one the document uses."""
    tail = re.search(r"([A-Za-z]+)-$", "".join(out[-40:]))
    head = re.match(r"([A-Za-z]+)", nxt)
    return bool(tail and head and vocab[(tail.group(1) + head.group(1)).lower()] > 0)


# --- titles and headings -----------------------------------------------------------------


def first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def looks_like_title(line: str, rest: str) -> bool:
    """A first line that names the document: short, no final full stop, not a cut-off
    sentence, and followed by more text."""
    words = line.split()
    if not line or not rest.strip() or len(line) > 120 or not 1 <= len(words) <= 16:
        return False
    if line[-1] in ".,;!?" or line.lower().startswith(("- ", "* ")):
        return False
    return words[-1].lower().strip(":") not in _FUNCTION_WORDS


def title_parts(title: str) -> list[str]:
    """The parts a title is written in, each a name of its own: "Parasites - African
    Trypanosomiasis (also known as Sleeping Sickness)" -> "Parasites", "African
    Trypanosomiasis", "Sleeping Sickness"."""
    return [p.strip() for p in _TITLE_PARTS.split(title) if p.strip()]


_TITLE_PARTS = re.compile(r"\s+[-\u2013\u2014]\s+|[:()]|\b(?:also\s+)?(?:known|called)\s+as\b", re.I)


def in_title_case(line: str) -> bool:
    """A line written like a heading: two to ten words, no closing punctuation, and every
    word but the small ones capitalized ("Signs and Symptoms of Anemia", "Blood and Marrow
    Stem Cell Transplant"). A sentence-case heading ("Signs and symptoms") is not caught."""
    words = line.split()
    if not 2 <= len(words) <= TITLE_MOST_WORDS or not line[-1:].isalnum():
        return False
    big = [w for w in words if w.lower() not in _FUNCTION_WORDS]
    return len(big) >= 2 and all(w[:1].isupper() or w[:1].isdigit() for w in big)


TITLE_MOST_WORDS = 10


def names_a_subject(heading: str) -> bool:
    """A heading that says what a document is about ("COPD"), not which part of it this is
    ("INTRODUCTION", "Notes and references": ``rag/data/structural_headings.tsv``)."""
    words = re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", heading)
    structural = wordlists.words("structural_headings")
    return bool(words) and not all(w.lower() in structural or w.lower() in STOPWORDS for w in words)


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.)]?|[IVX]{1,4}[.)])\s+")


@dataclass(frozen=True)
class Heading:
    label: str
    start: int  # offset of the heading line in the text
    end: int  # offset just after the heading line
    level: int


def find_headings(text: str, markdown: bool = False) -> list[Heading]:
    """Lines that head a section: Markdown ``#`` headings, or short stand-alone lines ending
    in a colon ("Conclusion:"), or short lines in capitals ("INTRODUCTION")."""
    found: list[Heading] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        s = line.strip()
        if not s:
            continue
        if markdown:
            m = _MD_HEADING.match(s)
            if m:
                found.append(Heading(_tidy_label(m.group(2)), start, end, len(m.group(1))))
            continue
        words = s.split()
        if len(s) > 90 or len(words) > 10:
            continue
        if s.endswith(":") and s[0].isupper() or s[0].isdigit() and s.endswith(":"):
            found.append(Heading(_tidy_label(s), start, end, 2))
        elif s.isupper() and len(words) <= 8 and any(c.isalpha() for c in s):
            found.append(Heading(_tidy_label(s), start, end, 1))
    return found


def _tidy_label(s: str) -> str:
    s = _NUMBERING.sub("", s.strip().rstrip(":").strip())
    s = s.strip("*_ ")
    return s.capitalize() if s.isupper() else s


# --- sentences ---------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs dr mr mrs ms prof st fig figs al approx no nos inc ltd jr sr dept "
    "u.s u.k mg ml min max ca cf resp vol".split()
)
_BOUNDARY = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9-])")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text`` (shifted by ``offset``), whitespace
    trimmed. Line breaks always end a sentence; so do ., ! and ? before a capital, unless
    the word before is a known abbreviation or a single initial."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        cut = 0
        for m in _BOUNDARY.finditer(line):
            before = line[cut : m.start()].rsplit(None, 1)
            last = before[-1].lower().rstrip(".") if before else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            if last.isdigit() and len(before) == 1 and len(last) <= 2:  # "1. Heading:"
                continue
            _add_span(spans, line, line_start, cut, m.start() + len(m.group().rstrip()), offset)
            cut = m.end()
        _add_span(spans, line, line_start, cut, len(line), offset)
    return spans


def _add_span(spans, line, line_start, a, b, offset) -> None:
    seg = line[a:b]
    lead = len(seg) - len(seg.lstrip())
    seg = seg.strip()
    if seg:
        s = line_start + a + lead + offset
        spans.append((s, s + len(seg)))
