"""The pipeline's cache of sentence vectors (``rag.embeddings.cache``): a kept vector is the
one the model gave for that exact text, the bound holds (least recently used go first),
distinct texts never share a vector, and sessions asking at once in threads each get their
own vectors with every text embedded once (the same with the real ONNX model is in
tests/test_onnx_embedder.py)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from rag.embeddings import DIMENSION, CachingEmbedder
from rag.pipeline import Pipeline
from tests.conftest import FakeEmbedder, make_settings


class Numbered:
    """A model that gives every text it is handed a vector of its own: the n-th text ever
    embedded gets the n-th unit vector (so a vector says which call made it)."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False):
        self.texts: list[str] = []
        self.delay_s, self.fail = delay_s, fail
        self._lock = threading.Lock()

    def embed(self, texts):
        time.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("model failed")
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        with self._lock:
            for row, text in enumerate(texts):
                out[row, len(self.texts) % DIMENSION] = 1.0
                self.texts.append(text)
        return out


def test_a_kept_vector_is_the_one_the_model_gave_for_that_text():
    fake = FakeEmbedder()
    cache = CachingEmbedder(lambda: fake)
    texts = ["Wear warm gloves.", "Raynaud's attacks last minutes.", "Stop smoking."]
    first = cache(texts)
    again = cache(texts[::-1] + texts[:1])
    assert fake.calls == 3  # the second call used no model
    assert np.array_equal(first, FakeEmbedder().embed(texts))  # what the model alone gives
    assert np.array_equal(again[:3], first[::-1]) and np.array_equal(again[3], first[0])
    assert again.dtype == np.float32 and cache([]).shape == (0, DIMENSION)


def test_distinct_texts_never_share_a_vector_however_alike():
    model = Numbered()
    cache = CachingEmbedder(lambda: model)
    texts = ["Hands are stiff", "hands are stiff", "Hands are stiff ", "Hands are stiff.", "Hands  are stiff", ""]
    vectors = cache(texts + texts[:2])  # repeated texts in one call are embedded once
    assert model.texts == texts
    assert len({v.argmax() for v in vectors[:len(texts)]}) == len(texts)
    shuffled = [texts[i] for i in (3, 0, 5, 1, 4, 2)]
    assert all(np.array_equal(cache([t])[0], vectors[texts.index(t)]) for t in shuffled)
    assert len(model.texts) == len(texts)


def test_the_bound_holds_and_the_least_recently_used_go_first():
    model = Numbered()
    cache = CachingEmbedder(lambda: model, size=3)
    cache(["a", "b", "c"])
    cache(["a"])  # used again: now the most recent
    cache(["d", "e"])  # pushes out b and c, not a
    assert len(cache) == 3
    cache(["a", "d", "e"])
    assert model.texts == ["a", "b", "c", "d", "e"]
    cache(["b"])
    assert model.texts[-1] == "b" and len(cache) == 3
    many = CachingEmbedder(lambda: model, size=100)
    many([f"sentence {i}" for i in range(1000)])
    assert len(many) == 100


def test_a_size_of_zero_keeps_nothing_and_still_answers():
    model = Numbered()
    cache = CachingEmbedder(lambda: model, size=0)
    v1, v2 = cache(["a", "a"]), cache(["a"])
    assert np.array_equal(v1[0], v1[1]) and len(cache) == 0 and model.texts == ["a", "a"]
    assert v2[0].argmax() == 1


def test_kept_vectors_cannot_be_changed_by_a_caller():
    cache = CachingEmbedder(FakeEmbedder)
    out = cache(["gloves"])
    out[0, :] = 0  # the caller's own copy
    assert np.linalg.norm(cache(["gloves"])[0]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        cache._cache["gloves"][0] = 5.0


def test_sessions_asking_at_once_get_their_own_vectors_and_each_text_is_embedded_once():
    model = Numbered(delay_s=0.05)
    cache = CachingEmbedder(lambda: model)
    asks = [[f"shared {i % 4}", f"own {s} {i}"] * 2 for s in range(16) for i in range(3)]
    results: dict[int, np.ndarray] = {}
    start = threading.Barrier(len(asks))

    def ask(k: int) -> None:
        start.wait()
        results[k] = cache(asks[k])

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(asks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    unique = {t for texts in asks for t in texts}
    assert len(results) == len(asks) and sorted(model.texts) == sorted(unique)  # none twice
    for k, texts in enumerate(asks):
        for text, vector in zip(texts, results[k]):
            assert vector.argmax() == model.texts.index(text) % DIMENSION


def test_a_failing_model_wakes_the_sessions_waiting_on_it_and_the_next_call_tries_again():
    model = Numbered(delay_s=0.2, fail=True)
    cache = CachingEmbedder(lambda: model)
    errors: list[str] = []

    def ask() -> None:
        try:
            cache(["itchy skin"])
        except RuntimeError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads) and errors == ["model failed"] * 3
    model.fail = False
    assert cache(["itchy skin"]).shape == (1, DIMENSION) and model.texts == ["itchy skin"]


def test_the_pipeline_takes_its_bound_from_the_settings(tmp_path):
    settings = make_settings(tmp_path, embed_cache_size=7)
    pipeline = Pipeline(settings, embedder=FakeEmbedder())
    pipeline.embed([f"text {i}" for i in range(20)])
    assert len(pipeline.embed) == 7
