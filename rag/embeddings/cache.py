"""Recent sentence vectors, in front of an embedder that is loaded only when first needed.

Answering embeds the same sentences again and again (the passages' sentences, the glossary,
the emergency descriptions), so a pipeline asks a ``CachingEmbedder`` rather than the model.
It is called like a function, ``embed(texts)``, and gives the same vectors as the model.

Left out: keeping vectors across processes (the index holds the passages' own vectors).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Sequence

import numpy as np

from .base import DIMENSION, Embedder


class CachingEmbedder:
    """Remembers recent sentence vectors: answering re-embeds the same sentences often."""

    def __init__(self, load: Callable[[], Embedder], size: int = 20_000):
        self._load = load
        self._model: Embedder | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def loaded(self) -> Embedder:
        """The embedder itself (loaded now if it was not yet), for work not worth caching
        such as embedding every passage of an ingest."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def forget(self) -> None:
        """Drop every remembered vector (a benchmark of the uncached cost)."""
        with self._lock:
            self._cache.clear()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = self.loaded().embed(missing)
            with self._lock:
                for t, v in zip(missing, vecs):
                    self._cache[t] = v
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                v = self._cache.get(t)
                if v is None:  # evicted by a concurrent call: compute it again
                    v = self._model.embed([t])[0]
                out.append(v)
        return np.vstack(out) if out else np.zeros((0, DIMENSION), dtype=np.float32)
