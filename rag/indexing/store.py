"""The Chroma seam: one embedded or server-backed store of passages and a document ledger.

``open_client`` (``rag.indexing.chroma_client``) is the only place a Chroma client is made:
``PersistentClient`` on a local folder by default, ``HttpClient`` when ``chroma_host`` is set
(a `chroma run` server, or a hosted one with a token). Everything else talks to a
``ChunkStore``.

A ``ChunkStore`` holds two collections:

- ``<name>``: one record per passage, id = content hash, with its vector, text and
  provenance in metadata;
- ``<name>-ledger``: one record per document (hash, title, source, passage count, state,
  time), which is how ingest knows what is indexed, what changed and what was interrupted.
  Chroma needs a vector for every record, so ledger records carry a constant 1-d vector.

Chroma's own embedding function is never used (``embedding_function=None``): vectors are
always computed by ``rag.embeddings`` and passed in, so nothing is downloaded.

Left out: multi-tenant auth schemes beyond a bearer token.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from rag.indexing.chroma_client import StoreError, is_read_only_failure, not_writable
from rag.schema import Chunk

_PAGE = 2000  # records per page when reading a whole collection
_REVISION = "__revision__"  # ledger record whose value changes with every write


@dataclass(frozen=True)
class LedgerEntry:
    doc_id: str
    content_hash: str
    title: str
    source: str
    chunks: int
    state: str  # "indexing" while passages are written, "done" after
    indexed_at: float
    fingerprint: str  # chunking + model settings the passages were made with


def _chunk_metadata(c: Chunk) -> dict:
    meta = {
        "doc_id": c.doc_id,
        "title": c.title,
        "location": c.location,
        "section": c.section,
        "start": c.start,
        "end": c.end,
        "source_start": c.source_start,
        "source_end": c.source_end,
        "ordinal": c.ordinal,
        "doc_hash": c.doc_hash,
    }
    if c.page is not None:
        meta["page"] = c.page
    if c.kind:
        meta["kind"] = c.kind
    return meta


def _chunk_from(cid: str, text: str, m: dict) -> Chunk:
    return Chunk(
        chunk_id=cid,
        doc_id=m["doc_id"],
        title=m.get("title", ""),
        location=m.get("location", ""),
        text=text,
        start=int(m.get("start", 0)),
        end=int(m.get("end", 0)),
        source_start=int(m.get("source_start", 0)),
        source_end=int(m.get("source_end", 0)),
        ordinal=int(m.get("ordinal", 0)),
        page=m.get("page"),
        section=m.get("section", ""),
        doc_hash=m.get("doc_hash", ""),
        kind=m.get("kind", ""),
    )


class ChunkStore:
    """Passages and the document ledger in Chroma."""

    def __init__(self, client, name: str, model_id: str, dimension: int):
        self.client = client
        self.name = name
        self.model_id = model_id
        try:
            self.passages = client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_model": model_id, "dimension": dimension},
            )
            self.ledger = client.get_or_create_collection(f"{name}-ledger", embedding_function=None)
        except Exception as e:
            if is_read_only_failure(e):
                raise not_writable(f"collection {name!r}", e) from None
            raise StoreError(f"Cannot open the index collection {name!r}: {e}") from e
        built_with = (self.passages.metadata or {}).get("embedding_model")
        if built_with and built_with != model_id:
            raise StoreError(
                f"The index {name!r} was built with the embedding model {built_with!r}, but "
                f"{model_id!r} is configured. Rebuild it with `python -m rag ingest --rebuild` "
                "or use another store (--store / RAG_STORE_DIR)."
            )

    # --- passages --------------------------------------------------------------------------

    def add(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self.passages.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=np.asarray(vectors, dtype=np.float32),
            documents=[c.text for c in chunks],
            metadatas=[_chunk_metadata(c) for c in chunks],
        )

    def delete_document(self, doc_id: str) -> None:
        self.passages.delete(where={"doc_id": doc_id})

    def count(self) -> int:
        return self.passages.count()

    def query(self, vector: np.ndarray, k: int, exclude_kind: str | None = None,
              total: int | None = None) -> list[tuple[Chunk, float]]:
        """Nearest passages with their cosine similarity, best first (optionally leaving out
        passages of one document kind, e.g. the glossary). ``total``: the passage count, when
        the caller knows it (counting costs a store call per query)."""
        total = self.count() if total is None else total
        if min(k, total) == 0:
            return []
        if exclude_kind:
            # A metadata filter makes Chroma's query about 4x slower (28 ms against 7 ms at
            # 6,390 passages), so ask for twice as many unfiltered and drop that kind here;
            # only when too few are left is the filtered query run.
            hits = self._query(vector, min(2 * k, total))
            kept = [h for h in hits if h[0].kind != exclude_kind]
            if len(kept) >= k or len(hits) == total:
                return kept[:k]
        return self._query(vector, min(k, total), {"kind": {"$ne": exclude_kind}} if exclude_kind else None)

    def nearest(self, vector: np.ndarray, n: int, exclude_kind: str | None = None) -> list[tuple[str, float]]:
        """The ids of the ``n`` nearest passages with their cosine similarity, best first
        (optionally leaving out one kind, by a metadata filter). Reading the passages' texts
        is most of a query's cost, so a caller that keeps passages (``rag.search.passage_cache``)
        asks for ids alone."""
        if n <= 0:
            return []
        r = self.passages.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=n,
            where={"kind": {"$ne": exclude_kind}} if exclude_kind else None,
            include=["distances"],
        )
        return [(i, 1.0 - float(dist)) for i, dist in zip(r["ids"][0], r["distances"][0])]

    def _query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        r = self.passages.query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (_chunk_from(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(r["ids"][0], r["documents"][0], r["metadatas"][0], r["distances"][0])
        ]

    def get(self, ids: list[str], with_vectors: bool = False) -> tuple[list[Chunk], np.ndarray | None]:
        if not ids:
            return [], None
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        r = self.passages.get(ids=list(ids), include=include)
        order = {cid: i for i, cid in enumerate(r["ids"])}
        pos = [order[i] for i in ids if i in order]
        chunks = [_chunk_from(r["ids"][p], r["documents"][p], r["metadatas"][p]) for p in pos]
        vecs = np.asarray(r["embeddings"], dtype=np.float32)[pos] if with_vectors else None
        return chunks, vecs

    def iter_chunks(self, doc_id: str | None = None, kind: str | None = None) -> Iterator[Chunk]:
        """Every passage (or one document's, or one kind's), read in pages."""
        where = {"doc_id": doc_id} if doc_id else {"kind": kind} if kind else None
        offset = 0
        while True:
            r = self.passages.get(where=where, include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            for cid, text, meta in zip(r["ids"], r["documents"], r["metadatas"]):
                yield _chunk_from(cid, text, meta)
            if len(r["ids"]) < _PAGE:
                return
            offset += _PAGE

    def chunk_ids_by_document(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        offset = 0
        while True:
            r = self.passages.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for cid, meta in zip(r["ids"], r["metadatas"]):
                out.setdefault(meta["doc_id"], set()).add(cid)
            if len(r["ids"]) < _PAGE:
                return out
            offset += _PAGE

    # --- ledger ----------------------------------------------------------------------------

    def ledger_entries(self) -> dict[str, LedgerEntry]:
        out: dict[str, LedgerEntry] = {}
        offset = 0
        while True:
            r = self.ledger.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for doc_id, m in zip(r["ids"], r["metadatas"]):
                if doc_id == _REVISION:
                    continue
                out[doc_id] = LedgerEntry(
                    doc_id=doc_id,
                    content_hash=m.get("content_hash", ""),
                    title=m.get("title", ""),
                    source=m.get("source", ""),
                    chunks=int(m.get("chunks", 0)),
                    state=m.get("state", ""),
                    indexed_at=float(m.get("indexed_at", 0.0)),
                    fingerprint=m.get("fingerprint", ""),
                )
            if len(r["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def record(self, entries: list[LedgerEntry]) -> None:
        if not entries:
            return
        self.ledger.upsert(
            ids=[e.doc_id for e in entries],
            embeddings=np.ones((len(entries), 1), dtype=np.float32),
            metadatas=[
                {
                    "content_hash": e.content_hash,
                    "title": e.title,
                    "source": e.source,
                    "chunks": e.chunks,
                    "state": e.state,
                    "indexed_at": e.indexed_at or time.time(),
                    "fingerprint": e.fingerprint,
                }
                for e in entries
            ],
        )

    def rename(self, doc_id: str, title: str) -> None:
        """Give a document another title, in the ledger and on every passage, without
        embedding anything again (with ``embed_titles`` on, its vectors keep the old title
        until the file changes or ``ingest --rebuild``). A later change of the file brings the
        loader's title back."""
        entry = self.ledger_entries().get(doc_id)
        if entry is None:
            raise KeyError(doc_id)
        r = self.passages.get(where={"doc_id": doc_id}, include=["metadatas"])
        if r["ids"]:
            self.passages.update(ids=r["ids"], metadatas=[{**m, "title": title} for m in r["metadatas"]])
        self.record([replace(entry, title=title)])
        self.bump_revision()

    def forget(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self.ledger.delete(ids=list(doc_ids))

    def revision(self) -> str:
        """Changes whenever the indexed content changes (one cheap read): derived data such
        as the lexical index is keyed by it, in this process and in any other."""
        r = self.ledger.get(ids=[_REVISION], include=["metadatas"])
        return r["metadatas"][0].get("rev", "") if r["ids"] else "empty"

    def bump_revision(self) -> None:
        self.ledger.upsert(ids=[_REVISION], embeddings=np.ones((1, 1), dtype=np.float32),
                           metadatas=[{"rev": uuid.uuid4().hex, "at": time.time()}])

    def drop(self) -> None:
        """Delete both collections (used by --rebuild)."""
        for name in (self.name, f"{self.name}-ledger"):
            try:
                self.client.delete_collection(name)
            except Exception:  # already gone
                pass
