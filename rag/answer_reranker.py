"""The cross-encoder answer reranker: reads the question and a candidate sentence together
and says how likely the sentence is to answer it.

all-MiniLM-L6-v2 fine-tuned on MedQuAD question/answer-sentence groups by
``python -m eval.train_cross_encoder`` (whole conditions held out; reserved and project
conditions never read), shipped as int8 ONNX in ``rag/data/answer_reranker/`` with its
tokenizer and a calibration fitted on validation conditions. It is run by onnxruntime on
the question's best few candidates only (``top`` in ``reranker.json``, as the small scorer
of ``rag.answer_scorer`` orders them): reading every candidate would cost several times more
for little gain.

Left out: batching questions from several sessions together, and a GPU provider.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "answer_reranker"
MAX_TOKENS = 96  # a question and one sentence; longer sentences lose their tail


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
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"])
        cal = calibration or tuple(meta.get("calibration", (1.0, 0.0)))
        return cls(session, tokenizer, (float(cal[0]), float(cal[1])), int(meta.get("top", 12)),
                   float(meta.get("blend", 0.0)), float(meta.get("support", 0.5)), float(meta.get("answers", 0.3)),
                   str(meta.get("version", "")), [i.name for i in session.get_inputs()])

    def logits(self, question: str, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, np.float32)
        encodings = self.tokenizer.encode_batch([(question, s) for s in sentences])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for i, e in enumerate(encodings):
            n = len(e.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (out,) = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
        return np.asarray(out, np.float32).reshape(-1)

    def probabilities(self, question: str, sentences: list[str]) -> np.ndarray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * self.logits(question, sentences) + b)))

    def rescore(self, question: str, sentences: list[str], small_logits: np.ndarray,
                allowed: list[bool] | None = None) -> np.ndarray:
        """Logits for every sentence: the ``top`` best by the small scorer (among the
        ``allowed``) are read by the cross-encoder, calibrated and blended; the rest fall
        below all of them, in the small scorer's order."""
        small = np.asarray(small_logits, np.float32)
        order = np.argsort(-np.where(np.asarray(allowed if allowed is not None else [True] * len(small)),
                                     small, -np.inf), kind="stable")
        top = [int(i) for i in order[:self.top] if allowed is None or allowed[int(i)]]
        out = small - 1000.0
        if top:
            a, b = self.calibration
            read = self.logits(question, [sentences[i] for i in top])
            out[top] = a * read + b + self.blend * small[top]
        return out

    def timing(self, n: int, runs: int = 20) -> float:
        """Median milliseconds to score ``n`` typical sentences for one question."""
        sentence = ("Systemic sclerosis is a rare autoimmune disease that causes hardening and "
                    "tightening of the skin and can affect the lungs, heart and kidneys.")
        self.logits("what are the side effects of this medicine?", [sentence] * n)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            self.logits("what are the side effects of this medicine?", [sentence] * n)
            times.append((time.perf_counter() - t) * 1000)
        return float(np.median(times))
