"""How ``python -m eval.train_ranker`` (and ``eval.train_cross_encoder``) measure a scorer on
examples: P@1, lead@2 and first@1 over all of them and per source, today's rule-based
composer as a baseline, the two thresholds fitted on validation examples, the time to score
one question's candidates, and the markdown table of the report.

Left out: fitting anything (``eval.ranker_models``) and writing the report (``eval.train_ranker``).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from rag.compose.extract import extract
from rag.compose.scorer import SCALARS, AnswerScorer
from rag.question.kinds import KindModel

from .ranker_data import Example, squash


# --- measuring -----------------------------------------------------------------------------


def figures(pairs: list[tuple[Example, np.ndarray]]) -> dict[str, float]:
    """P@1 (the best sentence is part of the own answer), lead@2, and P@1 on the answer's
    first two sentences."""
    if not pairs:
        return {"n": 0}
    p1 = [ex.labels[int(np.argmax(s))] > 0 for ex, s in pairs]
    p2 = [ex.labels[np.argsort(-s)[:2]].max() > 0 for ex, s in pairs]
    first = [ex.weights[int(np.argmax(s))] >= 1.0 for ex, s in pairs]
    return {"n": len(pairs), "p@1": float(np.mean(p1)), "lead@2": float(np.mean(p2)), "first@1": float(np.mean(first))}


def rules_scores(ex: Example, embed, kinds: KindModel) -> np.ndarray:
    """Today's composer: 1 for the sentence it leads with, 0.5 for its second, else 0."""
    passages = list(ex.passages)
    out = extract(passages, ex.qvec, ex.qterms, embed, 4, 110, question=ex.question, expanded_vec=ex.qvec,
                  kind=kinds.predict(ex.qvec[None, :], [ex.question])[0].kind)
    scores = np.zeros(len(ex.cands), np.float32)
    for rank, s in enumerate(out.sentences[:2]):
        key = squash(s.text)
        for i, c in enumerate(ex.cands):
            if squash(c.text) == key and scores[i] == 0:
                scores[i] = 1.0 - 0.5 * rank
                break
    return scores


def thresholds(scored: list[tuple[Example, np.ndarray]]) -> tuple[float, float]:
    """(support, answers) probabilities fitted on validation examples: ``support`` best
    separates answering from other sentences, precision counting twice (F0.5: a filler
    sentence costs the reader more than a missing supporting one); ``answers`` is the
    level the best sentence of 98% of answerable questions reaches."""
    probs = np.concatenate([1 / (1 + np.exp(-s)) for _, s in scored])
    labels = np.concatenate([ex.labels for ex, _ in scored])
    best_f1, support = 0.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        pred = probs >= t
        tp = float((pred & (labels > 0)).sum())
        precision, recall = tp / max(pred.sum(), 1), tp / max((labels > 0).sum(), 1)
        f1 = 1.25 * precision * recall / max(0.25 * precision + recall, 1e-9)
        if f1 > best_f1:
            best_f1, support = f1, float(t)
    tops = np.array([float(1 / (1 + np.exp(-s.max()))) for _, s in scored])
    return support, float(np.quantile(tops, 0.02))


def scoring_ms(scorer: AnswerScorer, n: int = 60, runs: int = 200) -> float:
    """Median time to score ``n`` candidates of one question."""
    rng = np.random.default_rng(0)
    q = rng.normal(size=384).astype(np.float32)
    vecs = rng.normal(size=(n, 384)).astype(np.float32)
    scal = rng.normal(size=(n, len(SCALARS))).astype(np.float32)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        scorer.probabilities(q, vecs, scal)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def table(rows: dict[str, dict[str, dict[str, float]]], sources: list[str]) -> list[str]:
    head = "| scorer | all: P@1 | lead@2 | first@1 | " + " | ".join(f"{s} P@1" for s in sources) + " |"
    lines = [head, "|" + " --- |" * (4 + len(sources))]
    for name, per in rows.items():
        a = per["all"]
        lines.append(f"| {name} | {a['p@1']:.3f} | {a['lead@2']:.3f} | {a['first@1']:.3f} | "
                     + " | ".join(f"{per[s]['p@1']:.2f} (n={per[s]['n']})" if per.get(s, {}).get("n") else "-"
                                  for s in sources) + " |")
    return lines


def by_source(pairs: list[tuple[Example, np.ndarray]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list] = defaultdict(list)
    for ex, s in pairs:
        groups[ex.source].append((ex, s))
    return {"all": figures(pairs), **{k: figures(v) for k, v in groups.items()}}
