"""Citation markers and numbers, written once for every stage that cites.

- ``MARKER``, ``strip_markers``, ``marker_numbers``: the "[n]" markers of an answer (as
  ``schema.cited`` writes them) or of a chat model's reply ("[2]", "[1, 3]", "[ 2 ]"): found,
  removed to measure or compare the text alone, and read as passage numbers;
- ``Numbering``: passages numbered 1, 2, ... in the order an answer first cites them, with
  the spans of each that it used (shown highlighted): for the extractive answer and for the
  checked chat-model reply, which numbers each sentence as soon as it is kept;
- ``only_cited``: after sentences were dropped or cut, the citations no sentence uses any
  more go and the rest are numbered 1..k again, in their order;
- ``cited_first``: sentences with their own citations put in front of an answer (a
  definition), the answer's numbers moved up after them.

Left out: writing the marker (``schema.cited``), choosing what to cite (the answer, the reply
check, the glossary), numbers in the text itself (``rag.chat_model.grounding.numbers_in``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Sequence

from rag.schema import AnswerSentence, Citation, Passage

# One marker: "[2]", and from a chat model also "[1, 3]", "[1; 3]", "[ 2 ]".
MARKER = r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]"
MARKER_RX = re.compile(MARKER)
_MARKER_AND_SPACE = re.compile(r"\s*" + MARKER)


def strip_markers(text: str) -> str:
    """``text`` without its citation markers (and the space before each)."""
    return _MARKER_AND_SPACE.sub("", text)


def marker_numbers(text: str) -> tuple[int, ...]:
    """The passage numbers the markers in ``text`` name, in order: "a [1, 3]. b [2]" -> (1, 3, 2)."""
    return tuple(int(n) for m in MARKER_RX.finditer(text) for n in re.findall(r"\d+", m.group(0)))


@dataclass
class Numbering:
    """Numbers passages (by their index in ``passages``) 1, 2, ... in the order they are
    first cited, remembering the spans of each that were used."""

    passages: Sequence[Passage]
    numbers: dict[int, int] = field(default_factory=dict)  # passage index -> n
    spans: dict[int, set[tuple[int, int]]] = field(default_factory=dict)

    def cite(self, i: int, span: tuple[int, int] | None = None) -> int:
        """The number of passage ``i`` (a new one when it is cited for the first time)."""
        n = self.numbers.setdefault(i, len(self.numbers) + 1)
        if span:
            self.spans.setdefault(i, set()).add(span)
        return n

    def citations(self) -> list[Citation]:
        """One citation per cited passage, in number order, its used spans sorted."""
        return [Citation(n=n, chunk=self.passages[i].chunk, score=self.passages[i].score,
                         highlights=tuple(sorted(self.spans.get(i, ()))))
                for i, n in sorted(self.numbers.items(), key=lambda kv: kv[1])]


def only_cited(sentences: Sequence[AnswerSentence], citations: Sequence[Citation]):
    """Drop citations no sentence cites any more (a repeat was dropped) and number the rest
    1..k in their order. Returns (sentences, citations)."""
    used = {s.citation for s in sentences}
    kept = [c for c in citations if c.n in used]
    new_n = {c.n: i for i, c in enumerate(kept, 1)}
    return ([replace(s, citation=new_n[s.citation]) for s in sentences],
            [replace(c, n=new_n[c.n]) for c in kept])


def cited_first(front: Sequence[AnswerSentence], front_citations: Sequence[Citation],
                sentences: Sequence[AnswerSentence], citations: Sequence[Citation]):
    """``front`` (citing ``front_citations``, numbered 1..k) before the answer, whose
    numbers move up by k. Returns (sentences, citations)."""
    k = len(front_citations)
    return (list(front) + [replace(s, citation=s.citation + k) for s in sentences],
            list(front_citations) + [replace(c, n=c.n + k) for c in citations])
