"""Safety triage, run on every question before anything is retrieved.

Three questions, each answered by its own module; ``triage`` asks all three:

1. Is this an emergency? Two matchers, both erring towards escalation:
   - rules (``rag.safety.emergency_rules``) for the wording that is exact: chest pain, trouble
     breathing, stroke signs, thoughts of suicide, an overdose, and scleroderma's own
     emergencies (renal crisis, a finger turning black, a fever on immune-lowering
     medicines...). Talk of suicide or an overdose is always urgent; other symptoms when
     the person describes them as happening, or names them with no question around them.
     A general question about a symptom ("can scleroderma cause chest pain?") is answered,
     with a notice saying what to do if it is happening now.
   - a paraphrase matcher (``rag.safety.emergency_paraphrases``): the question's vector against
     reviewed emergency descriptions and calm ones (``rag/data/emergencies.tsv``). The
     embed callable is passed in; without one only the rules run.
   ``follow_up_urgent`` reads a follow-up statement with the turn before it.
2. Is this a request for personal medical advice (``rag.safety.advice``): a dose, or whether to
   stop, start, skip, switch or change a medicine or treatment? Then the answer gives only
   the general information the documents hold, drops any sentence with a dose, and refers
   to the care team. The medicines are the reviewed list ``rag/data/medicines.tsv``.
3. Does the text try to give the bot instructions? Those spans are removed (see
   ``rag.text.typed.strip_injection``); they change nothing else.

The question triage hands on (``Triage.question``) is what every later stage reads: the
instructions removed, and the personal details too (``rag.safety.redact.without_personal_details``:
"my name is Jane Doe, born 12/03/1961. what is scleroderma?" is answered about scleroderma,
not declined for "Jane Doe born 12/03/1961"). Emergencies are looked for in the whole text.

A false alarm costs a patient a minute, a missed emergency may cost far more. Recall and
false alarms per kind: ``python -m eval.triage``. Left out: languages other than English;
severity the words do not carry ("my hands are swollen" is not escalated, "suddenly
swollen" is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rag.safety.advice import DOSE_IN_TEXT, has_dose_or_instruction, treatments_named, wants_personal_advice
from rag.safety.emergency_paraphrases import (CALM, EMERGENCIES_PATH, MARGIN, QUESTION_THRESHOLD, THRESHOLD, Paraphrases,
                                    follow_up_urgent, paraphrase_category, paraphrases_for, read_descriptions)
from rag.safety.emergency_english import SYMPTOMS
from rag.safety.emergency_reading import KEYWORDS, for_embedding, known_words, repair_typos
from rag.safety.emergency_rules import urgent_category
from rag.text.typed import clean_question, strip_injection
from rag.safety.redact import without_personal_details

__all__ = [
    "CALM", "DOSE_IN_TEXT", "EMERGENCIES_PATH", "KEYWORDS", "MARGIN", "QUESTION_THRESHOLD", "SYMPTOMS",
    "THRESHOLD", "Paraphrases", "Triage", "follow_up_urgent", "for_embedding", "has_dose_or_instruction",
    "known_words", "paraphrase_category", "paraphrases_for", "read_descriptions", "repair_typos",
    "treatments_named", "triage", "urgent_category", "wants_personal_advice",
]


@dataclass(frozen=True)
class Triage:
    """What the rules found in one question."""

    question: str  # the question with any injected instructions and personal details removed
    urgent: str | None = None  # emergency category, if this is one
    symptom: str | None = None  # urgent symptom asked about in general terms
    advice: bool = False  # asks for a dose or a change of treatment
    injection: tuple[str, ...] = ()


def triage(question: str, embed: Callable | None = None) -> Triage:
    """Run all three checks. Emergencies are looked for in the whole text, including any
    injected part: an instruction never hides a symptom. With ``embed`` (texts -> unit
    vectors), an emergency said in other words than the rules know is found too."""
    stripped = strip_injection(question)
    urgent, symptom = urgent_category(question)
    if urgent is None:
        urgent = paraphrase_category(for_embedding(question), embed)
        symptom = None if urgent else symptom
    asked = without_personal_details(stripped.text)
    return Triage(
        question=asked,
        urgent=urgent,
        symptom=symptom,
        advice=urgent is None and wants_personal_advice(asked),
        injection=stripped.removed,
    )


def urgent_in_context(question: str, history: list[dict], embed: Callable | None = None) -> str | None:
    """An emergency spread over two turns ("I had a transplant last week" / "now I have
    a fever"; "my finger is white" / "it's been like that for three hours"): the previous
    user turn and this one read together (``follow_up_urgent``)."""
    earlier = [t["content"] for t in history if t["role"] == "user"]
    if not earlier or not question:
        return None
    return follow_up_urgent(clean_question(earlier[-1]), question, embed)
