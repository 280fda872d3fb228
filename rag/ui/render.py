"""How answers, passages and people's words are drawn, safely.

Everything a person typed and every passage from a document is shown as text, never
interpreted. What people type is drawn as one HTML block of fully entity-escaped text
(``typed_html``: no Markdown, no links); a passage with the answer's sentences highlighted
likewise (``passage_html``); answer text and labels (document titles among them) go through
Markdown with every punctuation character backslash-escaped and every web or e-mail address
broken by an invisible word joiner (``as_text``, ``unlinked``): Streamlit's Markdown makes
"www.example.org", "https://..." and "name@example.org" live links even when each
character is escaped. These pure functions are the core; ``show_*`` draw with Streamlit.

``show_answer`` takes the answer's text as an iterator of pieces, so it streams whatever
produces text: today the extractive answer sentence by sentence (``answer_pieces``),
tomorrow a language model's tokens.

Answers are drawn from the typed ``Answer``; the JSON an answer is kept in (the chat's
session, a record, an evaluation run) is read back with ``Answer.from_json`` first.

Left out: links from a ``[n]`` marker that jump into the page. The sources are listed right
under the answer as "[n] title — location", each opening its passage. An address copied from
an answer or a label carries its invisible joiner (pasted into a browser, it may not work).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

import streamlit as st

from rag.schema import Answer, Citation, sentence_pieces

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'@%])")
_HTML_SPECIAL = re.compile(r"[&<>\"'`*_{}\[\]()#+\-!|~$:=^\\@%]")
# The tab icon, from the package: an emoji or a Material icon there makes the browser fetch
# it from a font server on every page load (offline it fails, and it tells a third party).
ICON = str(Path(__file__).with_name("icon.png"))

_BLANK_LINES = re.compile(r"\n\s*\n+")
PIECE_PAUSE_S = 0.12  # between streamed sentences: calm, and quick enough not to wait on
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")

# Quiet, readable defaults; long words (pasted links, runs of characters) wrap on a phone.
CSS = """
<style>
.stChatMessage p, .stChatMessage li, .passage, .typed { overflow-wrap: anywhere; line-height: 1.6; }
.passage { padding: .5rem .75rem; border-left: 3px solid rgba(128,128,128,.4); }
.typed { margin-bottom: .75rem; }
.passage mark { background: #fff3b0; color: inherit; padding: 0 .1em; border-radius: .2em; }
@media (prefers-color-scheme: dark) { .passage mark { background: #6b5a00; } }
/* "Press Enter to submit form" is drawn inside a text box, over what was typed; every form
   here has its own buttons, so the hint goes. */
[data-testid="InputInstructions"] { display: none; }
</style>
"""


# Where GitHub-flavoured Markdown starts a link of its own (an "autolink literal"): "www."
# and "http://" or "https://" (any "://" here), and the domain right after an "@". Its
# renderer (remark-gfm, in Streamlit) looks for them in the text once backslash escapes are
# undone, so escaping does not stop them; a character in between does.
_LINK_STARTS = re.compile(r"(?i)(?<=www)(?=\.)|(?=://)|(?<=@)(?=[-\w])")
WORD_JOINER = "\u2060"  # invisible, keeps the word whole; screen readers skip it


def unlinked(text: str) -> str:
    """``text`` with an invisible word joiner where Markdown would start a link: "www.x.org",
    "https://x.org/a" and "bob@x.org" show as they are written but are not links. Left out:
    Markdown's own link syntax ("[a](b)", "<https://...>"), which escaping already stops."""
    return _LINK_STARTS.sub(WORD_JOINER, text)


def _escaped(text: str) -> str:
    """``text`` as Markdown that shows it as written: special characters escaped, addresses
    ``unlinked``."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked(text))


def as_text(text: str) -> str:
    """Markdown that shows ``text`` exactly: every special character escaped, no web or
    e-mail address a link (``unlinked``), line breaks kept, and no indentation that Markdown
    would read as code. A line that starts with "- " (an item of a list answer) stays a
    bullet; its words are escaped like the rest."""
    text = _BLANK_LINES.sub("\n", str(text).replace("\r", ""))
    lines = []
    for line in (raw.lstrip() for raw in text.split("\n")):
        bullet = "- " if line.startswith("- ") and line[2:].strip() else ""
        lines.append(bullet + _escaped(line[len(bullet):]))
    return "  \n".join(line for line in lines if line.strip())


def piece_markdown(piece: str) -> str:
    """``as_text`` of one streamed piece, keeping the line breaks around it that make list
    items bullets of their own."""
    before = "\n\n" if piece.startswith("\n") else ""
    after = "\n" if piece.endswith("\n") else ""
    return before + as_text(piece) + (after or (" " if piece.endswith(" ") else ""))


def _entities(text: str) -> str:
    """HTML that shows ``text`` exactly: markup and Markdown characters as entities."""
    escaped = _HTML_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)
    return escaped.replace("\r", "").replace("\n", "<br>")


def passage_html(text: str, highlights: Iterable[Iterable[int]] = ()) -> str:
    """A passage as one HTML block with the given (start, end) spans in ``<mark>``."""
    spans = sorted((max(0, int(a)), min(len(text), int(b))) for a, b in highlights)
    merged: list[list[int]] = []
    for a, b in spans:
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    parts, pos = [], 0
    for a, b in merged:
        parts.append(_entities(text[pos:a]))
        parts.append(f"<mark>{_entities(text[a:b])}</mark>")
        pos = b
    parts.append(_entities(text[pos:]))
    return f'<div class="passage">{"".join(parts)}</div>'


def typed(answer: Answer | dict) -> Answer:
    """The answer, typed: kept JSON is read back with ``Answer.from_json``."""
    return answer if isinstance(answer, Answer) else Answer.from_json(answer)


def answer_pieces(answer: Answer | dict) -> Iterator[str]:
    """The answer's text in the pieces it is streamed in: one cited sentence at a time."""
    answer = typed(answer)
    if answer.sentences:
        yield from sentence_pieces(answer.sentences)
        return
    for sentence in _SENTENCE.split(answer.answer):
        yield sentence + " "


def paced(pieces: Iterable[str], seconds: float = PIECE_PAUSE_S, since: float | None = None,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> Iterator[str]:
    """Pieces with a short pause before each but the first: an answer that exists in full
    at once (the extractive one) still reads as being written, like a model's tokens.

    Piece ``i`` is due ``i * seconds`` after ``since`` (the moment the question arrived;
    the first piece's moment when not given), and waits only for what is left of that. So
    the pauses come out of time the patient has already waited: on a busy server, where
    finding the answer took longer than its pauses, it is not held back on top of the wait:
    only a third of a pause is kept between pieces, so it is still seen being written.
    ``clock`` and ``sleep`` are injectable for tests."""
    for i, piece in enumerate(pieces):
        if since is None:
            since = clock()
        if i:
            sleep(max(seconds / 3, since + i * seconds - clock()))
        yield piece


def typed_html(text: str) -> str:
    """What a person typed, as one HTML block of escaped text: unlike Markdown, not even a
    bare web address inside it becomes a link."""
    return f'<div class="typed">{_entities(text.strip())}</div>'


def show_text(text: str) -> None:
    """What a person typed, as plain text."""
    st.markdown(typed_html(text), unsafe_allow_html=True)


def show_answer(answer: Answer | dict, stream: Iterable[str] | None = None) -> str:
    """Draw one answer: an urgent alert, or notices, the text (streamed when ``stream`` is
    given), its sources and the education notice. Returns the text shown."""
    answer = typed(answer)
    if answer.kind == "urgent":
        st.error(urgent_markdown(answer.answer), icon=":material/emergency:")
        return answer.answer
    if answer.kind == "invalid":
        st.warning(as_text(answer.answer), icon=":material/edit:")
        return answer.answer
    for notice in answer.notices:
        text = as_text(notice.text)
        if notice.code == "approved":
            continue  # said quietly under the answer
        if notice.code == "urgent_symptom":
            st.warning(text, icon=":material/warning:")
        elif notice.code == "personal_advice":
            st.info(text, icon=":material/medical_information:")
        else:
            st.caption(text)
    if stream is not None:
        shown = st.write_stream(piece_markdown(piece) for piece in stream)
        shown = shown if isinstance(shown, str) else answer.answer
    else:
        st.markdown(as_text(answer.answer))
        shown = answer.answer
    show_sources(answer.citations)
    for notice in answer.notices:
        if notice.code == "approved":  # "Reviewed by an educator on <date>."
            st.caption(as_text(notice.text))
    if answer.disclaimer:
        st.caption(as_text(answer.disclaimer))
    return shown


def grade_label(grade: float | None, prefix: str = "") -> str:
    """"reading grade 7.4": the Flesch-Kincaid grade of an answer, for educators; empty when unknown."""
    if grade is None:
        return ""
    return f"{prefix}reading grade {grade:.1f}" + (" (aim: 8 or lower)" if grade > 8 else "")


# A phone number in an urgent message: 911, 999, 112, 988, "116 123", "1-800-222-1222".
_PHONE = re.compile(r"(?<![\w/.\-])(?:1-\d{3}-\d{3}-\d{4}|\d{3}(?: \d{3})?)(?![\w/\-]|[.,]\d)")


def _escaped_with_tel_links(text: str) -> str:
    """``text`` as escaped Markdown (one paragraph) in which only the phone numbers are
    links, ``tel:`` links a phone dials with one tap."""
    parts, pos = [], 0
    for m in _PHONE.finditer(text):
        parts.append(_escaped(text[pos:m.start()]))
        label, digits = _escaped(m.group(0)), re.sub(r"\D", "", m.group(0))
        parts.append(f"[{label}](tel:{digits})")
        pos = m.end()
    parts.append(_escaped(text[pos:]))
    return "".join(parts)


def urgent_markdown(text: str) -> str:
    """An urgent message with its first sentence in bold: the alert leads with it. The text
    is escaped like ``as_text``; only the emergency numbers become tap-to-call links."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    parts = _SENTENCE.split(text, maxsplit=1)
    head = f"**{_escaped_with_tel_links(parts[0])}**"
    return head + (" " + _escaped_with_tel_links(parts[1]) if len(parts) > 1 else "")


def where(citation: Citation) -> str:
    """Where a passage is in its document: its section, or its page."""
    c = citation.chunk
    return c.location or (f"page {c.page}" if c.page else "")


def source_label(citation: Citation) -> str:
    return f"[{citation.n}] {citation.chunk.title}" + (f" — {where(citation)}" if where(citation) else "")


def show_sources(citations: list[Citation]) -> None:
    """One expander per citation, labelled like the answer's ``[n]`` markers."""
    if not citations:
        return
    st.caption("Sources: open one to read the passage. The sentences the answer used are "
               "highlighted.")
    for c in citations:
        with st.expander(as_text(source_label(c))):
            show_passage(c.chunk.text, c.highlights)


def show_passage(text: str, highlights: Iterable[Iterable[int]] = ()) -> None:
    """A passage as the document has it, with the sentences an answer used highlighted."""
    st.markdown(passage_html(text, highlights), unsafe_allow_html=True)
