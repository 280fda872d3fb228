"""The cross-encoder answer reranker: reads the question and a candidate sentence together
and says how likely the sentence is to answer it.

all-MiniLM-L6-v2 fine-tuned on MedQuAD question/answer-sentence groups by
``python -m eval.train_cross_encoder`` (whole conditions held out; reserved and project
conditions never read), shipped as int8 ONNX in ``rag/data/answer_reranker/`` with its
tokenizer and a calibration fitted on validation conditions. It is run by onnxruntime on
the question's best few candidates only (``top`` in ``reranker.json``, as the small scorer
of ``rag.compose.scorer`` orders them): reading every candidate would cost several times more
for little gain. Under the rules chooser (the default) it rereads the rules' best few and
nudges their scores by ``RAG_RERANK_WEIGHT`` times its probability (``nudged``).

Left out: batching questions from several sessions together, and a GPU provider. Kept: the
logits of (question, sentence) pairs already read, so a question asked again costs no model run.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from rag.embeddings.onnx_embedder import cpu_session, cpu_threads, padded_feed

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "answer_reranker"
MAX_TOKENS = 96  # a question and one sentence; longer sentences lose their tail


def best_allowed(scores: np.ndarray, top: int, allowed: Sequence[bool] | None = None) -> list[int]:
    """The indices of the ``top`` highest ``scores`` among the ``allowed``, best first (ties
    by index): the sentences the model rereads."""
    keep = np.ones(len(scores), bool) if allowed is None else np.asarray(allowed, bool)
    return [int(i) for i in np.argsort(-np.where(keep, scores, -np.inf), kind="stable")[:top] if keep[int(i)]]


def combine(small_logits: np.ndarray, read: Callable[[list[int]], np.ndarray], top: int,
            calibration: tuple[float, float], blend: float, allowed: Sequence[bool] | None = None) -> np.ndarray:
    """Logits for every sentence: the ``top`` best by the small scorer (among the
    ``allowed``) get the cross-encoder's logit (``read(indices)``), calibrated, plus
    ``blend`` times their small logit; the rest fall below all of them, in the small
    scorer's order. Shared by the pipeline and the training report, so both rank alike."""
    small = np.asarray(small_logits, np.float32)
    order = best_allowed(small, top, allowed)
    out = small - 1000.0
    if order:
        a, b = calibration
        out[order] = a * np.asarray(read(order), np.float32) + b + blend * small[order]
    return out


def nudged(scores: np.ndarray, read: Callable[[list[int]], np.ndarray], top: int, weight: float,
           allowed: Sequence[bool] | None = None) -> np.ndarray:
    """The rules' ``scores`` with ``weight`` times the cross-encoder's probability that the
    sentence answers (``read(indices)``) added to their ``top`` best (among the ``allowed``);
    the rest get nothing added. The rules keep their say (cues, topic, passage rank); the
    model moves the lead where the rules were unsure: a sentence that names the question's
    words without answering it drops below one that answers."""
    scores = np.asarray(scores, np.float32)
    return scores + weight * best_few(scores, read, top, allowed) if weight > 0 else scores.copy()


def best_few(scores: np.ndarray, read: Callable[[list[int]], np.ndarray], top: int,
             allowed: Sequence[bool] | None = None) -> np.ndarray:
    """``read(indices)`` for the ``top`` best ``scores`` (among the ``allowed``), 0 for the
    rest: what ``nudged`` adds, and what a supporting sentence is held to."""
    out = np.zeros(len(scores), np.float32)
    order = best_allowed(scores, top, allowed)
    if order:
        out[order] = np.asarray(read(order), np.float32)
    return out


