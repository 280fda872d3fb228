"""Safety triage, run on every question before anything is retrieved.

Three questions, answered by rules over the text alone (no model, no network):

1. Is this an emergency? Symptoms such as chest pain, trouble breathing, thoughts of
   suicide, signs of scleroderma renal crisis (sudden severe headache with very high blood
   pressure), fingers turning black, coughing up blood, fainting, stroke signs, fever after a
   transplant or chemotherapy, an overdose. Talk of suicide or self-harm is always urgent.
   Other symptoms are urgent when the person describes them as happening (first person,
   "right now", a blood-pressure reading) or names them with no question around them; a
   general question about a symptom ("can scleroderma cause chest pain?") is answered, with
   a notice saying what to do if it is happening now.
2. Is this a request for personal medical advice: a dose, or whether to stop, start, skip,
   switch or change a medicine or treatment? Then the answer gives only the general
   information the documents hold, drops any sentence with a dose, and refers to the care
   team.
3. Does the text try to give the bot instructions? Those spans are removed (see
   ``rag.query.strip_injection``); they change nothing else.

Rules err towards escalation: a false alarm costs a patient a minute, a missed emergency
may cost far more. Left out: languages other than English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import fold
from .query import strip_injection

_F = re.I | re.X | re.S


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, _F)


# Each symptom rule: (category, pattern). Patterns run on folded text (lowercase, ASCII quotes).
SYMPTOMS: list[tuple[str, re.Pattern]] = [
    ("self_harm", _rx(r"""
        suicid\w* | kill(?:ing)?\s+my\s?self | end(?:ing)?\s+(?:my|it)\s+(?:life|all) | take\s+my\s+(?:own\s+)?life
      | (?<!n't\s)(?<!not\s)(?<!nt\s)(?:want|wanna|wish|going|plan(?:ning)?)\s+(?:to\s+)?(?:die|be\s+dead) | better\s+off\s+dead
      | (?:don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(?:live|be\s+alive|be\s+here|wake\s+up|go\s+on)
      | no\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on)
      | (?:hurt|harm|cut|cutting)\s+my\s?self | self[-\s]?harm\w*
      | can'?t\s+go\s+on\s+(?:anymore|any\s+more|like\s+this) | not\s+worth\s+living
      | better\s+off\s+without\s+me | (?:saving|saved|stockpil\w*|hoard\w*)\s+(?:up\s+)?(?:my\s+|all\s+my\s+)?(?:pills|meds|medicines?|tablets)
      | no\s*one\s+would\s+(?:miss|care) | (?:i'?m|i\s+am)\s+(?:just\s+)?a\s+burden\s+to | end\s+it\b(?!\s+(?:early|there|soon|with\s+(?:the|my)\s+(?:drug|medicine|treatment)))
      | (?:overdose|od)\s+on\s+purpose
      | (?:take|taking|swallow\w*)\s+(?:all|every|the\s+whole|a\s+bunch|a\s+handful)\s+(?:of\s+)?(?:my\s+|the\s+|these\s+)?(?:pills|meds|tablets|medicines?|bottle) | wish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)
    """)),
    ("chest_pain", _rx(r"""
        (?:chest|heart)\s+(?:pain|pains|pressure|tightness|hurts?|hurting|squeez\w*|crush\w*|ache)
      | (?:pain|pressure|tightness|crushing|squeezing|ache)\s+(?:in|on|across)\s+(?:my|the|his|her)\s+chest
      | heart\s+attack | chest\s+(?:feels|is)\s+(?:tight|heavy|crushed)
    """)),
    ("breathing", _rx(r"""
        (?:can'?t|cannot|can\s+not|unable\s+to|struggl\w+\s+to|hard\s+to|trouble|difficult\w*|hardly)\s+(?:to\s+)?breath\w*
      | can'?t\s+(?:get|catch)\s+(?:my|a)\s+breath | gasping | choking | suffocat\w*
      | (?:severe|sudden\w*|very|extreme\w*)\s+short(?:ness)?\s+(?:of\s+)?breath
      | short\s+of\s+breath\s+(?:at\s+rest|sitting|lying|suddenly|all\s+of\s+a\s+sudden)
      | breathless\w*\s+(?:at\s+rest|suddenly) | (?:lips|face|fingertips)\W+(?:\w+\W+){0,3}blue
      | (?:really|very|so|extremely|severely|badly)\s+short\s+of\s+breath | can'?t\s+(?:finish|complete|say)\s+(?:a\s+)?(?:sentence|full\s+sentence)
    """)),
    ("renal_crisis", _rx(r"""
        (?:blood\s+pressure|bp)\s*(?:is|was|of|at|reading|readings|went|shot|up\s+to|:)?\s*(?:up\s+to\s+|at\s+|over\s+|about\s+|around\s+)?(?:1[89]\d|2\d\d)\s*/\s*\d{2,3}
      | \b(?:1[89]\d|2\d\d)\s*/\s*(?:1[0-4]\d|9\d)\b
      | (?:very|really|super|dangerously|extremely|sky)\W*high\s+(?:blood\s+pressure|bp)
      | (?:blood\s+pressure|bp)\s+(?:is\s+|was\s+|has\s+)?(?:sky(?:rocket\w*|\s+high)|through\s+the\s+roof|very\s+high|really\s+high|dangerously\s+high|extremely\s+high|spik\w+|shot\s+up)
      | (?:sudden|severe|worst|terrible|horrible|pounding|splitting|blinding|awful|excruciating)\s+(?:\w+\s+){0,2}headache.{0,80}(?:blood\s+pressure|bp|vision|blurr\w*|confus\w*|seiz\w*)
      | (?:blood\s+pressure|bp).{0,80}(?:sudden|severe|worst|terrible|pounding|splitting|blinding)\s+(?:\w+\s+){0,2}headache
      | (?:not|barely|hardly|haven'?t|have\s+not)\s+(?:been\s+)?(?:peeing|urinating|passing\s+(?:urine|water)|made\s+any\s+urine)
      | (?:no|very\s+little|little|hardly\s+any)\s+(?:urine|pee)\b
      | renal\s+crisis .{0,40} (?:i\s+think|i\s+have|having|now|right\s+now)
      | (?:i\s+think|having|i\s+have)\s+.{0,30}renal\s+crisis
    """)),
    ("digital_ischemia", _rx(r"""
        (?:finger|fingers|fingertips?|toes?|hand|hands|feet|foot)\s+(?:\w+\s+){0,3}(?:turn\w*|going|gone|went|are|is|look\w*)\s+(?:\w+\s+)?(?:black|dark\s+purple|dead)
      | (?:black|blackened|dead)\s+(?:finger|fingers|fingertips?|toes?)
      | gangren\w*
      | (?:ulcer|sore|wound)\w*\W+(?:\w+\W+){0,6}(?:infected|pus|oozing|spreading|red\s+streak\w*|smells?)
      | (?:infected|oozing)\s+(?:\w+\s+){0,2}(?:ulcer|sore|wound)
    """)),
    ("bleeding", _rx(r"""
        (?:cough\w*|vomit\w*|throw\w*\s+up|threw\s+up|spit\w*\s+up|puk\w*)\s+(?:up\s+)?(?:some\s+|a\s+lot\s+of\s+|bright\s+red\s+|red\s+|dark\s+)?blood
      | blood\W+(?:\w+\W+){0,4}(?:cough\w*|vomit\w*|threw\s+up|throw\w*\s+up|spit\w*)
      | (?:cough\w*|vomit\w*|threw\s+up)\W+(?:\w+\W+){0,4}blood
      | (?:black|tarry|bloody)\s+(?:stool|stools|poo|poop)\b | coffee[\s-]grounds?
    """)),
    ("collapse", _rx(r"""
        faint(?:ed|ing)\b | pass(?:ed|ing)\s+out | blacked\s+out | los(?:t|ing)\s+consciousness | unconscious | unresponsive
      | seizure | convuls\w*
      | face\s+(?:is\s+)?droop\w* | slurr\w+\s+(?:speech|words) | speech\s+(?:is\s+|was\s+|sounds\s+)?slurr\w* | (?:weak|numb)\w*\s+(?:on\s+)?one\s+side | having\s+a\s+stroke
      | (?:can'?t|cannot|unable\s+to)\s+move\s+(?:her|his|my|their)\s+(?:\w+\s+)?(?:arm|leg|side|face|hand)
      | (?:throat|tongue|lips)\s+(?:is\s+|are\s+)?(?:swelling|swollen|closing) | anaphyla\w*
    """)),
    ("fever_after_treatment", _rx(r"""
        (?:fever|temperature|temp|chills|rigors|shiver\w*|shaking)\b.{0,200}?(?:transplant|hsct|bmt|asct|chemo\w*|stem\s+cell|infusion|rituximab|cyclophosphamide|neutropeni\w*|low\s+white)
      | (?:transplant|hsct|bmt|asct|chemo\w*|stem\s+cell|infusion|rituximab|cyclophosphamide|neutropeni\w*).{0,200}?(?:fever|temperature\s+(?:of|is)|temp\s+(?:of|is)|chills|rigors|shiver\w*)
      | (?:temp\w*|fever)\s+(?:is\s+|of\s+|at\s+)?(?:39|4[01])(?:[.,]\d)?\b | (?:temp\w*|fever)\s+(?:is\s+|of\s+|at\s+)?(?:10[3-6])(?:[.,]\d)?\b
    """)),
    ("overdose", _rx(r"""
        overdos\w* | took\s+(?:too\s+many|too\s+much|a\s+double|double|twice|extra)\b
      | (?:accidentally|by\s+accident|by\s+mistake)\s+(?:took|taken|swallowed)
    """)),
    ("abdominal", _rx(r"""
        (?:severe|terrible|worst|unbearable)\s+(?:\w+\s+){0,2}(?:belly|stomach|abdominal|tummy)\s+pain.{0,80}(?:vomit\w*|swollen|can'?t\s+keep|not\s+passing|bloated)
    """)),
]

# "I", "my", "we"... or a loved one; or it is happening now.
_PERSONAL = _rx(r"""
    \b(?:i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|our|us)\b
  | \bmy\s+(?:mom|mum|mother|dad|father|husband|wife|partner|son|daughter|child|kid|friend|sister|brother|patient|grandma|grandpa)\b
  | \b(?:he|she|they)\s+(?:is|are|has|have|can'?t|cannot|keeps?|just)\b
  | \b(?:right\s+now|now|today|tonight|this\s+(?:morning|evening|afternoon)|since\s+\w+|suddenly|all\s+of\s+a\s+sudden|for\s+the\s+(?:last|past)|keeps?\s+getting|won'?t\s+stop|help\s+me)\b
""")
# A question about a symptom in general.
_GENERAL = _rx(r"""
    ^\s*(?:what|which|how|why|when|can(?!'|not)|could(?!n)|does|do|is|are|will|would|should\s+patients|tell\s+me\s+about|explain)\b
""")
_ALWAYS_URGENT = {"self_harm", "overdose"}


# --- personal advice ---------------------------------------------------------------------

_MEDICINE = r"""(?:
    medicines?|medications?|meds?|drugs?|pills?|tablets?|doses?|dosage|prescriptions?|injections?|infusions?|shots?
  | treatments?|therapy|therapies|chemo\w*|transplant\w*|steroids?|prednison\w*|immunosuppress\w*|biologics?
  | methotrexate|mtx|mycophenolat\w*|cellcept|mmf|cyclophosphamide|cytoxan|rituximab|rituxan|tocilizumab|actemra
  | nintedanib|ofev|azathioprine|hydroxychloroquine|plaquenil|nifedipine|amlodipine|sildenafil|bosentan
  | omeprazole|lansoprazole|ppi|lisinopril|captopril|enalapril|iloprost|aspirin|ibuprofen
  | prednisolone|methylprednisolone|cortisone|hydrocortisone|dexamethasone|budesonide
  | \w+(?:mab|nib|pril|sartan|statin|prazole|olimus|cept)
  | it|them|this\s+(?:drug|medicine|one)
)"""
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
      (?:stop|stopping|quit|quitting|come\s+off|go\s+off|get\s+off|taper|skip|skipping|miss|pause|halt|discontinue|drop
        |start|starting|begin|go\s+on|get\s+on|try|take(?!\s+part)|taking(?!\s+part)|switch|swap|change|replace|add|combine|mix|double|increase|reduce|lower|cut\s+back
        |get|have|do|use|continue|refuse|decline|stay\s+on|keep\s+(?:taking|on|using)|sign\s+up)\b
  | \b(?:i\s+(?:want|plan|am\s+going|'m\s+going|m\s+going|decided|think\s+i\s+(?:should|will))\s+to|i'?ll|i\s+will|i\s+might)\s+
      (?:stop|quit|come\s+off|skip|switch|start|take|double|change|ditch)\b
  | \b(?:stop|quit|skip|switch|start|double)\s+(?:taking\s+)?(?:my|his|her)\b
  | \binstead\s+of\s+(?:my|the)\b
  | \b(?:which|what)\s+(?:one\s+|drug\s+|medicine\s+|medication\s+|treatment\s+)?(?:is\s+)?(?:better|best|right|safer|safest)\s+for\s+(?:me|him|her|my)\b
  | \b(?:prescribe|give)\s+(?:me|him|her)\b
  | \b(?:or|should\s+i)\s+stay\s+on\b
""")
_MEDICINE_RX = _rx(r"\b" + _MEDICINE + r"\b")
# Dose amounts, schedules and stop/start instructions: never shown for an advice question.
DOSE_IN_TEXT = _rx(r"""
    \b\d+(?:[.,]\d+)?\s*(?:-\s*\d+\s*)?(?:mg|mcg|µg|g|grams?|milligrams?|ml|units?|iu)(?:/(?:kg|m2|day|week))?\b
  | \b(?:once|twice|three\s+times|\d+\s+times)\s+(?:a|per|each|every)\s+(?:day|week|month)\b
  | \b(?:stop|discontinue|start|double|halve|skip)\s+(?:taking\s+)?(?:your|the|this)\s+(?:dose|medicine|medication|drug|treatment)\b
""")


@dataclass(frozen=True)
class Triage:
    """What the rules found in one question."""

    question: str  # the question with any injected instructions removed
    urgent: str | None = None  # emergency category, if this is one
    symptom: str | None = None  # urgent symptom asked about in general terms
    advice: bool = False  # asks for a dose or a change of treatment
    injection: tuple[str, ...] = ()


def urgent_category(text: str, focus_start: int = 0) -> tuple[str | None, str | None]:
    """(emergency category, or None; symptom named only in a general question, or None).
    Only symptom matches that end after ``focus_start`` count."""
    t = fold(text)
    for category, rx in SYMPTOMS:
        if not any(m.end() > focus_start for m in rx.finditer(t)):
            continue
        if category in _ALWAYS_URGENT or _PERSONAL.search(t) or not _GENERAL.search(t):
            return category, None
        return None, category
    return None, None


def wants_personal_advice(text: str) -> bool:
    t = fold(text)
    if _DOSE.search(t) and (_MEDICINE_RX.search(t) or re.search(r"\b(?:i|my|me)\b", t)):
        return True
    return bool(_CHANGE.search(t) and _MEDICINE_RX.search(t))


_GENERIC_MEDICINE = frozenset(
    "medicine medicines medication medications med meds drug drugs pill pills tablet tablets dose "
    "doses dosage prescription prescriptions injection injections infusion infusions shot shots "
    "treatment treatments therapy therapies it them this".split())


def treatments_named(text: str) -> list[str]:
    """Specific medicines or treatments a question names ("methotrexate", "transplant")."""
    found = (m.group(0) for m in _MEDICINE_RX.finditer(fold(text)))
    return [w for w in dict.fromkeys(found) if w not in _GENERIC_MEDICINE and not w.startswith("this ")]


def triage(question: str) -> Triage:
    """Run all three checks. Emergencies are looked for in the whole text, including any
    injected part: an instruction never hides a symptom."""
    stripped = strip_injection(question)
    urgent, symptom = urgent_category(question)
    return Triage(
        question=stripped.text,
        urgent=urgent,
        symptom=symptom,
        advice=urgent is None and wants_personal_advice(stripped.text),
        injection=stripped.removed,
    )


def has_dose_or_instruction(sentence: str) -> bool:
    return bool(DOSE_IN_TEXT.search(fold(sentence)))
