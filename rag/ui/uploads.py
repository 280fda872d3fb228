"""The educator's document actions: add an uploaded file, remove a document, re-index.

An upload is checked completely before anything is written: its name, type and size, that
it parses (``rag.indexing.loaders.load_bytes``, the same code the index uses) and that its content is
not already indexed under another name. Only then is it saved into the corpus folder
(written under a hidden name and renamed, so a half-written file is never indexed) and that
one file indexed. If indexing fails anyway, the folder is put back as it was. No Streamlit
here: the Documents page draws the widgets and shows the messages these functions return.
The messages are plain text holding file names and document titles as they came (a title
may be "![x](http://...)"): the page shows them with ``render.as_text``, never as Markdown.

An added document's sentences that the chat will never quote (a dose or a stop/start
instruction to the reader, an instruction to the model: ``rag.safety.flags``) come back with it
(``Added.flagged``, ``flag_lines``) so the page shows them to the educator.

Left out on purpose: uploads into sub-folders, and formats the loaders don't read.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rag.embeddings import EmbedderUnavailable
from rag.indexing.chroma_client import StoreError

from rag.safety.flags import Flag
from rag.indexing.ingest import IngestReport, Progress
from rag.indexing.loaders import LoadError, content_hash, load_bytes
from rag.pipeline import Pipeline
from rag.indexing.suggestions import store_starters, stored_starters

UPLOAD_TYPES = ("pdf", "txt", "md")
_UNSAFE = re.compile(r"[^\w .()-]+")
# How a held or read-only index fails a change: the store's own errors, or those of the
# database under it (Chroma's SQLite says "attempt to write a readonly database").
INDEX_FAILURES = (StoreError, EmbedderUnavailable, sqlite3.Error, OSError)
log = logging.getLogger("rag.ui.uploads")


class UploadRefused(ValueError):
    """Why a file was not added, in words an educator can act on."""


class UploadCancelled(Exception):
    """The educator cancelled before the file was written: nothing changed."""


def not_changed(what: str, e: Exception) -> str:
    """What an educator is told when the index refused a change (the rest goes to the log)."""
    log.error("%s failed", what, exc_info=e)
    return (f"{what} failed: the index can't be changed right now ({e}). Another process may "
            "hold it, or its folder may be read-only; ask whoever runs the app, then try again.")


@dataclass(frozen=True)
class Added:
    doc_id: str
    title: str
    passages: int
    replaced: bool
    flagged: tuple[Flag, ...] = ()  # its sentences the chat never quotes (rag.safety.flags)


def safe_name(name: str) -> str:
    """The uploaded file's name as it is saved: no folders, no odd characters."""
    base = Path(name.replace("\\", "/")).name.strip()
    return _UNSAFE.sub("-", base).strip()


def check_upload(name: str, data: bytes, pipeline: Pipeline, max_bytes: int,
                 replace: bool = False) -> str:
    """The name to save the file under, or ``UploadRefused`` with the reason."""
    filename = safe_name(name)
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        raise UploadRefused(f"“{name}” is a .{suffix or '(no extension)'} file; the collection takes "
                            + ", ".join(f".{t}" for t in UPLOAD_TYPES) + " files.")
    if not Path(filename).stem or filename.startswith((".", "_")):
        raise UploadRefused(f"“{name}” needs a name that does not start with a dot or underscore.")
    if len(data) > max_bytes:
        raise UploadRefused(f"“{name}” is {len(data) / 1e6:.1f} MB; the limit is "
                            f"{max_bytes / 1e6:.0f} MB.")
    try:
        load_bytes(data, filename)
    except LoadError as e:
        raise UploadRefused(f"“{name}” cannot be used: {e.reason}.") from e
    digest = content_hash(data)
    entries = pipeline.store.ledger_entries()
    for entry in entries.values():
        if entry.content_hash == digest and entry.doc_id != filename:
            raise UploadRefused(f"“{name}” has the same content as “{entry.doc_id}”, "
                                "which is already in the collection.")
    exists = (Path(pipeline.settings.corpus_dir) / filename).exists() or filename in entries
    if exists and not replace:
        raise UploadRefused(f"A document named “{filename}” is already in the collection. "
                            "Tick “Replace a document with the same name” to update it.")
    return filename