@dataclass
class Reranker:
    """``logits(question, sentences)``; ``probabilities`` applies the calibration."""

    session: object
    tokenizer: object
    calibration: tuple[float, float] = (1.0, 0.0)
    top: int = 12
    blend: float = 0.0  # weight of the small scorer's logit added to the calibrated one
    support: float = 0.5  # a supporting sentence must reach this probability
    answers: float = 0.3  # fitted "nothing answers" level: reported by training, not used to decline
    version: str = ""
    _inputs: list[str] = field(default_factory=list)
    cache_size: int = 20_000  # (question, sentence) logits kept, least recently used dropped first
    _kept: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, directory: Path = DEFAULT_DIR, calibration: tuple[float, float] | None = None,
             threads: int = 0) -> "Reranker | None":
        """The shipped reranker, or None when its folder is absent (the small scorer alone
        then chooses)."""
        directory = Path(directory)
        if not (directory / "model.onnx").is_file():
            return None
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:  # pragma: no cover - both are in requirements.txt
            raise RuntimeError(f"The answer reranker needs onnxruntime and tokenizers ({e.name} is missing): "
                               "pip install -r requirements.txt") from e
        meta_path = directory / "reranker.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(meta.get("max_tokens", MAX_TOKENS)))
        tokenizer.no_padding()
        session = cpu_session(ort, directory / "model.onnx", threads or cpu_threads())
        cal = calibration or tuple(meta.get("calibration", (1.0, 0.0)))
        return cls(session, tokenizer, (float(cal[0]), float(cal[1])), int(meta.get("top", 12)),
                   float(meta.get("blend", 0.0)), float(meta.get("support", 0.5)), float(meta.get("answers", 0.3)),
                   str(meta.get("version", "")), [i.name for i in session.get_inputs()])

    def logits(self, question: str, sentences: list[str]) -> np.ndarray:
        """The model's logit for each sentence against ``question``. A pair read before (the
        same question asked again, by this patient or another) is taken from the cache; the
        model runs outside the lock, so sessions do not wait on each other's reading."""
        if not sentences:
            return np.zeros(0, np.float32)
        with self._lock:
            known = {s: self._kept[(question, s)] for s in sentences if (question, s) in self._kept}
            for s in known:
                self._kept.move_to_end((question, s))
        new = list(dict.fromkeys(s for s in sentences if s not in known))
        if new:
            read = dict(zip(new, self.read(question, new).tolist()))
            known.update(read)
            if self.cache_size > 0:
                with self._lock:
                    for s, v in read.items():
                        self._kept[(question, s)] = v
                    while len(self._kept) > self.cache_size:
                        self._kept.popitem(last=False)
        return np.array([known[s] for s in sentences], np.float32)

    def read(self, question: str, sentences: list[str]) -> np.ndarray:
        """The model's logits, run now (no cache)."""
        feed = padded_feed(self.tokenizer.encode_batch([(question, s) for s in sentences]))
        (out,) = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        return np.asarray(out, np.float32).reshape(-1)

    def probabilities(self, question: str, sentences: list[str]) -> np.ndarray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * self.logits(question, sentences) + b)))

    def rescore(self, question: str, sentences: list[str], small_logits: np.ndarray,
                allowed: list[bool] | None = None) -> np.ndarray:
        """Logits for every sentence (``combine``), reading the best few with the model."""
        return combine(small_logits, lambda idx: self.logits(question, [sentences[i] for i in idx]),
                       self.top, self.calibration, self.blend, allowed)

    def nudge(self, question: str, sentences: list[str], scores: np.ndarray, weight: float,
              allowed: list[bool] | None = None) -> np.ndarray:
        """The rules' scores nudged by this model (``nudged``), reading the rules' best few."""
        return nudged(scores, lambda idx: self.probabilities(question, [sentences[i] for i in idx]),
                      self.top, weight, allowed)

    def best_few_probabilities(self, question: str, sentences: list[str], scores: np.ndarray,
                               allowed: list[bool] | None = None) -> np.ndarray:
        """The probability that each sentence answers, for the ``scores``' best few (the ones
        ``nudge`` read: cached); 0 for the rest, which the rules ranked too low to support."""
        return best_few(scores, lambda idx: self.probabilities(question, [sentences[i] for i in idx]),
                        self.top, allowed)

    def timing(self, n: int, runs: int = 20) -> float:
        """Median milliseconds to score ``n`` typical sentences for one question."""
        sentence = ("Systemic sclerosis is a rare autoimmune disease that causes hardening and "
                    "tightening of the skin and can affect the lungs, heart and kidneys.")
        self.read("what are the side effects of this medicine?", [sentence] * n)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            self.read("what are the side effects of this medicine?", [sentence] * n)
            times.append((time.perf_counter() - t) * 1000)
        return float(np.median(times))
