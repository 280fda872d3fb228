"""Personal medical advice: a question asking for a dose, or whether to stop, start, skip,
switch or change a medicine or treatment.

``wants_personal_advice`` reads the question; the answer then gives only the general
information the documents hold, drops any sentence with a dose (``has_dose_or_instruction``)
and refers to the care team. ``treatments_named`` lists the specific treatments a question
names. The medicines and the words for medicine in general are the reviewed list
``rag/data/medicines.tsv`` (read through ``rag.text.wordlists``): a new drug name is added there,
not here. Every function takes that list's path, so a test can use its own copy.

Left out: languages other than English; a change that names no medicine or treatment
("should I stop exercising?") is not advice here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.text import wordlists
from rag.text.lexical import fold

MEDICINES_PATH = wordlists.path_of("medicines")
_F = re.I | re.X | re.S


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, _F)


# Words that point back at a medicine named before ("should I stop it?").
_POINTERS = r"it|them|this\s+(?:drug|medicine|one)"


@lru_cache(maxsize=4)
def _medicines(path: Path = MEDICINES_PATH) -> tuple[re.Pattern, frozenset[str]]:
    """(a medicine named or pointed at, the words for medicine in general)."""
    rows = wordlists.table("medicines", path)
    pattern = _rx(rf"\b(?:{wordlists.alternation(r['term'] for r in rows)}|{_POINTERS})\b")
    generic = frozenset(r["term"] for r in rows if r["generic"] == "yes") | {"it", "them", "this"}
    return pattern, generic


_DOSE = _rx(r"""
    \b(?:what\s+(?:dose|dosage|amount|strength)|which\s+dose|right\s+dose|correct\s+dose|max(?:imum)?\s+dose|safe\s+dose|usual\s+dose
      |how\s+(?:much|many)\s+(?:\w+\s+){0,3}(?:mg|milligrams?|pills?|tablets?|units?|doses?|injections?|infusions?|should\s+i|can\s+i|do\s+i|to\s+take)
      |how\s+often\s+(?:should|do|can|must)\s+(?:i|we|he|she)\s+(?:take|have|get|use|inject))\b
  | \b\d+(?:\.\d+)?\s*(?:mg|mcg|milligrams?|grams?|ml|units?|iu)\b
  | \b(?:double|triple|halve|half|increase|decrease|raise|lower|up|cut|reduce|adjust|change)\s+(?:my|the|his|her)\s+(?:\w+\s+)?(?:dose|dosage|meds?|medicines?|medications?)
  | \bmy\s+(?:\w+\s+)?(?:dose|dosage)\b
