"""The learned answer-sentence scorer: how likely each candidate sentence is to be part of
the answer to this question.

A small network (one hidden layer) over a few numbers the pipeline already has
(``SCALARS``: the sentence's similarity to the question and its passage's, relative to the
best; rarity-weighted word coverage; where it stands in its paragraph; its length; whether
it is a list item, a lead-in, points back or asks a question) and one learned number: how
well the kind of question the sentence answers agrees with the kind asked (``KindHeads``,
two softmax regressions over the MiniLM vectors of question and sentence). It was fitted on MedQuAD by ``python -m eval.train_ranker`` (questions of other
conditions with the sentences of their own pages; whole conditions held out) and ships as
``rag/data/answer_scorer.npz``; prediction is numpy only, well under a millisecond for 60
sentences.

``probabilities`` is the one entry: P(sentence answers) for each candidate. The composer
leads with the best and keeps a supporting sentence only above ``support``; the decision
stage says "my documents don't say" when no sentence reaches ``answers``.

Left out: reading the passages' words beyond coverage (a cross-encoder would; see the
training report for why it is not the one shipped), and any hand cue of question kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.compose.candidates import Candidate
from rag.text.sentences import points_back

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "answer_scorer.npz"

SCALARS: tuple[str, ...] = ("sim", "sim_gap", "passage_sim", "passage_gap", "coverage", "opens",
                            "order", "log_words", "list_item", "lead_in", "points_back", "asks")
_PARAGRAPH_START = re.compile(r"(?:^|\n[ \t]*\n)[ \t]*$")


def opens_paragraph(passage_text: str, start: int) -> bool:
    """The sentence starts its passage or follows a blank line."""
    return bool(_PARAGRAPH_START.search(passage_text[:start]))


def scalar_features(cands: list[Candidate], passage_texts: list[str], sims: np.ndarray,
                    vectors: np.ndarray, qvec: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    """The plain numbers the scorer reads for each candidate, in ``SCALARS`` order.

    A passage's similarity is that of the mean of its candidates' vectors: the same number
    whether the passage came from a store or from a training page."""
    n = len(cands)
    if n == 0:
        return np.zeros((0, len(SCALARS)), np.float32)
    by_passage: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        by_passage.setdefault(c.passage, []).append(i)
    psim = np.zeros(n, np.float32)
    for members in by_passage.values():
        mean = vectors[members].mean(axis=0)
        norm = float(np.linalg.norm(mean)) or 1.0
        psim[members] = float(mean @ qvec) / norm
    order = np.zeros(n, np.float32)
    opens = np.zeros(n, np.float32)
    for members in by_passage.values():
        k = 0
        for i in sorted(members, key=lambda i: cands[i].start):
            c = cands[i]
            if opens_paragraph(passage_texts[c.passage], c.start):
                k = 0
                opens[i] = 1.0
            order[i] = min(k, 5) / 5.0
            k += 1
    cols = {
        "sim": sims, "sim_gap": sims - sims.max(), "passage_sim": psim, "passage_gap": psim - psim.max(),
        "coverage": coverage, "opens": opens, "order": order,
        "log_words": np.log1p([c.words for c in cands]),
        "list_item": [c.list_item for c in cands], "lead_in": [c.lead_in for c in cands],
        "points_back": [points_back(c.text) for c in cands], "asks": [c.text.rstrip().endswith("?") for c in cands],
    }
    return np.stack([np.asarray(cols[k], np.float32) for k in SCALARS], axis=1)


def vector_features(qvec: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """[q * s, s, q] for each sentence: what it shares with the question, what it is, and
    what was asked (so the network can tell which kind of sentence this question wants)."""
    q = np.broadcast_to(np.asarray(qvec, np.float32), vectors.shape)
    return np.hstack([q * vectors, vectors, q]).astype(np.float32)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class KindHeads:
    """Two softmax regressions over MiniLM vectors onto the same kinds of question: which
    kind a *question* asks (``question_w``) and which kind a *sentence* answers
    (``sentence_w``, fitted on the sentences of answers to each kind). Their agreement says
    whether a sentence answers the kind of question asked, whatever its words."""

    kinds: tuple[str, ...]
    question_w: np.ndarray  # (384, K)
    question_b: np.ndarray
    sentence_w: np.ndarray  # (384, K)
    sentence_b: np.ndarray

    def agreement(self, qvec: np.ndarray, vectors: np.ndarray, asked: dict[str, float] | None = None) -> np.ndarray:
        """For each sentence, the chance that the kind it answers is the kind asked. ``asked``
        (the pipeline's question-kind model, ``rag.question.kinds``, trained on patients'
        questions as well) replaces the question head when given: probability it puts on
        kinds MedQuAD has no answers for ("risks", "how it works") agrees with nothing, so
        such a question is judged on its words."""
        if asked:
            p = np.array([asked.get(k, 0.0) for k in self.kinds], np.float32)
        else:
            p = softmax(np.asarray(qvec, np.float32) @ self.question_w + self.question_b)
        answered = softmax(vectors @ self.sentence_w + self.sentence_b)
        return answered @ p

    def passage_agreement(self, vectors: np.ndarray, passage_of: Sequence[int], asked: dict[str, float]) -> np.ndarray:
        """For each sentence, the agreement of the passage it is in: the kind its passage's
        sentences answer together (their mean vector) against the kind ``asked``. A paragraph
        on the outlook is about the outlook as a whole, though its sentences one by one
        ("Most people recover within weeks") may read like any other kind."""
        _, where = np.unique(np.asarray(passage_of), return_inverse=True)
        means = np.stack([vectors[where == i].mean(axis=0) for i in range(where.max() + 1)])
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        means = means / np.where(norms > 0, norms, 1.0)
        # ``asked`` stands in for the question head, so no question vector is read
        return self.agreement(means[0], means, asked)[where]


@dataclass(frozen=True)
class AnswerScorer:
    """P(a sentence answers) from ``inputs``: "kind" = the scalar features and the kind
    agreement of ``heads`` (the shipped form: a few numbers, so it cannot learn one corpus's
    sentences by heart); "vectors" = the scalar features and the raw vectors
    (``vector_features``), kept to compare in training."""

    w1: np.ndarray  # (inputs, hidden)
    b1: np.ndarray
    w2: np.ndarray  # (hidden,)
    b2: float
    mean: np.ndarray  # the numeric features' mean and scale, from training
    scale: np.ndarray
    support: float  # a supporting sentence must reach this probability
    answers: float  # below this for every sentence, nothing answers the question
    version: str = ""
    heads: KindHeads | None = None
    inputs: str = "kind"

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "AnswerScorer | None":
        """The shipped scorer, or None when the file is absent (the rules then choose)."""
        if not Path(path).is_file():
            return None
        with np.load(path, allow_pickle=False) as d:
            names = tuple(str(x) for x in d["scalars"])
            if names != SCALARS:
                raise ValueError(f"{path} was trained on features {names}, this code computes {SCALARS}: "
                                 "run `python -m eval.train_ranker` again")
            heads = KindHeads(tuple(str(k) for k in d["kinds"]), d["question_w"], d["question_b"],
                              d["sentence_w"], d["sentence_b"]) if "kinds" in d else None
            return cls(d["w1"], d["b1"], d["w2"], float(d["b2"]), d["mean"], d["scale"],
                       float(d["support"]), float(d["answers"]), str(d["version"]), heads,
                       str(d["inputs"]) if "inputs" in d else "vectors")

    def save(self, path: Path) -> None:
        extra = {} if self.heads is None else {
            "kinds": np.array(self.heads.kinds), "question_w": self.heads.question_w.astype(np.float32),
            "question_b": self.heads.question_b.astype(np.float32),
            "sentence_w": self.heads.sentence_w.astype(np.float32),
            "sentence_b": self.heads.sentence_b.astype(np.float32)}
        np.savez_compressed(path, w1=self.w1.astype(np.float32), b1=self.b1.astype(np.float32),
                            w2=self.w2.astype(np.float32), b2=np.float32(self.b2),
                            mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            support=np.float32(self.support), answers=np.float32(self.answers),
                            scalars=np.array(SCALARS), version=np.array(self.version),
                            inputs=np.array(self.inputs), **extra)

    def features(self, qvec: np.ndarray, vectors: np.ndarray, scalars: np.ndarray,
                 asked: dict[str, float] | None = None) -> np.ndarray:
        """The network's input rows."""
        if self.inputs == "kind":
            numeric = np.hstack([scalars, self.heads.agreement(qvec, vectors, asked)[:, None]])
            return (numeric - self.mean) / self.scale
        return np.hstack([vector_features(qvec, vectors), (scalars - self.mean) / self.scale])

    def logits(self, qvec: np.ndarray, vectors: np.ndarray, scalars: np.ndarray,
               asked: dict[str, float] | None = None) -> np.ndarray:
        if len(vectors) == 0:
            return np.zeros(0, np.float32)
        h = np.maximum(self.features(qvec, vectors, scalars, asked) @ self.w1 + self.b1, 0.0)
        return h @ self.w2 + self.b2

    def probabilities(self, qvec: np.ndarray, vectors: np.ndarray, scalars: np.ndarray,
                      asked: dict[str, float] | None = None) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(qvec, vectors, scalars, asked)))
