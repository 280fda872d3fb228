"""Fit the answer / not-found decision on labelled questions.

Each question the documents answer (``answered``, ``advice``) is a positive, each they do
not (``not_found``) a negative. Their evidence features (``Answer.evidence``) are computed by
the real pipeline, a logistic model is fitted (``rag.compose.confidence.fit``), its leave-one-out
accuracy is reported, and the model is written to ``rag/data/confidence.json``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.compose.confidence import FEATURES, fit, model_from

from .questions import load_questions


def feature_rows(pipeline, questions):
    rows, labels, kept = [], [], []
    for q in questions:
        if q.expect == "urgent":
            continue
        a = pipeline.ask(q.question, list(q.history))
        if a.kind in ("urgent", "invalid") or not a.evidence:
            continue
        rows.append([a.evidence.get(f, 0.0) for f in FEATURES])
        labels.append(0.0 if q.expect == "not_found" else 1.0)
        kept.append(q)
    return np.asarray(rows, dtype=np.float64), np.asarray(labels), kept


def leave_one_out(X: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Out-of-sample probability for each row."""
    probs = np.zeros(len(y))
    for i in range(len(y)):
        mask = np.arange(len(y)) != i
        w, b = fit(X[mask], y[mask], l2)
        probs[i] = 1.0 / (1.0 + np.exp(-(X[i] @ w + b)))
    return probs


def calibrate(pipeline, path, l2: float = 1.0, out=None):
    questions = load_questions(path)
    X, y, kept = feature_rows(pipeline, questions)
    probs = leave_one_out(X, y, l2)
    pred = probs >= 0.5
    acc = float((pred == (y == 1)).mean())
    answered_recall = float(pred[y == 1].mean())
    not_found_recall = float((~pred[y == 0]).mean())
    info = {
        "fitted": True,
        "questions": _relative(path),
        "positives": int(y.sum()),
        "negatives": int(len(y) - y.sum()),
        "l2": l2,
        "loo_accuracy": round(acc, 4),
        "loo_answered_recall": round(answered_recall, 4),
        "loo_not_found_recall": round(not_found_recall, 4),
    }
    model = model_from(X, y, FEATURES, l2, info)
    if out is not None:
        model.save(out)
    wrong = [(q.id, q.expect, round(float(p), 2)) for q, p, t in zip(kept, probs, y) if (p >= 0.5) != (t == 1)]
    return model, wrong


def _relative(path: Path) -> str:
    """The question file as a path from the project root when it is inside it (the fitted
    model is committed: no machine's folders in it)."""
    from rag.settings import PROJECT_ROOT

    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
