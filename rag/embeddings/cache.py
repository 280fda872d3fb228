"""Recent sentence vectors, in front of an embedder that is loaded only when first needed.

Answering embeds the same sentences again and again (every candidate sentence of the
passages found, the glossary, the emergency descriptions), so a pipeline asks a
``CachingEmbedder`` rather than the model. It is called like a function, ``embed(texts)``,
and gives the model's vectors: a text's vector is the one the model gave it the first time,
kept by the exact text (no normalising: two texts differing by a space are two entries).

- Bounded: at most ``size`` vectors (least recently used go first; 20,000 vectors of 384
  floats are about 31 MB); ``size=0`` remembers nothing (a benchmark of the uncached cost).
- Thread-safe: Streamlit runs each session's script in a thread of its own. The lock covers
  the dictionary only, never the model; a text another thread is embedding right now is
  waited for rather than embedded twice (16 sessions asking about the same passages at once
  pay for them once).
- Kept vectors are read-only copies, so no caller can change what another one gets.

Left out: keeping vectors across processes (the index holds the passages' own vectors), and
a bound in bytes rather than in vectors (all vectors are the same size).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Sequence

import numpy as np

from .base import DIMENSION, Embedder

DEFAULT_SIZE = 20_000


class CachingEmbedder:
    """Remembers recent sentence vectors: answering re-embeds the same sentences often."""

    def __init__(self, load: Callable[[], Embedder], size: int = DEFAULT_SIZE):
        self._load = load
        self._model: Embedder | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pending: dict[str, threading.Event] = {}  # texts being embedded by some thread
        self._size = max(0, size)
        self._lock = threading.Lock()
        self.model_texts = 0  # texts handed to the model so far (a benchmark's count)

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

    def __len__(self) -> int:
        return len(self._cache)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        found, mine, theirs = self._look_up(dict.fromkeys(texts))
        if mine:
            found.update(self._embed(mine))
        for text, done in theirs:
            done.wait()
            with self._lock:
                vector = self._cache.get(text)
            # gone already (a small cache) or the other thread failed: ask again
            found[text] = vector if vector is not None else self([text])[0]
        return np.vstack([found[t] for t in texts])

    def _look_up(self, unique) -> tuple[dict, list[str], list[tuple[str, threading.Event]]]:
        """Vectors at hand; texts this call must embed (now marked pending); texts another
        thread is embedding, with the event it sets when done."""
        found, mine, theirs = {}, [], []
        with self._lock:
            for text in unique:
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    found[text] = vector
                elif text in self._pending:
                    theirs.append((text, self._pending[text]))
                else:
                    mine.append(text)
            if mine:
                done = threading.Event()
                for text in mine:
                    self._pending[text] = done
        return found, mine, theirs

    def _embed(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The model's vectors for ``texts``, kept; the texts' pending marks are cleared and
        their waiters woken whether the model succeeded or not."""
        model = self.loaded()
        vectors: dict[str, np.ndarray] = {}
        try:
            for text, vector in zip(texts, model.embed(texts)):
                vector = np.array(vector, dtype=np.float32)  # a copy of its own, not a view of the batch
                vector.flags.writeable = False
                vectors[text] = vector
        finally:
            with self._lock:
                self.model_texts += len(texts)
                events = {self._pending.pop(t, None) for t in texts} - {None}
                for text, vector in vectors.items():
                    if self._size:
                        self._cache[text] = vector
                        self._cache.move_to_end(text)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
            for event in events:
                event.set()
        return vectors
