"""Pure measures: ranking quality, latency percentiles, and the model's compute bound.

Ranking: passages are mapped to their documents (a document ranks where its best passage
ranks); a query scores recall@k 1 when any relevant document is in the first k, and
reciprocal rank 1/r of the first relevant one (0 beyond k).

Compute bound: a transformer encoder layer costs, per token, 2 FLOPs per weight of its
four attention projections (4·h²) and its feed-forward pair (2·h·i), plus the attention
itself (QKᵀ and AV: 2 · 2·s·h for a sequence of s tokens). For all-MiniLM-L6-v2 (6 layers,
h=384, i=1536) at s≈200 that is about 23 MFLOP per token. The machine's achievable rate is
measured, not assumed: an fp32 matrix product of the model's own shapes on every core
(numpy/OpenBLAS). Tokens/s at that rate is the bound an fp32 encoder cannot beat; int8
kernels can, which is why int8 is reported against it too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np


def documents_in_order(doc_ids: Iterable[str]) -> list[str]:
    """Passage hits -> documents, each at the rank of its best passage."""
    return list(dict.fromkeys(doc_ids))


def ranking_quality(ranked: dict[str, list[str]], relevant: dict[str, frozenset[str]], k: int = 10) -> dict:
    """recall@k and MRR@k over queries (``ranked``: query id -> document ids, best first)."""
    hits, rr = 0, 0.0
    for qid, docs in ranked.items():
        good = relevant[qid]
        rank = next((i for i, d in enumerate(docs[:k], 1) if d in good), None)
        if rank:
            hits += 1
            rr += 1.0 / rank
    n = max(len(ranked), 1)
    return {f"recall@{k}": hits / n, f"mrr@{k}": rr / n, "queries": len(ranked)}


def percentiles(ms: Sequence[float]) -> dict:
    a = np.asarray(ms, dtype=np.float64)
    if not len(a):
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "n": int(len(a))}


def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory (MB) of a live process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def flops_per_token(seq_len: float, layers: int = 6, hidden: int = 384, intermediate: int = 1536) -> float:
    dense = 2 * (4 * hidden * hidden + 2 * hidden * intermediate)
    attention = 2 * 2 * seq_len * hidden
    return layers * (dense + attention)


def measured_gflops(seconds: float = 3.0, rows: int = 2048, hidden: int = 384, intermediate: int = 1536) -> float:
    """Best fp32 GEMM rate (GFLOP/s) over a few seconds, on the model's feed-forward shape."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, hidden), dtype=np.float32)
    b = rng.standard_normal((hidden, intermediate), dtype=np.float32)
    a @ b  # warm up the BLAS threads
    flop = 2.0 * rows * hidden * intermediate
    best, end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        for _ in range(10):
            a @ b
        best = max(best, 10 * flop / (time.perf_counter() - t))
    return best / 1e9


def documents_by_score(scored: Iterable[tuple[str, float]], more: float = 0.0, extra: int = 2) -> list[str]:
    """Documents ranked by their best passage's score plus ``more`` times the sum of their
    next ``extra`` best (a document with several matching passages gains); ``more=0`` is
    the best-passage ranking."""
    by_doc: dict[str, list[float]] = {}
    for doc, score in scored:
        by_doc.setdefault(doc, []).append(score)
    total = {}
    for doc, scores in by_doc.items():
        scores.sort(reverse=True)
        total[doc] = scores[0] + more * sum(scores[1 : 1 + extra])
    return sorted(total, key=lambda d: (-total[d], d))


def fused_ranking(candidates: list[tuple[str, float, float]], dense_weight: float, more: float = 0.0) -> list[str]:
    """Documents from (document, cosine, normalised BM25) candidates, fused at ``dense_weight``."""
    return documents_by_score(((d, dense_weight * c + (1 - dense_weight) * b) for d, c, b in candidates), more)


WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))
MORE = (0.0, 0.05, 0.1, 0.2, 0.3)


def fit_fusion(candidates: dict[str, list[tuple[str, float, float]]], relevant: dict[str, frozenset[str]],
               fit_on: Iterable[str]) -> tuple[float, float]:
    """The (dense weight, document aggregation) pair with the best MRR@10 on ``fit_on``."""
    ids = list(fit_on)
    best, pick = -1.0, (0.5, 0.0)
    for w in WEIGHTS:
        for more in MORE:
            mrr = ranking_quality({q: fused_ranking(candidates[q], w, more) for q in ids}, relevant)["mrr@10"]
            if mrr > best + 1e-9:
                best, pick = mrr, (w, more)
    return pick


def cross_fitted(candidates: dict[str, list[tuple[str, float, float]]], relevant: dict[str, frozenset[str]]) -> dict:
    """Two-fold: fit on one half of the questions, score the other half, and swap; the
    pooled quality is what fitted weights give on questions they were not fitted on."""
    ids = sorted(candidates)
    halves = (ids[0::2], ids[1::2])
    ranked, picks = {}, []
    for fit_half, test_half in ((halves[0], halves[1]), (halves[1], halves[0])):
        w, more = fit_fusion(candidates, relevant, fit_half)
        picks.append({"dense_weight": w, "aggregation": more})
        ranked.update({q: fused_ranking(candidates[q], w, more) for q in test_half})
    return {**ranking_quality(ranked, relevant), "fitted": picks}
