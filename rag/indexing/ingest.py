"""Bring the index in line with a set of source files, incrementally and safely.

For each source: unchanged (same bytes, same chunking and model) is skipped without being
parsed; new or changed is (re)chunked, embedded and written; a file that fails to load is
reported and its previous version, if any, stays indexed; identical content under a second
name is reported as a duplicate and not indexed twice. Documents that were indexed from a
folder given to this run and are no longer in it are removed.

Crash safety: before a document's passages are touched its ledger entry is set to
``indexing``; it becomes ``done`` only after all of its passages are written. A run killed
halfway leaves ``indexing`` entries, which the next run treats as changed: their passages
are deleted and written again. Work is done in batches of documents, so finished batches
are never redone.

What it tells: the report (``IngestReport``) lists what was added, changed, removed,
repaired, refused and why, and the sentences of each added or changed document that the
chat will never quote (``rag.safety.flags``: a dose or stop/start instruction to the reader, an
instruction to the model), for an educator to look at.

Speed: a batch holds a few thousand passages, so the embedder's length bucketing (texts of
similar length run together, less padding) works across many documents, not one; a
passage text already embedded in this run, or already stored for the same document (an
edited file's unchanged passages), is never embedded again; and one background thread
writes a batch to the store while the next one is embedded (store calls are serialised by
a lock, and a run that fails or is interrupted waits for the write in flight, so the
ledger stays truthful).

Left out: finding the sources and loading each only when needed (``rag.indexing.sources``),
reading each format (``rag.indexing.loaders``) and cutting passages (``rag.indexing.chunking``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from rag.indexing.chunking import chunk_document, embedding_text
from rag.embeddings import shared_embedder
from rag.safety.flags import Flag, flagged_sentences
from rag.indexing.loaders import LoadError
from rag.indexing.sources import Pending, sources
from rag.schema import Document
from rag.indexing.store import ChunkStore, LedgerEntry

CHUNKER_VERSION = "4"  # bump when chunking or cleaning changes what passages look like

Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, same as)
    failed: list[LoadError] = field(default_factory=list)
    passages_written: int = 0
    passages_embedded: int = 0  # the rest reused a vector this run or the store already had
    seconds: float = 0.0
    # sentences of the added or changed documents the chat never quotes (rag.safety.flags), for an educator
    flagged: list[Flag] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.repaired)

    def to_json(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": len(self.unchanged),
            "removed": self.removed,
            "repaired": self.repaired,
            "duplicates": [{"doc_id": d, "same_as": s} for d, s in self.duplicates],
            "failed": [{"name": e.name, "reason": e.reason} for e in self.failed],
            "passages_written": self.passages_written,
            "passages_embedded": self.passages_embedded,
            "seconds": round(self.seconds, 2),
            "flagged": [f.to_json() for f in self.flagged],
        }


def fingerprint(chunk_size: int, chunk_overlap: int, model_id: str, titles: bool = False, passages: str = "") -> str:
    return (f"c{CHUNKER_VERSION}/{chunk_size}/{chunk_overlap}/{model_id}" + ("/titled" if titles else "")
            + (f"/passages:{passages}" if passages else ""))


def passage_embedder(settings, query_model: Callable, injected: bool = False) -> tuple[Callable, str]:
    """(factory of the embedder for passages, its tag for the fingerprint): the question
    embedder unless ``settings.ingest_backend`` names another backend (and no embedder was
    handed in, as tests do). int8 passages with fp32 questions: the index's vectors are
    the same model's, quantised for the bulk work (mean cosine 0.993 to fp32)."""
    backend = settings.ingest_backend or settings.embed_backend
    if injected or backend == settings.embed_backend:
        return query_model, ""
    return (lambda: shared_embedder(settings, backend)), backend


