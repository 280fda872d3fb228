"""The sentences of a document the chat never quotes, listed for an educator when the
document is added.

One rule, shared with the answerer (``rag.compose.extract.quotable`` calls ``unquotable_reason``): a
sentence that tells the reader to start, stop or change a medicine or gives a dose or a
schedule (``rag.safety.advice.speaks_for_care_team``: only the care team may), and a sentence that
addresses the model ("ignore all previous instructions", ``rag.text.typed.strip_injection``).
Such a sentence stays in the index (the passage around it still answers questions) but is
never an answer; ``flagged_sentences`` lists them per document so the ingest summary
(``python -m rag ingest``) and the Documents page show the educator what the chat will leave
out, to fix the document or accept it.

Pure functions over chunks. Left out: judging whether a flagged sentence is right (an
educator's call), and sentences a personal-advice question alone keeps back
(``has_dose_or_instruction``: any amount at all), which are ordinary in good documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rag.safety.advice import speaks_for_care_team
from rag.text.typed import strip_injection
from rag.schema import Chunk
from rag.text.cleaning import split_sentences

CARE_TEAM = "care_team"  # a dose, a schedule, or stop/start/change a medicine
INSTRUCTIONS = "instructions"  # addresses the model
REASONS = {CARE_TEAM: "tells the reader what to do with a medicine (only the care team may)",
           INSTRUCTIONS: "gives the chat instructions"}
MAX_SENTENCE_CHARS = 300  # a flagged sentence is shown whole up to this length


@dataclass(frozen=True)
class Flag:
    doc_id: str
    sentence: str
    reason: str  # CARE_TEAM or INSTRUCTIONS

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "sentence": self.sentence, "reason": self.reason}

    def describe(self) -> str:
        return f"“{self.sentence}” {REASONS[self.reason]}"


def unquotable_reason(sentence: str) -> str | None:
    """Why the chat never quotes ``sentence`` (``CARE_TEAM``, ``INSTRUCTIONS``), or None."""
    if strip_injection(sentence).removed:
        return INSTRUCTIONS
    if speaks_for_care_team(sentence):
        return CARE_TEAM
    return None


def flagged_sentences(doc_id: str, chunks: Iterable[Chunk]) -> list[Flag]:
    """Every sentence of a document's passages the chat never quotes, once each (passages
    overlap), in the document's order."""
    seen: set[str] = set()
    flags = []
    for chunk in chunks:
        for start, end in split_sentences(chunk.text):
            sentence = " ".join(chunk.text[start:end].split())
            if sentence in seen:
                continue
            seen.add(sentence)
            reason = unquotable_reason(sentence)
            if reason:
                shown = sentence if len(sentence) <= MAX_SENTENCE_CHARS else sentence[:MAX_SENTENCE_CHARS] + "…"
                flags.append(Flag(doc_id, shown, reason))
    return flags