""")
_CHANGE = _rx(r"""
    \b(?:should|can|could|may|must|do|would|is\s+it\s+(?:ok|okay|safe|fine|alright)\s+(?:for\s+me\s+)?to|is\s+it\s+(?:ok|okay|safe)\s+if)\s+
      (?:i|we|he|she|my\s+\w+)?\s*
      (?:(?:just|go\s+ahead\s+and|maybe|really|still|also|now|safely|already|only|ever|sometimes|simply)\s+)?
      # asking the doctor for the change is asking whether to make it
      (?:ask\s+(?:(?:my|the|our)\s+\w+\s+|him\s+|her\s+|them\s+)?(?:to|about|for|if\s+i\s+(?:can|could|should))\s+)?
      (?:stop|stopping|quit|quitting|come\s+off|go\s+off|get\s+off|taper|skip|skipping|miss|pause|halt|discontinue|drop
        |start|starting|begin|go\s+on|get\s+on|try|trying|take(?!\s+part)|taking(?!\s+part)|switch|switching|swap|swapping
        |change|changing|replace|add|adding|combine|mix|double|increase|reduce|lower|cut\s+back
        |get|have|do|use|continue|refuse|decline|stay\s+on|keep\s+(?:taking|on|using)|sign\s+up)\b
  | \b(?:i\s+(?:want|plan|am\s+going|'m\s+going|m\s+going|decided|think\s+i\s+(?:should|will))\s+to|i'?ll|i\s+will|i\s+might)\s+
      (?:stop|quit|come\s+off|skip|switch|start|take|double|change|ditch)\b
  | \b(?:stop|quit|skip|switch|start|double)\s+(?:taking\s+)?(?:my|his|her)\b
  | \binstead\s+of\s+(?:my|the)\b
  | \b(?:which|what)\s+(?:one\s+|drug\s+|medicine\s+|medication\s+|treatment\s+)?(?:is\s+)?(?:better|best|right|safer|safest)\s+for\s+(?:me|him|her|my)\b
  | \b(?:prescribe|give)\s+(?:me|him|her)\b
  | \b(?:or|should\s+i)\s+stay\s+on\b
""")
# Dose amounts, schedules and stop/start instructions: never shown for an advice question.
DOSE_IN_TEXT = _rx(r"""
    \b\d+(?:[.,]\d+)?\s*(?:-\s*\d+\s*)?(?:mg|mcg|µg|g|grams?|milligrams?|ml|units?|iu)(?:/(?:kg|m2|day|week))?\b
  | \b(?:once|twice|three\s+times|\d+\s+times)\s+(?:a|per|each|every)\s+(?:day|week|month)\b
  | \b(?:stop|discontinue|start|double|halve|skip)\s+(?:taking\s+)?(?:your|the|this)\s+(?:dose|medicine|medication|drug|treatment)\b
""")



# "stop it from happening", "keep this from getting worse": preventing the disease, which
# is a question for the documents, not a change of medicine.
_PREVENTING = _rx(r"""\b(?:stop|stopping|keep|keeping)\s+(?:\w+\s+){1,3}?
    (?:from\s+\w+ing|(?:getting|developing|catching|inheriting|having)\s+(?:it|this|that|the)\b)""")


def wants_personal_advice(text: str, medicines: Path = MEDICINES_PATH) -> bool:
    t = _PREVENTING.sub("prevent", fold(text))
    named, _ = _medicines(medicines)
    # a dose asked of a medicine, for oneself, or of what people take ("what dose do people
    # usually take", after a question about a medicine)
    if _DOSE.search(t) and (named.search(t) or re.search(r"\b(?:i|my|me|take|takes|taking|given|prescribed)\b", t)):
        return True
    return bool(_CHANGE.search(t) and named.search(t))


def treatments_named(text: str, medicines: Path = MEDICINES_PATH) -> list[str]:
    """Specific medicines or treatments a question names ("methotrexate", "transplant")."""
    named, generic = _medicines(medicines)
    found = (m.group(0) for m in named.finditer(fold(text)))
    return [w for w in dict.fromkeys(found) if w not in generic and not w.startswith("this ")]


def has_dose_or_instruction(sentence: str) -> bool:
    return bool(DOSE_IN_TEXT.search(fold(sentence)))


# A document sentence that tells the reader what to do with their medicines, as only their
# care team may ("stop all of your medicines today", "take 2 tablets every morning"): never
# quoted to a patient, whatever they asked, even when a document says it.
_DIRECTIVE = _rx(r"""
    \b(?:stop|quit|discontinue|skip|double|halve|increase|reduce|change)\s+(?:taking\s+)?(?:all\s+)?(?:of\s+)?
      (?:your|their|his|her)\s+(?:\w+\s+)?(?:medicines?|medications?|meds|drugs?|pills?|tablets?|treatments?|doses?)\b
  | \b(?:take|use|inject|swallow)\s+(?:\d+|one|two|three|four)\s+(?:tablets?|pills?|capsules?|drops?|puffs?|injections?|doses?)\b
  | \b(?:take|use)\s+(?:\w+\s+){0,3}(?:every|each)\s+(?:day|morning|evening|night|week)\b
  | \byou\s+(?:should|must|need\s+to|have\s+to)\s+(?:stop|start|double|skip|take(?!\s+part)|quit)\b
""")


_TAKING = _rx(r"\b(?:take|takes|taking|took|dose|doses|dosage|daily|every|weekly|monthly|nightly|twice|per\s+day|a\s+day|a\s+week|inject\w*|swallow)\b")


def speaks_for_care_team(sentence: str) -> bool:
    """A dose, a schedule or a stop/start instruction to the reader: what a document may
    say, but only the patient's care team may tell them."""
    folded = fold(sentence)
    # an amount is a dose only beside taking it ("greater than 30 mg of albumin" is a lab value)
    dose = DOSE_IN_TEXT.search(folded) and _TAKING.search(folded)
    return bool(dose or _DIRECTIVE.search(folded))