class Ingestor:
    """Writes documents into a ``ChunkStore``; the embedder is created only if needed."""

    def __init__(self, store: ChunkStore, embedder_factory: Callable, chunk_size: int,
                 chunk_overlap: int, batch_passages: int = 2048, titles: bool = False, passages: str = ""):
        self.store = store
        self._embedder_factory = embedder_factory
        self._embedder = None
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.batch_passages = batch_passages
        self.titles = titles  # the document title in what is embedded (settings.embed_titles)
        self.fingerprint = fingerprint(chunk_size, chunk_overlap, store.model_id, titles, passages)
        self._lock = threading.Lock()  # one store call at a time: the writer thread and this one
        self._vectors: dict[bytes, np.ndarray] = {}  # embedding text digest -> vector, this run
        self.embedded_texts = 0  # texts actually given to the model (the rest were reused)

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = self._embedder_factory()
        return self._embedder

    def run(self, paths: Iterable[Path], prune: bool = True, progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        ledger = self.store.ledger_entries()
        by_hash = {e.content_hash: e.doc_id for e in ledger.values() if e.state == "done"}
        seen: set[str] = set()
        roots: list[str] = []
        pending: list[Pending] = []

        items = []
        for item in sources([Path(p) for p in paths], report.failed, roots):
            if item.doc_id in seen:
                report.failed.append(LoadError(item.doc_id, "two sources have this same name; keep one"))
                continue
            seen.add(item.doc_id)
            items.append(item)

        def still_there(doc_id: str) -> bool:  # an indexed twin that this run will not prune
            entry = ledger.get(doc_id)
            return doc_id in seen or not (prune and entry and _under(entry.source, roots))

        for item in items:
            doc_id, digest = item.doc_id, item.content_hash
            old = ledger.get(doc_id)
            if old and old.content_hash == digest and old.state == "done" and old.fingerprint == self.fingerprint:
                report.unchanged.append(doc_id)
                continue
            twin = by_hash.get(digest)
            if twin and twin != doc_id and still_there(twin):
                report.duplicates.append((doc_id, twin))
                continue
            by_hash[digest] = doc_id
            pending.append(item)

        total = len(pending)
        batch: list[tuple[Document, LedgerEntry | None, list]] = []
        batch_size = 0
        with _Writer() as writer:
            written = None  # (documents done, last id) of the batch being written
            for i, item in enumerate(pending, 1):
                try:
                    doc = item.load()
                except LoadError as e:
                    report.failed.append(e)  # the old version, if any, stays indexed
                    continue
                chunks = chunk_document(doc, self.chunk_size, self.chunk_overlap)
                batch.append((doc, ledger.get(item.doc_id), chunks))
                batch_size += len(chunks)
                if batch_size >= self.batch_passages:
                    self._write(batch, report, writer)  # returns once the batch before is stored
                    batch, batch_size = [], 0
                    if progress and written:  # reported once documents are written, not merely read
                        progress(written[0], total, written[1])
                    written = (i, item.doc_id)
            self._write(batch, report, writer)
        if progress and total:
            progress(total, total, pending[-1].doc_id)

        report.passages_embedded = self.embedded_texts
        if prune:
            self._prune(ledger, seen, roots, report)
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, batch: list[tuple[Document, LedgerEntry | None, list]], report: IngestReport,
               writer: "_Writer") -> None:
        """Embed one batch here, and hand its store writes to the writer thread."""
        if not batch:
            return
        now = time.time()
        with self._lock:  # before anything else: a run killed from here on is repaired next time
            self.store.record([self._entry(doc, 0, "indexing", now) for doc, _, _ in batch])
        all_chunks = [c for _, _, chunks in batch for c in chunks]
        # stored vectors are reused only if made the same way (model, titles, passage backend)
        same = [c for doc, old, chunks in batch if old is not None and old.fingerprint == self.fingerprint for c in chunks]
        vectors = self._vectors_for(all_chunks, same)

        def store_batch() -> None:
            with self._lock:
                for doc, old, _ in batch:
                    if old is not None:
                        self.store.delete_document(doc.doc_id)
                self.store.add(all_chunks, vectors)
                self.store.record([self._entry(doc, len(chunks), "done", now) for doc, _, chunks in batch])
                self.store.bump_revision()

        writer.submit(store_batch)
        report.passages_written += len(all_chunks)
        for doc, _, chunks in batch:
            report.flagged.extend(flagged_sentences(doc.doc_id, chunks))
        for doc, old, _ in batch:
            if old is None:
                report.added.append(doc.doc_id)
            elif old.state != "done":
                report.repaired.append(doc.doc_id)
            else:
                report.updated.append(doc.doc_id)

    def _vectors_for(self, chunks: list, replaced: list) -> np.ndarray:
        """One vector per chunk, embedding only texts neither this run nor the store (the
        stored passages of a replaced document embedded with the same fingerprint: same id =
        same document and text) has."""
        texts = [embedding_text(c, self.titles) for c in chunks]
        keys = [_digest(t) for t in texts]
        if replaced:
            with self._lock:
                stored, vecs = self.store.get([c.chunk_id for c in replaced], with_vectors=True)
            for c, v in zip(stored, vecs if vecs is not None else []):
                self._vectors.setdefault(_digest(embedding_text(c, self.titles)), v)
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self._vectors))
        if todo:
            self.embedded_texts += len(todo)
            for t, v in zip(todo, self.embedder.embed(todo)):
                self._vectors[_digest(t)] = v
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32)

    def _entry(self, doc: Document, n: int, state: str, now: float) -> LedgerEntry:
        return LedgerEntry(doc.doc_id, doc.content_hash, doc.title, doc.source, n, state, now, self.fingerprint)

    def _prune(self, ledger: dict[str, LedgerEntry], seen: set[str], roots: list[str], report: IngestReport) -> None:
        gone = [e.doc_id for e in ledger.values() if e.doc_id not in seen and _under(e.source, roots)]
        for doc_id in gone:
            self.remove(doc_id)
            report.removed.append(doc_id)

    def remove(self, doc_id: str) -> None:
        """Take one document out of the index (passages first, then its ledger entry)."""
        self.store.delete_document(doc_id)
        self.store.forget([doc_id])
        self.store.bump_revision()


class _Writer:
    """One background thread writing batches in order, at most one in flight: ``submit``
    waits for the previous write (and raises its error) before handing over the next."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._last: Future | None = None

    def submit(self, fn: Callable[[], None]) -> None:
        self.wait()
        self._last = self._pool.submit(fn)

    def wait(self) -> None:
        last, self._last = self._last, None
        if last is not None:
            last.result()

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, kind, error, tb) -> None:
        try:
            self.wait()  # also after a failure: the ledger must say what was written
        except Exception:
            if kind is None:
                raise
        finally:
            self._pool.shutdown(wait=True)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _under(source: str, roots: list[str]) -> bool:
    return any(source.startswith(r) for r in roots)
