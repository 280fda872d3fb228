"""The question inside a long message.

Patients often tell a story before they ask ("My mother was diagnosed last spring and we
have read a lot online. What are the treatments for scleroderma?"). Embedded whole, the
story dilutes the question: the vector drifts towards the story, and BM25 spends its weight
on words like "mother" and "online". ``question_part`` picks out the sentences that ask
(they end in "?" or open with a question word or a request such as "tell me"), so retrieval
can search with them as well as with the whole message (``rag.search.retrieve`` keeps, for each
passage, the better of the two scores). A message of one sentence, one that asks nothing,
or one that is all questions has no separate question part.

Left out: questions split over two sentences ("About the pills. Are they safe?") are
handled only as far as the whole message still carries the missing words.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_ASKS = re.compile(
    r"^(?:what|whats|what's|how|why|when|where|who|whom|whose|which|is|are|am|was|were|can|could|"
    r"do|does|did|should|shall|will|would|may|might|must|has|have|had|any|tell me|please (?:explain|tell)|"
    r"explain|i (?:want|would like|need) to know|i wonder|i am wondering|i'm wondering)\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def is_question(sentence: str) -> bool:
    s = sentence.strip().lstrip("\"'(").strip()
    return s.endswith("?") or bool(_ASKS.match(s))


def question_part(text: str) -> str | None:
    """The asking sentences of a message that also says other things, else None."""
    parts = sentences(text)
    if len(parts) < 2:
        return None
    asking = [s for s in parts if is_question(s)]
    if not asking or len(asking) == len(parts):
        return None
    return " ".join(asking)
