"""Groundedness: is each sentence of an answer backed by the passage it cites?

A sentence is "verbatim" when it is found word for word (after normalising) in the cited
passage, and "supported" when it is verbatim or a rewording that keeps the passage's
numbers, agrees with it on negation, and is close to it: most of its content words in the
passage (plain words and the clinical words they stand for counted as the same) and a
meaning close to one of the passage's sentences or clauses, or a meaning very close to one.
Meaning is the cosine between sentence embeddings from an ``embed`` callable (texts -> unit
vectors), passed in by the runner so the model is loaded once. How the thresholds were
chosen, and what the judgement misses: ``eval/README.md``, "Groundedness".

Left out: the word rules (``eval.metrics_text``), and whether a supported sentence is
medically right (it is judged by the passage it cites, not by medical truth).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from rag.chat_model.grounding import numbers_in
from rag.text.cleaning import LIST_MARK

from .metrics_text import (Synonyms, content_stems, negation_differs, normalize, split_sentences,
                           stems_with_synonyms, without_markers)

Embed = Callable[[Sequence[str]], np.ndarray]

# Thresholds for "supported", chosen on labelled examples (eval/README.md, "Groundedness";
# tests/test_eval_metrics.py holds them): most of the sentence's content words in the passage
# and a meaning close to one of its sentences or clauses, or a meaning very close to one.
MIN_OVERLAP = 0.6
MIN_COSINE = 0.6
STRONG_COSINE = 0.8


@dataclass(frozen=True)
class SentenceSupport:
    text: str
    citation: int
    verbatim: bool  # found word for word (after normalising) in the cited passage
    supported: bool  # verbatim, or judged to say what the passage says
    overlap: float  # share of the sentence's content words found in the passage
    cosine: float  # best cosine between the sentence and a sentence or clause of the passage
    reason: str  # why it is not supported ("" when it is)


def in_clinical_words(text: str, synonyms: Synonyms = ()) -> str:
    """``text`` with each plain phrase of the reviewed table put back into the clinical
    phrase it stands for (longest first), so a plain rewording is compared with the
    clinical passage on the passage's own terms."""
    # a plain side without content words ("to" for "in order to") would rewrite every use of it
    pairs = sorted(((b, a) for a, b in synonyms if a.strip() and content_stems(b)), key=lambda p: -len(p[0]))
    for plain, clinical in pairs:
        text = re.sub(rf"\b{re.escape(plain)}\b", clinical, text, flags=re.I)
    return text


def sentence_support(text: str, passage: str, cosine: float, synonyms: Synonyms = ()) -> SentenceSupport:
    """Judge one sentence against the passage it cites, given the best cosine between the
    sentence and the passage's units (computed by the caller, which owns the model)."""
    sentence = LIST_MARK.sub("", without_markers(text)).strip()
    verbatim = normalize(sentence).rstrip(".") in normalize(passage)
    mine = content_stems(sentence)
    overlap = len(mine & stems_with_synonyms(passage, synonyms)) / len(mine) if mine else 1.0
    reason = ""
    if not verbatim:
        missing = numbers_in(sentence) - numbers_in(passage)
        if missing:
            reason = "numbers not in the passage: " + ", ".join(sorted(missing))
        elif negation_differs(sentence, _closest_sentence(sentence, passage)):
            reason = "negation differs from the passage"
        elif not ((overlap >= MIN_OVERLAP and cosine >= MIN_COSINE) or cosine >= STRONG_COSINE):
            reason = f"too far from the passage (word overlap {overlap:.2f}, cosine {cosine:.2f})"
    return SentenceSupport(text=sentence, citation=0, verbatim=verbatim, supported=verbatim or not reason,
                           overlap=round(overlap, 4), cosine=round(float(cosine), 4), reason=reason)


def _closest_sentence(sentence: str, passage: str) -> str:
    """The passage sentence sharing most content words with ``sentence`` (for negation)."""
    mine = content_stems(sentence)
    candidates = split_sentences(passage) or [passage]
    return max(candidates, key=lambda s: len(mine & content_stems(s)))


def groundedness(answer: dict, embed: Embed, synonyms: Synonyms = ()) -> list[SentenceSupport]:
    """Every sentence of an answered answer judged against the passage it cites; a sentence
    citing a number that no citation has is unsupported."""
    if answer.get("kind") != "answered":
        return []
    by_n = {c["n"]: c.get("text", "") for c in answer.get("citations") or []}
    sentences = answer.get("sentences") or []
    cosines = best_cosines([(in_clinical_words(s["text"], synonyms), by_n.get(s["citation"], ""))
                            for s in sentences], embed)
    out = []
    for s, cos in zip(sentences, cosines):
        if s["citation"] not in by_n:
            out.append(SentenceSupport(without_markers(s["text"]), s["citation"], False, False, 0.0, 0.0,
                                       f"cites [{s['citation']}], which is not among the citations"))
            continue
        judged = sentence_support(s["text"], by_n[s["citation"]], cos, synonyms)
        out.append(SentenceSupport(**{**asdict(judged), "citation": s["citation"]}))
    return out


_CLAUSE = re.compile(r"\s*[;:]\s+|,\s+(?=(?:while|whereas|leading|including|offering|followed|which|"
                     r"thereby|but|and then|where|with|especially|particularly|because|since)\b)|"
                     r",?\s+(?=such as\b)|\s+(?=because\b)")


def passage_units(passage: str) -> list[str]:
    """The passage's sentences and, for a long sentence, its clauses: a reworded answer
    often keeps one clause of a long sentence, which the whole sentence would blur."""
    units: list[str] = []
    for sentence in split_sentences(passage) or ([passage] if passage.strip() else []):
        units.append(sentence)
        clauses = [c for c in _CLAUSE.split(sentence) if len(c.split()) >= 4]
        if len(clauses) > 1:
            units.extend(clauses)
    return units


def best_cosines(pairs: list[tuple[str, str]], embed: Embed) -> list[float]:
    """For each (sentence, passage): the highest cosine between the sentence and a unit of
    the passage (``passage_units``); 0 for an empty passage. One call to ``embed``."""
    texts: list[str] = []
    spans = []
    for sentence, passage in pairs:
        parts = passage_units(passage)
        spans.append((len(texts), len(parts)))
        texts.append(without_markers(sentence))
        texts.extend(parts)
    if not texts:
        return []
    vecs = np.asarray(embed(texts), dtype=np.float64)
    return [float(np.max(vecs[start + 1:start + 1 + n] @ vecs[start])) if n else 0.0
            for start, n in spans]
