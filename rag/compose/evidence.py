"""Evidence features: how strongly the retrieved passages bear on the question.

Plain numbers for the fitted "answer or say not found" decision (``rag.compose.confidence``):
the best dense and lexical scores, how much of the question's weighted words the top
passages cover, whether they name the question's focus, whether a number was asked for
and none is there, and how close the passages' words come to each key word of the
question (``word_support``, ``closest_word``, which embed single words).

Left out: the decision itself (``rag.compose.confidence``, ``rag.answering``).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from rag.text.lexical import STOPWORDS, QueryTerms, raw_tokens, stem, terms
from rag.schema import Passage

_WANTS_NUMBER = re.compile(
    r"\b(?:how\s+(?:much|many|long|often|old|soon|likely)|what\s+(?:percentage|percent|age|year|number|proportion)"
    r"|percent\w*|odds|chances?|statistics?|rates?|cost|price|phone|when\s+will)\b", re.I)
_NUMBER = re.compile(r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|hundred|thousand|half|percent)\b", re.I)


def word_support(passages: list[Passage], qterms: QueryTerms, embed: Callable[[list[str]], np.ndarray]) -> float:
    """How well the passages speak to each key word of the question (0-1), weighted by
    ``QueryTerm.weight``: 1 for a word they contain, else the best cosine between the word
    and any of their words, so "tailored" finds some support in "personalized" while
    "yoga" finds little anywhere."""
    words = sorted({w for p in passages for w in raw_tokens(p.chunk.text)
                    if w not in STOPWORDS and len(w) > 2})
    if not qterms.terms or not words:
        return 0.0
    present = {stem(w) for w in words}
    missing = [qt for qt in qterms.terms if not any(t in present for t in qt.matches)]
    support = {qt.word: 1.0 for qt in qterms.terms if qt not in missing}
    if missing:
        sims = embed([qt.word for qt in missing]) @ embed(words).T
        support.update({qt.word: float(row.max()) for qt, row in zip(missing, sims)})
    total = sum(qt.weight for qt in qterms.terms)
    return sum(qt.weight * support[qt.word] for qt in qterms.terms) / total if total > 0 else 0.0


def closest_word(word: str, passages: list[Passage], embed: Callable[[list[str]], np.ndarray]) -> float:
    """The best cosine between ``word`` and any word of the passages: "pee" finds "urine"
    (0.8), "swollen" finds "swelling" (0.9), "CBD" or "Mayo" find nothing close (< 0.4)."""
    words = sorted({w for p in passages for w in raw_tokens(p.chunk.text) if w not in STOPWORDS and len(w) > 2})
    if not words:
        return 0.0
    return float((embed([word.lower()]) @ embed(words).T).max())


def focus_features(passages: list[Passage], qterms: QueryTerms, top: int = 3) -> dict[str, float]:
    """Whether the passages name what the question is about. Its focus is its rarest words
    (``QueryTerm.weight`` at least half the heaviest's: "meniere" in "what are the symptoms of
    Meniere's disease?"). ``focus_known``: the weighted share of them the index knows at
    all; ``focus_found``: the share the ``top`` passages contain."""
    if not qterms.terms or max(qt.weight for qt in qterms.terms) <= 0:
        return {"focus_known": 1.0, "focus_found": 1.0}
    heaviest = max(qt.weight for qt in qterms.terms)
    focus = [qt for qt in qterms.terms if qt.weight >= 0.5 * heaviest]
    total = sum(qt.weight for qt in focus)
    seen = set().union(*(terms(p.chunk.text) for p in passages[:top])) if passages else set()
    found = sum(qt.weight * max((w for t, w in qt.matches.items() if t in seen), default=0.0) for qt in focus)
    known = sum(qt.weight * max(qt.matches.values(), default=0.0) for qt in focus)
    return {"focus_known": known / total, "focus_found": found / total}


def evidence_features(passages: list[Passage], qterms: QueryTerms, question: str = "") -> dict[str, float]:
    """How strongly the retrieved passages bear on the question."""
    known = qterms.known_share()
    wants_number = bool(_WANTS_NUMBER.search(question))
    focus = focus_features(passages, qterms)
    if not passages:
        return {"dense_top": 0.0, "lexical_top": 0.0, "coverage": 0.0, "fused_top": 0.0,
                "known_share": known, "number_missing": float(wants_number), **focus}
    top = passages[:3]
    return {**focus,
        "dense_top": max(p.dense for p in passages),
        "lexical_top": max(p.lexical for p in passages),
        "coverage": max(qterms.coverage(set(terms(p.chunk.text))) for p in top),
        "fused_top": passages[0].score,
        "known_share": known,
        "number_missing": float(wants_number and not any(_NUMBER.search(p.chunk.text) for p in top)),
    }
