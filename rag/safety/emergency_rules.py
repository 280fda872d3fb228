"""Emergency rules: regular expressions for the wording of an emergency that is exact.

``urgent_category`` asks the English rules first (``rag.safety.emergency_english``: one
rule per urgent category, ``SYMPTOMS``: chest pain, trouble breathing, a racing heart with
faintness, fainting or stroke signs, thoughts of suicide said directly or indirectly, an
overdose, and scleroderma's own emergencies: renal crisis, a finger or toe turning black or
staying white for hours, an infected ulcer, bleeding, a swollen hard belly with vomiting,
food stuck, a fever on immune-lowering medicines, an allergic reaction after an infusion),
then the commonest wording of chest pain, trouble breathing, stroke signs and thoughts of
suicide in Spanish, French, Portuguese, Chinese and Arabic
(``rag.safety.emergency_languages``). Both read a bounded, folded text whose misspelt
symptom words are repaired first (``rag.safety.emergency_reading``: ``rules_read``,
``repair_typos``), so the rules can run before the length limit (an emergency in an
over-long message is still caught).

Talk of suicide or an overdose is always urgent; other symptoms when the person describes
them as happening (first person, "right now", a reading) or names them with no question
around them. A general question about a symptom ("can scleroderma cause chest pain?") is
returned as the symptom asked about, so the answer carries a notice. ``urgent_language``
names the language of an emergency said in another language, for a one-line translation of
"call your emergency number now".

Left out: other emergencies and other wordings in languages other than English; severity the words do not carry ("my hands are
swollen" is not escalated, "suddenly swollen" is); the middle of a message longer than
2 x ``READ_CHARS`` characters. Emergencies said in other words are the paraphrase matcher's
(``rag.safety.emergency_paraphrases``).
"""

from __future__ import annotations

from pathlib import Path

from rag.safety.emergency_english import MEDICINES_PATH, urgent_category_en
from rag.safety.emergency_languages import other_language_category


def urgent_category(text: str, focus_start: int = 0,
                    medicines: Path = MEDICINES_PATH) -> tuple[str | None, str | None]:
    """(emergency category, or None; symptom named only in a general question, or None),
    by the rules alone. Only symptom matches that end after ``focus_start`` count.
    ``medicines``: the medicines list the fever rule reads."""
    found = urgent_category_en(text, focus_start, medicines)
    if found != (None, None):
        return found
    _, category, symptom = other_language_category(text, focus_start)
    return category, symptom


def urgent_language(text: str) -> str | None:
    """For an emergency in ``text``, the language (one of ``OTHER_LANGUAGES``) of the first
    other-language rule that matches it; None when none does (English) or it is no emergency."""
    if urgent_category(text)[0] is None:
        return None
    return other_language_category(text)[0]
