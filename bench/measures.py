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
