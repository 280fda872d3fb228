"""The sources an ingest run is given, each as a ``Pending`` item: its id and content hash
at once, its ``Document`` only when it is (re)indexed, so an unchanged file is never parsed.

Files and folders are found by ``rag.indexing.loaders.discover``; a file's hash is taken from
its bytes (one over the size limit is refused before it is read). A JSON-lines file gives one
source per record, of which only the id and hash are kept: the records to index are read
again, in one forward pass over the file. Each folder or JSON-lines file given is noted as a
root, under which the run may prune what is gone; what cannot be read is added to ``failed``.

Left out: deciding what is unchanged, a duplicate or gone, and embedding and writing
(``rag.indexing.ingest``); reading each format (``rag.indexing.loaders``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from rag.indexing.loaders import LoadError, SourceFile, content_hash, discover, iter_jsonl_documents, load_file, read_source
from rag.schema import Document


@dataclass(frozen=True)
class Pending:
    """A source that needs (re)indexing, loaded lazily so unchanged files are never parsed."""

    doc_id: str
    content_hash: str
    load: Callable[[], Document]


def sources(paths: list[Path], failed: list[LoadError], roots: list[str]) -> Iterator[Pending]:
    files: list[SourceFile] = []
    for p in paths:
        if p.is_file() and p.suffix.lower() == ".jsonl":
            roots.append(f"{p.resolve()}#")
            yield from _jsonl(p, failed)
            continue
        if p.is_dir():
            roots.append(f"{p.resolve()}/")
        found, problems = discover([p])
        files.extend(found)
        failed.extend(problems)
    for src in files:
        try:
            digest = content_hash(read_source(src))  # too large: refused before reading
        except LoadError as e:
            failed.append(e)
            continue
        yield Pending(src.doc_id, digest, lambda src=src: _with_source(load_file(src), src))


def _jsonl(path: Path, failed: list[LoadError]) -> Iterator[Pending]:
    reader = _ForwardReader(path)
    for item in iter_jsonl_documents(path):
        if isinstance(item, LoadError):
            failed.append(item)
        else:  # only the id and hash are kept: the text is read again when indexed
            yield Pending(item.doc_id, item.content_hash, lambda d=item.doc_id: reader.load(d))


class _ForwardReader:
    """Loads documents of a JSON-lines file by id, reading it again from the top once.

    Documents are indexed in file order, so one forward pass finds each in turn; holding
    every parsed document (with its per-character offsets) until it is indexed would take
    gigabytes for tens of thousands of documents."""

    def __init__(self, path: Path):
        self.path = path
        self._items: Iterator | None = None

    def load(self, doc_id: str) -> Document:
        if self._items is None:
            self._items = iter_jsonl_documents(self.path)
        for item in self._items:
            if not isinstance(item, LoadError) and item.doc_id == doc_id:
                return _replace_source(item, f"{self.path.resolve()}#{doc_id}")
        raise LoadError(doc_id, f"no longer in {self.path.name} (was it changed during ingest?)")


def _with_source(doc: Document, src: SourceFile) -> Document:
    return _replace_source(doc, str(src.path.resolve()))


def _replace_source(doc: Document, source: str) -> Document:
    from dataclasses import replace

    return replace(doc, source=source)
