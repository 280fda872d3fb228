"""The serving side of the benchmark, run as its own process (``python -m bench.serve``).

It opens the index the way the app does (``Pipeline(Settings(...))``, backend and server
mode from the environment), then measures on the given questions: retrieval quality for
dense-only, BM25-only and the fused ranking; warm retrieval latency (``Pipeline.search``)
and whole-answer latency (``Pipeline.ask``); and the process's peak resident memory. It is a
separate process so the memory is that of serving alone (no torch, no benchmark data) and
so the embedded store's one-process lock is respected. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rag.settings import Settings

from .measures import documents_in_order, percentiles, ranking_quality, vm_hwm_mb

DEPTH = 60  # passages fetched per query: enough to fill 10 distinct documents
WARMUP = ["what is diabetes", "how is asthma treated", "symptoms of gout"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve")
    ap.add_argument("--store", required=True)
    ap.add_argument("--collection", required=True)
    ap.add_argument("--queries", required=True, help="JSON file: [{id, question, relevant}]")
    ap.add_argument("--ask", type=int, default=100, help="questions also run through ask")
    args = ap.parse_args(argv)

    from rag.pipeline import Pipeline

    t0 = time.perf_counter()
    pipeline = Pipeline(Settings(store_dir=Path(args.store), collection=args.collection))
    for w in WARMUP:
        pipeline.search(w, 10)
    startup_s = time.perf_counter() - t0
    queries = json.loads(Path(args.queries).read_text())
    relevant = {q["id"]: frozenset(q["relevant"]) for q in queries}

    out: dict = {"startup_s": startup_s, "quality": {}, "passages": pipeline.store.count()}
    search_ms: list[float] = []
    for mode in ("hybrid", "dense", "lexical"):  # hybrid first: its query vectors are not cached yet
        ranked = {}
        for q in queries:
            t = time.perf_counter()
            passages = pipeline.search(q["question"], DEPTH, mode=mode).passages
            if mode == "hybrid":
                search_ms.append((time.perf_counter() - t) * 1000)
            ranked[q["id"]] = documents_in_order(p.chunk.doc_id for p in passages)
        out["quality"][mode] = ranking_quality(ranked, relevant, 10)
    out["search_ms"] = percentiles(search_ms)

    ask_ms, kinds = [], {}
    for q in queries[: args.ask]:
        t = time.perf_counter()
        a = pipeline.ask(q["question"])
        ask_ms.append((time.perf_counter() - t) * 1000)
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    out["ask_ms"] = percentiles(ask_ms)
    out["ask_kinds"] = kinds
    out["peak_rss_mb"] = vm_hwm_mb()  # not getrusage: that includes the parent's peak at fork
    out["modules"] = sorted(m for m in ("torch", "sentence_transformers") if m in sys.modules)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
