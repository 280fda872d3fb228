"""Read a PDF's pages with pypdf, bounded in what the file may unpack to and in the work it
may ask for.

``read_pdf(data, limits)`` returns each page's text and the title in its metadata, or
raises ``PdfRefused`` with a reason an educator can act on: not a PDF, damaged,
password-protected, no pages, or over ``PdfLimits``: its page count, the size any one
compressed stream may inflate to (pypdf's own decompression limit), the characters of text
it yields, and the work reading that text takes. A small file that inflates past them (a
decompression bomb) is refused instead of taking minutes and gigabytes. An empty-password
"encryption" (used only to restrict editing) is opened.

The work is the page content pypdf parses to find the text: each page's drawing
instructions (its content streams), decoded. A stream that many pages share is parsed again
for each of them, so it counts once per page that uses it: 1,000 pages drawing one 9.5 MB
stream are 9.5 GB of parsing, whatever the file's size. Before a page is read its content is
weighed: at most ``max_content_bytes`` in all, and beyond the first ``free_content_bytes``
at most ``content_bytes_per_char`` for each character of text read so far (genuine pages
hold a few bytes of instructions per character; a page of vector art, many more). Content
reached through form XObjects (a stream a page draws with ``Do``, possibly many times) is
not weighed beforehand; the clock bounds it: reading stops once it has taken
``max_seconds``, checked between pages and every few thousand drawing instructions inside
one. (With that hook pypdf parses every page, also one without text it would skip; such a
page's content is weighed like any other.)

Left out: OCR of scanned pages; cleaning the text, dropping repeated pages and making a
``Document`` of it (``rag.indexing.loaders``).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Callable


class PdfRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may unpack to and ask of the reader. The first three come from
    ``Settings.pdf_max_*``; the work limits have fixed defaults (see the module docstring)."""

    max_pages: int
    max_stream_bytes: int
    max_text_chars: int
    max_content_bytes: int = 100_000_000  # all pages' decoded content, a shared stream per page
    free_content_bytes: int = 10_000_000  # content allowed before any text has been found
    content_bytes_per_char: int = 500  # beyond that, per character of text read so far
    max_seconds: float = 120.0  # reading the whole file's text

    @classmethod
    def from_settings(cls, settings) -> "PdfLimits":
        return cls(settings.pdf_max_pages, int(settings.pdf_max_stream_mb * 1_000_000),
                   settings.pdf_max_text_chars)


def _default_pdf_limits() -> PdfLimits:
    from rag.settings import get_settings

    return PdfLimits.from_settings(get_settings())


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    title: str  # from the file's metadata, as written (may be empty or junk)


_PYPDF_STREAM_CAPS = (  # pypdf's limits on what one stream may decompress to
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
)
_CLOCK_EVERY = 2_000  # drawing instructions between two looks at the clock inside a page
TOO_MUCH_WORK = "this PDF asks for far more work than its text needs"


def read_pdf(data: bytes, limits: PdfLimits, clock: Callable[[], float] = time.monotonic) -> PdfText:
    # pypdf takes ~0.2 s to import; asking a question never needs it, only reading a PDF
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    mb = limits.max_stream_bytes / 1_000_000
    too_big = (f"the PDF unpacks to far more than its size on disk (a part of it inflates past "
               f"{mb:g} MB); it may be built to exhaust the server, so it was not read. If it is "
               "a genuine document, save a text version or raise RAG_PDF_MAX_STREAM_MB")
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise PdfRefused("this is not a PDF file (it does not start with %PDF)")
    caps = {name: limits.max_stream_bytes for name in _PYPDF_STREAM_CAPS}
    with apply_configuration(**caps):
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")
                except Exception:  # pypdf raises several kinds here
                    ok = 0
                if not ok:
                    raise PdfRefused("the PDF is password-protected; save an unprotected copy")
            n_pages = len(reader.pages)
            if n_pages > limits.max_pages:
                raise PdfRefused(f"the PDF has {n_pages:,} pages; the limit is "
                                 f"{limits.max_pages:,} (RAG_PDF_MAX_PAGES); split it into parts")
            work = Work(limits, n_pages, clock)
            pages, chars = [], 0
            for p in reader.pages:
                work.before_page(len(pages) + 1, p, chars)
                pages.append(_page_text(p, work.visit))
                chars += len(pages[-1])
                if chars > limits.max_text_chars:
                    raise PdfRefused(
                        f"the PDF yields more than {limits.max_text_chars:,} characters of text by "
                        f"page {len(pages)} of {n_pages} (the limit, RAG_PDF_MAX_TEXT_CHARS); split "
                        "it into parts")
            work.check_clock()
            meta_title = (reader.metadata.title if reader.metadata else None) or ""
        except PdfRefused:
            raise
        except LimitReachedError as e:  # also raised for loops in the file's structure
            if "decompress" in str(e).lower():
                raise PdfRefused(too_big) from e
            if "tokens" in str(e).lower():  # pypdf's own cap on one content stream
                raise PdfRefused(work_refused("one of its pages holds more drawing instructions "
                                              "than the reader takes at once")) from e
            raise PdfRefused(f"the PDF goes past a safety limit of the reader ({e})") from e
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
            raise PdfRefused(f"the PDF is damaged and cannot be read ({type(e).__name__})") from e
    if not pages:
        raise PdfRefused("the PDF has no pages")
    return PdfText(pages, str(meta_title))


