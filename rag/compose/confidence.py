"""How sure are we that the retrieved passages answer the question?

A logistic model over a few evidence features turns retrieval and sentence scores into a
confidence between 0 and 1; the pipeline answers when it reaches ``min_answer_confidence``
and otherwise says the documents do not cover the question.

The weights are not guessed: ``python -m eval calibrate`` runs a labelled question file
(``eval/calibration.jsonl``: questions the documents answer and questions they do not)
through retrieval, fits this model by regularised maximum likelihood (``fit``), reports
leave-one-out accuracy, and writes ``rag/data/confidence.json``. The features are on fixed scales
(cosines, shares of query words), so a model fitted on one corpus transfers reasonably to
another; refit when the corpus changes a lot.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

FEATURES = ("sentence_top", "sentence_margin", "dense_top", "coverage", "sentence_coverage",
            "known_share", "word_support", "number_missing")
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "confidence.json"


@dataclass
class ConfidenceModel:
    weights: dict[str, float]
    bias: float
    info: dict = field(default_factory=dict)  # what it was fitted on, and how well it did

    def __call__(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * float(features.get(k, 0.0)) for k, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def save(self, path: Path = DEFAULT_PATH) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "ConfidenceModel":
        try:
            data = json.loads(Path(path).read_text())
            return cls(dict(data["weights"]), float(data["bias"]), dict(data.get("info", {})))
        except FileNotFoundError:
            return cls.prior()

    @classmethod
    def prior(cls) -> "ConfidenceModel":
        """Used only until a calibration has been run: answer when the best sentence's
        cosine to the question is above about 0.45."""
        return cls({"sentence_top": 12.0}, -5.4, {"fitted": False})


def fit(X: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50,
        sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method with an L2 penalty on the weights (not the
    bias). ``X``: samples x features; ``y``: 0/1; ``sample_weight``: how much each sample
    counts (default 1 each). Deterministic."""
    n, d = X.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    A = np.hstack([X, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.diag([l2] * d + [0.0])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(A @ w, -40, 40)))
        grad = A.T @ (s * (p - y)) + penalty @ w
        hess = (A * (s * p * (1 - p))[:, None]).T @ A + penalty + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:d], float(w[d])


def model_from(X: np.ndarray, y: np.ndarray, features=FEATURES, l2: float = 1.0, info: dict | None = None,
               sample_weight: np.ndarray | None = None, threshold: float = 0.5) -> ConfidenceModel:
    """The fitted model, its bias shifted so that a confidence of 0.5 means what
    ``threshold`` meant for the raw fit (the pipeline answers at ``min_answer_confidence``,
    0.5 by default)."""
    w, b = fit(X, y, l2, sample_weight=sample_weight)
    b -= math.log(threshold / (1.0 - threshold))
    return ConfidenceModel({f: float(v) for f, v in zip(features, w)}, b, info or {})
