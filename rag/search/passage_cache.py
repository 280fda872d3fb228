"""Recently retrieved passages, by chunk id, so a search reads from the store only what it has not seen.

Reading a passage's text and metadata is most of what a store query costs (Chroma, 135
passages: 30 nearest with their texts 4.9 ms, their ids and distances alone 1.3 ms), and the
same passages come back question after question. So dense search asks the store for ids and
distances only (``ChunkStore.nearest``) and takes the passages from here; what is missing is
read in one ``get``. A BM25-only candidate also needs its stored vector, kept beside it.

- Valid for one index revision: the retriever that owns it is rebuilt when the revision
  moves, and a new cache with it (a renamed document's title is never served stale).
- Bounded: at most ``size`` passages, least recently used dropped first; ``size=0`` keeps
  none (every search reads every passage, as before).
- Thread-safe: sessions search at the same time. The lock covers the dictionary, never the
  store read; two sessions missing the same passage at once may both read it.

Left out: keeping passages across processes or revisions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Sequence

import numpy as np

from rag.schema import Chunk

Fetch = Callable[[list[str], bool], tuple[list[Chunk], "np.ndarray | None"]]


class PassageCache:
    """Chunks (and, once read, their stored vectors) by chunk id, in front of ``fetch``
    (``PassageIndex.get``)."""

    def __init__(self, fetch: Fetch, size: int = 4096):
        self._fetch = fetch
        self._size = size
        self._kept: OrderedDict[str, tuple[Chunk, np.ndarray | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, ids: Sequence[str], with_vectors: bool = False) -> list[tuple[Chunk, np.ndarray | None]]:
        """The passages of ``ids`` that exist, in the order asked, each with its vector when
        ``with_vectors`` (else the vector if already kept, or None)."""
        found: dict[str, tuple[Chunk, np.ndarray | None]] = {}
        with self._lock:
            for cid in ids:
                entry = self._kept.get(cid)
                if entry is not None and (entry[1] is not None or not with_vectors):
                    self._kept.move_to_end(cid)
                    found[cid] = entry
        missing = [cid for cid in dict.fromkeys(ids) if cid not in found]
        if missing:
            chunks, vectors = self._fetch(missing, with_vectors)
            read = {c.chunk_id: (c, None if vectors is None else _read_only(vectors[i])) for i, c in enumerate(chunks)}
            found.update(read)
            self._keep(read)
        return [found[cid] for cid in ids if cid in found]

    def _keep(self, read: dict[str, tuple[Chunk, np.ndarray | None]]) -> None:
        if not self._size:
            return
        with self._lock:
            for cid, entry in read.items():
                self._kept[cid] = entry
                self._kept.move_to_end(cid)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


def _read_only(vector: np.ndarray) -> np.ndarray:
    """A kept vector no caller can change under another one."""
    kept = np.array(vector, dtype=np.float32)
    kept.flags.writeable = False
    return kept