def add_upload(pipeline: Pipeline, name: str, data: bytes, max_bytes: int,
               replace: bool = False, progress: Progress | None = None,
               should_stop: Callable[[], bool] = lambda: False) -> Added:
    """Check, save into the corpus folder and index one uploaded file. ``should_stop`` is
    asked once the check is done, before anything is written (``UploadCancelled``)."""
    filename = check_upload(name, data, pipeline, max_bytes, replace)
    if should_stop():
        raise UploadCancelled(name)
    folder = Path(pipeline.settings.corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    previous = target.read_bytes() if target.exists() else None
    temporary = folder / f".upload-{uuid.uuid4().hex}"
    temporary.write_bytes(data)
    os.replace(temporary, target)
    try:
        report = pipeline.ingest([target], prune=False, progress=progress)
    except BaseException:
        _restore(target, previous)
        raise
    if report.failed or report.duplicates:
        _restore(target, previous)
        raise UploadRefused(_failure(filename, report))
    entry = pipeline.store.ledger_entries().get(filename)
    return Added(filename, entry.title if entry else filename, entry.chunks if entry else 0,
                 replaced=previous is not None, flagged=tuple(report.flagged))


def _restore(target: Path, previous: bytes | None) -> None:
    if previous is None:
        target.unlink(missing_ok=True)
    else:
        target.write_bytes(previous)


def _failure(filename: str, report: IngestReport) -> str:
    if report.failed:
        return f"“{filename}” could not be indexed: {report.failed[0].reason}."
    return f"“{filename}” has the same content as “{report.duplicates[0][1]}”."


def remove_document(pipeline: Pipeline, doc_id: str) -> str:
    """Take a document out of the index, and its file out of the corpus folder when it is
    there (otherwise the next re-index would bring it back). Returns what was done."""
    entry = pipeline.store.ledger_entries().get(doc_id)
    if entry is None:
        raise UploadRefused(f"“{doc_id}” is not in the collection (already removed?).")
    folder = Path(pipeline.settings.corpus_dir).resolve()
    source = Path(entry.source) if entry.source else None
    in_folder = source is not None and source.resolve().is_relative_to(folder)
    if in_folder:
        source.unlink(missing_ok=True)
    pipeline.remove(doc_id)
    if in_folder or source is None:
        return f"Removed “{entry.title}” ({doc_id}) from the collection and the corpus folder."
    return (f"Removed “{entry.title}” ({doc_id}) from the index. Its file is outside the corpus "
            f"folder ({entry.source}) and was left in place.")


def reindex(pipeline: Pipeline, progress: Progress | None = None) -> IngestReport:
    """Bring the index in line with the corpus folder (changed files, new and removed ones)."""
    return pipeline.ingest(progress=progress)


def refresh_starters(pipeline: Pipeline) -> list[str]:
    """The chat's suggested questions for the collection as it is now: worked out and kept
    (``rag.indexing.suggestions.store_starters``) unless they already are, so the chat never works
    them out on a page view."""
    kept, _ = stored_starters(pipeline)
    return kept if kept is not None else store_starters(pipeline)


def report_lines(report: IngestReport) -> list[str]:
    """An ingest report in short sentences for the page."""
    lines = []
    for label, items in (("Added", report.added), ("Updated", report.updated),
                         ("Removed", report.removed), ("Repaired", report.repaired)):
        if items:
            lines.append(f"{label}: {', '.join(items)}.")
    for doc_id, twin in report.duplicates:
        lines.append(f"Not indexed: {doc_id} has the same content as {twin}.")
    for e in report.failed:
        lines.append(f"Not indexed: {e.name}: {e.reason}.")
    if report.unchanged:
        lines.append(f"{len(report.unchanged)} document(s) unchanged.")
    return lines or ["Nothing to do: the index matches the corpus folder."]


def flag_lines(flags: list[Flag] | tuple[Flag, ...]) -> list[str]:
    """The sentences the chat will never quote, one line each, for the educator to check:
    a document that tells patients what to do with their medicines, or tells the chat what to
    do, may need fixing at its source."""
    return [f"Check {f.doc_id}: the chat will never quote {f.describe()}." for f in flags]
