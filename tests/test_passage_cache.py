"""The passages a retriever keeps: read from the store once, bounded, never changed by a caller."""

import numpy as np
import pytest

from rag.schema import Chunk
from rag.search.passage_cache import PassageCache


def chunk(cid: str) -> Chunk:
    return Chunk(chunk_id=cid, doc_id="d", title="T", location="", text=f"text of {cid}", start=0, end=1,
                 source_start=0, source_end=1, ordinal=0)


class Store:
    """Counts what is read, like ``ChunkStore.get``."""

    def __init__(self, ids):
        self.ids, self.reads = list(ids), []

    def get(self, ids, with_vectors=False):
        self.reads.append((list(ids), with_vectors))
        known = [i for i in ids if i in self.ids]
        vecs = np.ones((len(known), 3), dtype=np.float32) * [[self.ids.index(i)] for i in known] if with_vectors else None
        return [chunk(i) for i in known], vecs


def test_a_passage_is_read_from_the_store_once_then_kept():
    store = Store("abc")
    cache = PassageCache(store.get, size=10)
    assert [c.chunk_id for c, _ in cache.get(["b", "a"])] == ["b", "a"]
    assert [c.chunk_id for c, _ in cache.get(["a", "c", "b"])] == ["a", "c", "b"]
    assert store.reads == [(["b", "a"], False), (["c"], False)]


def test_unknown_ids_are_left_out_and_the_order_asked_is_kept():
    cache = PassageCache(Store("ab").get)
    assert [c.chunk_id for c, _ in cache.get(["zz", "b", "a", "b"])] == ["b", "a", "b"]


def test_a_vector_asked_for_is_read_when_only_the_text_was_kept():
    store = Store("ab")
    cache = PassageCache(store.get)
    cache.get(["b"])
    (got, vector), = cache.get(["b"], with_vectors=True)
    assert got.chunk_id == "b" and vector.tolist() == [1.0, 1.0, 1.0]
    assert store.reads[-1] == (["b"], True)
    cache.get(["b"], with_vectors=True)
    assert len(store.reads) == 2  # kept with its vector now


def test_a_kept_vector_cannot_be_changed_by_a_caller():
    cache = PassageCache(Store("ab").get)
    (_, vector), = cache.get(["a"], with_vectors=True)
    with pytest.raises(ValueError):
        vector[0] = 5.0


def test_the_least_recently_used_passage_goes_first_when_full():
    store = Store("abc")
    cache = PassageCache(store.get, size=2)
    cache.get(["a"]), cache.get(["b"]), cache.get(["a"]), cache.get(["c"])
    assert len(cache) == 2
    cache.get(["a"])  # still kept: used after b
    assert store.reads[-1] == (["c"], False)
    cache.get(["b"])
    assert store.reads[-1] == (["b"], False)


def test_size_zero_keeps_nothing():
    store = Store("a")
    cache = PassageCache(store.get, size=0)
    cache.get(["a"]), cache.get(["a"])
    assert len(cache) == 0 and len(store.reads) == 2
