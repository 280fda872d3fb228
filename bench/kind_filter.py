"""``python -m bench.kind_filter [--passages N] [--reference N] [--queries N]``: what keeping one
kind of passage (the glossary) out of dense search costs, two ways, in one run.

``ChunkStore.query(..., exclude_kind=...)`` asks Chroma for twice as many passages without a
filter and drops that kind in Python, running Chroma's ``where kind != ...`` query only when
too few are left. This prints the p50/p95 of that path beside the filtered query alone and
an unfiltered query, over the same random unit vectors in a temporary embedded Chroma (no
model involved: only the store's cost is measured), and how often the fallback ran.

Left out: HNSW recall (both paths search the same index), and a Chroma server.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.schema import Chunk
from rag.indexing.chroma_client import open_client
from rag.indexing.store import ChunkStore
from rag.settings import Settings

DIM = 384


def _chunks(n: int, reference: int) -> list[Chunk]:
    return [Chunk(chunk_id=f"c{i}", doc_id=f"d{i // 3}", title="t", location="", text=f"passage {i}",
                  start=0, end=1, source_start=0, source_end=1, ordinal=i % 3,
                  kind="glossary" if i < reference else "") for i in range(n)]


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _times(fn, queries: np.ndarray) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.kind_filter")
    ap.add_argument("--passages", type=int, default=6390)
    ap.add_argument("--reference", type=int, default=111, help="passages of the excluded kind")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--k", type=int, default=30)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = ChunkStore(open_client(Settings(store_dir=Path(tmp))), "bench", "random:fp32", DIM)
        chunks = _chunks(args.passages, args.reference)
        vectors = _unit(rng, len(chunks))
        for i in range(0, len(chunks), 1000):
            store.add(chunks[i:i + 1000], vectors[i:i + 1000])
        # Queries near a glossary passage too, so the fallback is exercised as well.
        queries = _unit(rng, args.queries)
        queries[: args.queries // 10] = vectors[: args.queries // 10] + 0.01
        fallbacks = 0

        def two_step(q):
            nonlocal fallbacks
            hits = store._query(q, 2 * args.k)
            if sum(c.kind != "glossary" for c, _ in hits) < args.k:
                fallbacks += 1
            return store.query(q, args.k, exclude_kind="glossary")

        rows = [
            ("no filter (nothing excluded)", _times(lambda q: store._query(q, args.k), queries)),
            ("Chroma where kind != glossary", _times(
                lambda q: store._query(q, args.k, {"kind": {"$ne": "glossary"}}), queries)),
            ("unfiltered 2k, dropped in Python", _times(lambda q: store.query(q, args.k, "glossary"), queries)),
        ]
        two_step_check = [two_step(q) for q in queries[:50]]
        assert all(all(c.kind != "glossary" for c, _ in r) for r in two_step_check)
    print(f"{args.passages} passages ({args.reference} excluded), k={args.k}, {args.queries} queries")
    base = statistics.median(rows[0][1])
    for name, t in rows:
        p50, p95 = statistics.median(t), float(np.percentile(t, 95))
        print(f"{name:<34} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {p50 / base:4.1f}x")
    print(f"fallback to the filtered query: {fallbacks} of 50 checked queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
