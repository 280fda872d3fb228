"""Read a PDF's pages with pypdf, bounded in what the file may unpack to.

``read_pdf(data, limits)`` returns each page's text and the title in its metadata, or
raises ``PdfRefused`` with a reason an educator can act on: not a PDF, damaged,
password-protected, no pages, or over ``PdfLimits``: its page count, the size any one
compressed stream may inflate to (pypdf's own decompression limit), the characters of text
it yields. A small file that inflates past them (a decompression bomb) is refused instead of
taking minutes and gigabytes. An empty-password "encryption" (used only to restrict
editing) is opened.

Left out: OCR of scanned pages; cleaning the text and making a ``Document`` of it
(``rag.loaders``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass


class PdfRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may unpack to; see ``Settings.pdf_max_*``."""

    max_pages: int
    max_stream_bytes: int
    max_text_chars: int

    @classmethod
    def from_settings(cls, settings) -> "PdfLimits":
        return cls(settings.pdf_max_pages, int(settings.pdf_max_stream_mb * 1_000_000),
                   settings.pdf_max_text_chars)


def _default_pdf_limits() -> PdfLimits:
    from .settings import get_settings

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


def read_pdf(data: bytes, limits: PdfLimits) -> PdfText:
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
            pages, chars = [], 0
            for p in reader.pages:
                pages.append(_page_text(p))
                chars += len(pages[-1])
                if chars > limits.max_text_chars:
                    raise PdfRefused(
                        f"the PDF yields more than {limits.max_text_chars:,} characters of text by "
                        f"page {len(pages)} of {n_pages} (the limit, RAG_PDF_MAX_TEXT_CHARS); split "
                        "it into parts")
            meta_title = (reader.metadata.title if reader.metadata else None) or ""
        except PdfRefused:
            raise
        except LimitReachedError as e:  # also raised for loops in the file's structure
            if "decompress" not in str(e).lower():
                raise PdfRefused(f"the PDF goes past a safety limit of the reader ({e})") from e
            raise PdfRefused(too_big) from e
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
            raise PdfRefused(f"the PDF is damaged and cannot be read ({type(e).__name__})") from e
    if not pages:
        raise PdfRefused("the PDF has no pages")
    return PdfText(pages, str(meta_title))


def _page_text(page) -> str:
    from pypdf.errors import LimitReachedError

    try:
        return page.extract_text() or ""
    except LimitReachedError:  # a bomb, not a bad page: refuse the file
        raise
    except Exception:  # one bad page should not lose the others
        return ""
