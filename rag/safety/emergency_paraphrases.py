"""Emergencies said in other words than the rules know: similarity to reviewed descriptions.

The question's vector is compared with emergency descriptions and calm ones written as a
patient would say them (``rag/data/emergencies.tsv``, read through ``rag.text.wordlists``). An
emergency description close enough (``THRESHOLD``), and closer than any calm one by
``MARGIN``, escalates a statement. A question must be about someone and closer still
(``QUESTION_THRESHOLD``), so "what is a renal crisis?" never alarms; something said to be
mild or recurring ("a bit", "sometimes", "in the cold") never counts, except thoughts of
suicide. The embed callable is passed in (the pipeline's, whose cache the question's vector
then shares with retrieval); without one nothing is matched.

``follow_up_urgent`` reads a follow-up statement with the turn before it, by the rules
(``rag.safety.emergency_rules``) and by paraphrase.

Bounded on any message: only its first ``EMBEDDED_CHARS`` characters are read and embedded
(the model reads its first 256 tokens anyway), so one huge message costs what a long one
does.

Left out: languages other than English; any training (the descriptions are the whole model);
whatever a message says after its first ``EMBEDDED_CHARS`` characters (the rules read more).
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from rag.text import wordlists
from rag.safety.emergency_english import ALWAYS_URGENT, SYMPTOMS
from rag.safety.emergency_reading import EMBEDDED_CHARS, for_embedding
from rag.safety.emergency_rules import urgent_category
from rag.text.lexical import fold

EMERGENCIES_PATH = wordlists.path_of("emergencies")


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I | re.X | re.S)

CALM = "calm"
# Tuned for recall on tests/data/emergencies.jsonl (python -m eval.triage): a description
# this close, closer than any calm one by MARGIN, names the emergency.
THRESHOLD = 0.60
QUESTION_THRESHOLD = 0.80  # a question ("why...", "can...?") must be closer still
MARGIN = 0.03


def read_descriptions(path: Path = EMERGENCIES_PATH) -> list[tuple[str, str]]:
    """(kind, description) rows of the data file."""
    return [(r["kind"], r["description"]) for r in wordlists.table("emergencies", path)]


@dataclass(frozen=True)
class Paraphrases:
    """Reviewed descriptions and their unit vectors; ``match`` compares one question's
    vector with them. Pure: the vectors are made by whoever builds it."""

    kinds: tuple[str, ...]
    texts: tuple[str, ...]
    vectors: np.ndarray  # (n, d), unit rows

    @classmethod
    def build(cls, rows: Sequence[tuple[str, str]], embed: Callable[[Sequence[str]], np.ndarray]) -> "Paraphrases":
        kinds, texts = zip(*rows)
        return cls(tuple(kinds), tuple(texts), np.asarray(embed(list(texts)), dtype=np.float32))

    def scores(self, vector: np.ndarray) -> tuple[str | None, float, float]:
        """(closest emergency kind, its similarity, the closest calm description's)."""
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        calm = np.array([k == CALM for k in self.kinds])
        best_calm = float(sims[calm].max()) if calm.any() else -1.0
        if calm.all():
            return None, -1.0, best_calm
        i = int(np.where(calm, -np.inf, sims).argmax())
        return self.kinds[i], float(sims[i]), best_calm

    def match(self, vector: np.ndarray, question: bool = False) -> str | None:
        kind, score, calm = self.scores(vector)
        threshold = QUESTION_THRESHOLD if question else THRESHOLD
        return kind if kind is not None and score >= threshold and score - calm >= MARGIN else None


_PARAPHRASES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def paraphrases_for(embed: Callable) -> Paraphrases:
    """The data file's descriptions, embedded once per embedder (a bound method ``m.embed``
    is remembered by its object ``m``: each access makes a new method object)."""
    owner, func = getattr(embed, "__self__", embed), getattr(embed, "__func__", None)
    try:
        per_owner = _PARAPHRASES.setdefault(owner, {})
    except TypeError:  # an embedder that cannot be weakly referenced: not remembered
        per_owner = {}
    if func not in per_owner:
        rows = read_descriptions()
        unknown = {k for k, _ in rows} - {c for c, _ in SYMPTOMS} - {CALM}
        if unknown:
            raise ValueError(f"{EMERGENCIES_PATH.name}: unknown kinds {sorted(unknown)} "
                             f"(use an urgent category or {CALM!r})")
        per_owner[func] = Paraphrases.build(rows, embed)
    return per_owner[func]


# "I", "my", "we"... or a loved one: the text is about someone, not about a topic.
_SOMEONE = _rx(r"""
    \b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|mine|myself|we|our|us)\b
  | \b(?:he|she|they|his|her|him)\b
""")
# Said of something mild or recurring, not of something happening now.
_MILD = _rx(r"""\b(?:a\s+(?:little\s+)?bit|a\s+little|slightly|mild(?:ly)?|sometimes|now\s+and\s+then|occasionally|usually
  | normally|always|often|every\s+(?:winter|morning|evening|day|time|year)|when\s+(?:it'?s|i'?m)\s+cold|in\s+the\s+cold)\b""")
_QUESTION = _rx(r"""^\s*(?:what|which|how|why|when|where|who|can|could|does|do|is|are|will|would|should|tell\s+me|explain)\b | \?\s*$""")


def paraphrase_category(text: str, embed: Callable | None, paraphrases: Paraphrases | None = None) -> str | None:
    """The emergency a statement describes in other words than the rules know, by
    similarity to the reviewed descriptions. A question must be about someone ("my", "I",
    "she") and closer still, so a question about a topic never counts; nor does something
    said to be mild or recurring ("a bit", "sometimes", "in the cold"; thoughts of suicide
    never count as mild); nor anything without an embedder. Only the first
    ``EMBEDDED_CHARS`` characters of ``text`` are read."""
    text = text[:EMBEDDED_CHARS]
    t = fold(text).strip()
    question = bool(_QUESTION.search(t))
    if embed is None or not t or (question and not _SOMEONE.search(t)):
        return None
    p = paraphrases or paraphrases_for(embed)
    kind = p.match(embed([text])[0], question=question)
    return None if kind not in ALWAYS_URGENT and _MILD.search(t) else kind


def follow_up_urgent(previous: str, question: str, embed: Callable | None = None) -> str | None:
    """An emergency spread over two turns: the previous user turn and this one read
    together ("I had a transplant last week" / "now I have a fever"; "my finger is white" /
    "it's been like that for three hours"). A rule must match into this turn; a paraphrase
    counts when this turn is a statement and the two together describe an emergency the
    previous turn alone did not."""
    if not previous or not question:
        return None
    prefix = previous + " \n "
    category, _ = urgent_category(prefix + question, focus_start=len(prefix))
    if category or embed is None or _QUESTION.search(fold(question[:EMBEDDED_CHARS])):
        return category
    together = paraphrase_category(for_embedding(prefix + question), embed)
    if together and paraphrase_category(for_embedding(previous), embed) is None:
        return together
    return None
