"""The serving side of the benchmark, run as its own process (``python -m bench.serve``).

It opens the index the way the app does (``Pipeline(Settings(...))``, backend and server
mode from the environment), then measures on the given questions: retrieval quality for
dense-only, BM25-only and the fused ranking; the fused ranking with documents scored by
several passages, and with the fusion weight and that aggregation fitted on held-out
questions (two-fold, from the same candidates); the same questions inside patient stories
(``bench.stories``), searched as the app does and, for comparison, as one whole text;
warm retrieval latency (``Pipeline.search``) and whole-answer latency (``Pipeline.ask``);
and the process's peak resident memory. It is a separate process so the memory is that of
serving alone (no torch, no benchmark data) and so the embedded store's one-process lock
is respected. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rag.settings import Settings

from .measures import (cross_fitted, documents_by_score, documents_in_order, fused_ranking, percentiles,
                       ranking_quality, vm_hwm_mb)

DEPTH = 60  # passages fetched per query: every candidate of both rankers (2 x candidate_k)
WARMUP = ["what is diabetes", "how is asthma treated", "symptoms of gout"]
AGGREGATION = 0.1  # weight of a document's second and third passages in the aggregated ranking
WHOLE_STORIES = 500  # stories also searched as one whole text (the comparison without the question part)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve")
    ap.add_argument("--store", required=True)
    ap.add_argument("--collection", required=True)
    ap.add_argument("--queries", required=True, help="JSON file: [{id, question, story, relevant}]")
    ap.add_argument("--ask", type=int, default=100, help="questions also run through ask")
    args = ap.parse_args(argv)

    from rag.pipeline import Pipeline
    from rag.text.typed import clean_question

    t0 = time.perf_counter()
    pipeline = Pipeline(Settings(store_dir=Path(args.store), collection=args.collection))
    for w in WARMUP:
        pipeline.search(w, 10)
    startup_s = time.perf_counter() - t0
    queries = json.loads(Path(args.queries).read_text())
    relevant = {q["id"]: frozenset(q["relevant"]) for q in queries}

    out: dict = {"startup_s": startup_s, "quality": {}, "passages": pipeline.store.count()}
    search_ms: list[float] = []
    candidates: dict[str, list[tuple[str, float, float]]] = {}
    ranked = {}
    for q in queries:
        t = time.perf_counter()
        passages = pipeline.search(q["question"], DEPTH).passages
        search_ms.append((time.perf_counter() - t) * 1000)
        candidates[q["id"]] = [(p.chunk.doc_id, p.dense, p.lexical) for p in passages]
        ranked[q["id"]] = documents_in_order(p.chunk.doc_id for p in passages)
    out["quality"]["hybrid"] = ranking_quality(ranked, relevant, 10)
    out["search_ms"] = percentiles(search_ms)
    # Every candidate of both rankers comes back with both scores (DEPTH >= 2 x candidate_k),
    # so dense-only and BM25-only rankings are these candidates sorted by one score: the
    # same as searching in those modes, without searching twice more.
    for mode, weight in (("dense", 1.0), ("lexical", 0.0)):
        out["quality"][mode] = ranking_quality(
            {q: fused_ranking(cands, weight) for q, cands in candidates.items()}, relevant)
    w = pipeline.settings.dense_weight
    out["quality"]["aggregated"] = ranking_quality(
        {q: documents_by_score(((d, w * c + (1 - w) * b) for d, c, b in cands), AGGREGATION)
         for q, cands in candidates.items()}, relevant)
    out["quality"]["aggregated"]["weight"] = AGGREGATION
    out["quality"]["fitted"] = cross_fitted(candidates, relevant)

    story_ms: list[float] = []
    stories, whole = {}, {}
    for i, q in enumerate(queries):
        t = time.perf_counter()
        passages = pipeline.search(q["story"], DEPTH).passages
        story_ms.append((time.perf_counter() - t) * 1000)
        stories[q["id"]] = documents_in_order(p.chunk.doc_id for p in passages)
        if i < WHOLE_STORIES:
            one = pipeline.retriever()._search(clean_question(q["story"]), DEPTH, "hybrid").passages
            whole[q["id"]] = documents_in_order(p.chunk.doc_id for p in one)
    out["quality"]["story"] = ranking_quality(stories, relevant)
    out["quality"]["story_whole"] = ranking_quality(whole, relevant)
    out["quality"]["story_same"] = ranking_quality({q: stories[q] for q in whole}, relevant)
    out["quality"]["bare_same"] = ranking_quality({q: ranked[q] for q in whole}, relevant)
    out["story_ms"] = percentiles(story_ms)

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