class Work:
    """The work reading one PDF's text has asked for so far, against ``PdfLimits``: the
    decoded page content weighed before each page, the clock looked at between pages and,
    through ``visit`` (pypdf's hook before each drawing instruction), inside them. Over a
    limit it raises ``PdfRefused``, and keeps raising: pypdf swallows an error raised inside
    a form XObject, and the next instruction outside it raises again."""

    def __init__(self, limits: PdfLimits, n_pages: int, clock: Callable[[], float] = time.monotonic):
        self.limits, self.n_pages, self.clock = limits, n_pages, clock
        self.started = clock()
        self.content_bytes = 0
        self.page = 0
        self.instructions = 0
        self.refused: PdfRefused | None = None

    def before_page(self, number: int, page, chars: int) -> None:
        """Weigh page ``number``'s content before pypdf parses it; ``chars`` of text so far."""
        self.page = number
        self.check_clock()
        lim = self.limits
        allowed = min(lim.max_content_bytes, lim.free_content_bytes + lim.content_bytes_per_char * chars)
        self.content_bytes += content_bytes(page, stop_after=allowed - self.content_bytes)
        if self.content_bytes > lim.max_content_bytes:
            self._refuse(f"by page {number:,} of {self.n_pages:,} its pages hold more than "
                         f"{_mb(lim.max_content_bytes)} of drawing instructions to read, the limit")
        if self.content_bytes > allowed:
            self._refuse(f"by page {number:,} of {self.n_pages:,} its pages hold "
                         f"{_mb(self.content_bytes)} of drawing instructions for "
                         f"{chars:,} character{'s' * (chars != 1)} of text")

    def visit(self, *_operation) -> None:
        if self.refused is not None:
            raise self.refused
        self.instructions += 1
        if self.instructions % _CLOCK_EVERY == 0:
            self.check_clock()

    def check_clock(self) -> None:
        if self.refused is not None:
            raise self.refused
        if self.clock() - self.started > self.limits.max_seconds:
            self._refuse(f"reading its text took more than {self.limits.max_seconds:g} seconds, "
                         f"by page {self.page:,} of {self.n_pages:,}")

    def _refuse(self, why: str) -> None:
        self.refused = PdfRefused(work_refused(why))
        raise self.refused


def work_refused(why: str) -> str:
    """Why a PDF that asks for too much work was refused, ``why`` in brackets."""
    return (f"{TOO_MUCH_WORK} ({why}); it may be built to exhaust the server, so it was not "
            "read. If it is a genuine document, save a text version or split it into parts")


def content_bytes(page, stop_after: float = float("inf")) -> int:
    """Decoded size of a page's content streams: what pypdf parses to find its text. A
    stream shared with other pages is decoded once (pypdf keeps it) but counted here for
    each page. Stops adding once past ``stop_after``. Form XObjects the content draws are
    not counted."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    total = 0
    for stream in contents if isinstance(contents, list) else [contents]:
        stream = stream.get_object()
        if hasattr(stream, "get_data"):
            total += len(stream.get_data())
            if total > stop_after:
                break
    return total


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.0f} MB" if n >= 10_000_000 else f"{n / 1_000_000:,.1f} MB"


def _page_text(page, visit: Callable[..., None] | None = None) -> str:
    from pypdf.errors import LimitReachedError

    try:
        return page.extract_text(visitor_operand_before=visit) or ""
    except (LimitReachedError, PdfRefused):  # a bomb, not a bad page: refuse the file
        raise
    except Exception:  # one bad page should not lose the others
        return ""
