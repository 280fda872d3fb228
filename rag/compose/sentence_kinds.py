"""What a document sentence can answer: the kinds of question it speaks to, and what it
points back to.

The answer composer (``rag/compose/extract.py``) leads with a sentence that answers the *kind* of
question asked (a risk question with the sentence that names the risks, "is there a cure"
with the sentence about a cure), so each candidate sentence is read here for cues of each
kind from ``rag.question.kinds.QUESTION_KINDS``. Cues are word stems a sentence of that kind
uses in almost any health text ("side effects", "infections" -> risks; "involves",
"followed by" -> procedure); ``cue_strength`` counts distinct cues, so the sentence that
names three risks beats the one that only says "there are risks".

A sentence that opens by pointing back ("This therapy...", "It can also...", "These
trials...") is only read right after the sentence it points to: ``rag.text.sentences.points_back`` says so, and
``in_context`` is the text to judge it by (the sentence before, then it), so "the procedure
has risks" is known to be about the transplant named just before.

Everything is a pure function of text. Left out: real parsing (no tagger works offline
here), cues in languages other than English.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import wordlists
from rag.text.lexical import opens_on, terms
from rag.text.sentences import about_earlier
# Each kind's cues. Written for health texts in general, not for one corpus; a cue may
# belong to several kinds (a remission is a benefit and part of the outlook).
_CUES: dict[str, str] = {
    "definition": r"\b(?:is|are)\s+(?:a|an|the)\s+(?:\w+\s+){0,4}(?:disease|disorder|condition|illness|medicine|drug|"
                  r"treatment|therapy|procedure|type|kind|form|group|protein|cell|test|study|studies)\b|"
                  r"\bmeans?\b|\b(?:also\s+)?(?:known|called)\s+as\b|\brefers?\s+to\b|\bis\s+called\b|\bdefined\s+as\b|"
                  # what it is, not how it is ("a condition in which ...", not "a common condition")
                  r"(?:(?<=disease )|(?<=disorder )|(?<=condition )|(?<=illness )|(?<=syndrome ))(?:in\s+which|that|where)\b|"
                  # the textbook shape: a short name, then "is a/the/one of" ("Gout is a form of arthritis")
                  # (looked ahead, so it counts beside the cue it holds: two cues)
                  # or a long name with its short one ("Chronic obstructive pulmonary disease, or COPD, is")
                  r"^(?=(?:[\w'(),-]+\s+){1,5}(?:is|are)\s+(?:a|an|the|one\s+of)\s|"
                  r"[\w'()-]+(?:\s+[\w'()-]+){0,5},\s+(?:or|also\s+called)\s+[^,]{1,40},\s+(?:is|are)\s)",
    "cause": r"\bcaus\w*|\bdue\s+to\b|\bresults?\s+(?:from|of)\b|\btrigger\w*|\bmechanism\w*|\bpathogen\w*|"
             r"\bgene(?:s|tic\w*)?\b|\binherit\w*|\bmutation\w*|\bcharacteri[sz]ed\s+by\b|\bdeposit\w*|"
             r"\battack\w*|\bautoimmun\w*|\bimmune\s+system\b|\bleads?\s+to\b|\bleading\s+to\b|\brisk\s+factors?\b",
    "symptoms": r"\bsymptom\w*|\bsigns?\b|\baffect\w*|\borgans?\b|\blungs?\b|\bheart\b|\bkidneys?\b|\bskin\b|"
                r"\bgastro\w*|\bdigest\w*|\bthicken\w*|\bharden\w*|\btighten\w*|\bpain\w*|\bfatigue\b|"
                r"\bswell\w*|\bmanifest\w*|\binvolvement\b|\bcomplications?\b|\bstages?\b",
    "diagnosis": r"\bdiagnos\w*|\btests?\b|\btesting\b|\bscreen\w*|\bbiops\w*|\bblood\s+tests?\b|\bscans?\b|"
                 r"\bx-rays?\b|\bdetect\w*|\bexam\w*|\bmeasur\w*",
    "treatment": r"\btreat\w*|\btherap\w*|\bdrugs?\b|\bmedicines?\b|\bmedications?\b|\bagents?\b|"
                 r"\bimmunosuppress\w*|\btransplant\w*|\bsurgery\b|\boptions?\b|\bmanag\w*|\bprescri\w*",
    "how_it_works": r"\bsuppress\w*|\btarget\w*|\bblock\w*|\binhibit\w*|\bcalm\w*|\bslow\w*|\bworks?\s+by\b|"
                    r"\baims?\s+to\b|\bregenerat\w*|\brebuild\w*|\breboot\w*|\breset\w*|\bstops?\b|\breduc\w*|"
                    r"\bmodulat\w*|\bby\s+(?:\w+ing)\b",
    "benefit": r"\bimprov\w*|\bbenefit\w*|\beffective\w*|\befficac\w*|\bpromis\w*|\bremission\b|\bhelps?\b|"
               r"\bslowing\b|\bstabili[sz]\w*|\bencouraging\b|\bshown\b|\bsuccess\w*|\bwork(?:s|ed)?\s+well\b|"
               r"\boutcomes?\b|\bquality\s+of\s+life\b",
    "risks": r"\brisks?\b|\bside\s+effects?\b|\badverse\b|\bcomplications?\b|\binfections?\b|\bcytopeni\w*|"
             r"\blife-threatening\b|\bdeath\b|\bdeadly\b|\bfatal\b|\bmortality\b|"
             r"\btoxic\w*|\bharm\w*|\bdanger\w*|\bsafety\b|\bunsafe\b|\bnot\s+without\b|\bmonitor\w*|\bwarning\w*",
    "procedure": r"\binvolv\w*|\bharvest\w*|\bcollect\w*|\breinfus\w*|\binfus\w*|\bfollowed\s+by\b|\bthen\b|"
                 r"\bsteps?\b|\bprocess\b|\bfirst\b|\bafter\w*|\bbefore\b|\bduring\b|\bhigh-dose\b|\bchemotherap\w*|"
                 r"\bhospital\w*|\bweeks?\b|\bmonths?\b",
    "who_for": r"\bselected\s+patients\b|\beligib\w*|\binclusion\s+criteria\b|\bwhich\s+patients\b|"
               r"\bpatient\s+selection\b|\bcandidates?\b|\bsevere\b|\bpeople\s+with\b|\bpatients\s+with\b|"
               r"\bmost\s+likely\s+to\s+benefit\b|\bsuitable\b|\brecommended\s+for\b|\bwomen\b|\bmen\b|\bchildren\b|\bages?\b",
    "frequency": r"\brare\b|\bcommon\w*|\bpercent\b|%|\bprevalen\w*|\bincidence\b|\bout\s+of\s+every\b|"
                 r"\bthousands?\b|\bmillions?\b|\bper\s+\d",
    "outlook": r"\bcur(?:e|es|ed|ative)\b|\blife-threatening\b|\bmortality\b|\bdeath\b|\bdie\b|\bprognos\w*|"
               r"\boutlook\b|\blong-term\b|\bremission\b|\bsurviv\w*|\bmorbidity\b|\bprogress(?:es|ed|ing|ion|ive\w*)\b|\bworsen\w*|"
               r"\bchronic\b|\blifelong\b|\bno\s+cure\b|\bstabili[sz]\w*|\bhalt\w*",
    "research": r"\bresearch\w*|\btrials?\b|\bstud(?:y|ies|ied)\b|\binvestigat\w*|\bbeing\s+(?:tested|evaluated|studied)\b|"
                r"\bemerging\b|\bfuture\b|\bongoing\b|\bnew\w*\s+(?:treatments?|therapies|drugs)\b|\bscientists?\b|\bexplor\w*",
    "trial": r"\bclinical\s+trials?\b|\bparticipat\w*|\btaking\s+part\b|\btake\s+part\b|\brecruit\w*|\benrol\w*|"
             r"\binclusion\s+criteria\b|\bvolunteer\w*|\bjoin\w*|\baccess\s+to\b",
    "comparison": r"\bcompared\s+(?:to|with)\b|\bthan\b|\bbetter\b|\bversus\b|\bvs\.?\b|\bfewer\b|\bmore\s+\w+\s+than\b|"
                  r"\bunlike\b|\bwhereas\b|\bbroad\b|\bprecise\b",
    "self_care": r"\bexercis\w*|\bphysical\s+therapy\b|\boccupational\s+therapy\b|\bdaily\b|\beveryday\b|"
                 r"\bquality\s+of\s+life\b|\badapt\w*|\bcop(?:e|ing)\b|\blifestyle\b|\bsupport\w*|\bdiet\w*|"
                 r"\bskin\s+care\b|\bmoisturi\w*|\bwarm\b|\bavoid\w*|\bstretch\w*|\bjoint\s+mobility\b|"
                 r"\bprevent\w*|\breduce\s+(?:the\s+|your\s+|their\s+)?(?:chances?|risk)\b",
}
CUES: dict[str, re.Pattern] = {k: re.compile(v, re.I) for k, v in _CUES.items()}

# Words that say what kind of answer a question wants, or how it is asked: never its topic
# ("what are the *risks* of a transplant" is about the transplant).
ASKING_WORDS = wordlists.words("asking_words")  # rag/data/asking_words.tsv

@lru_cache(maxsize=50_000)
def cue_strength(sentence: str, kind: str) -> int:
    """How many distinct cues of ``kind`` the sentence holds (0 for an unknown kind)."""
    pattern = CUES.get(kind)
    if pattern is None:
        return 0
    return len({m.group(0).lower() for m in pattern.finditer(sentence)})


# Kinds whose answer must say the thing itself: a risk question is not answered by a sentence
# naming no risk, nor "how common is it" by one giving no frequency, nor "will it get
# better" by one saying nothing of what lies ahead (outlook since 2026-12-06: eval.pages
# outlook lead@1 0.21 -> 0.36). (For other kinds the cues are too broad to hold an answer to.)
KINDS_NEEDING_CUES = frozenset({"risks", "frequency", "diagnosis", "outlook"})


def answers_kind(sentence: str, kind: str) -> bool:
    """The sentence holds at least one cue of ``kind``."""
    return cue_strength(sentence, kind) > 0


def kinds_answered(sentence: str) -> frozenset[str]:
    """Every kind of question the sentence holds at least one cue for."""
    return frozenset(k for k in CUES if cue_strength(sentence, k))


def in_context(sentence: str, before: str | None, section: str = "") -> str:
    """The text to judge a sentence by: one whose subject was named before is read after
    the sentence before it, so "It can also affect the lungs" is about what came before;
    the section heading, when there is one, says what the whole passage is about."""
    text = f"{before} {sentence}" if before and about_earlier(sentence) else sentence
    return f"{section}: {text}" if section else text


def asked_cues(question: str, kind: str) -> frozenset[str]:
    """The question's own words that say what kind of answer it wants ("risks", "cure"),
    as three-letter prefixes: a sentence using them ("curative") answers this kind most
    directly. Only asking words count: "lungs" in "does it affect the lungs" is a topic."""
    pattern = CUES.get(kind)
    if pattern is None:
        return frozenset()
    words = (w.lower() for m in pattern.finditer(question) for w in m.group(0).split())
    return frozenset(w[:3] for w in words if w in ASKING_WORDS)


def kind_strength(sentence: str, kind: str, asked: frozenset[str] = frozenset(), own_word: float = 0.5) -> float:
    """How squarely the sentence answers ``kind``: a third per distinct cue (at most 1), and
    ``own_word`` more when it uses the question's own word for the kind (for a yes/no
    question, "is there a cure?", that word is what settles it)."""
    base = min(cue_strength(sentence, kind), 3) / 3
    pattern = CUES.get(kind)
    if asked and pattern is not None and any(m.group(0).lower()[:3] in asked for m in pattern.finditer(sentence)):
        base += own_word
    return base


# "ARDS causes the lungs to become stiff", "Autoimmune hepatitis can lead to cirrhosis",
# "Carotid artery disease is a major cause of stroke": the subject causing something else
# tells its effects, not its cause ("is caused by", "due to", "results from" do)
_ACTIVE_CAUSE = re.compile(r"\b(?:causes|cause|causing)\b(?!\s+of\b)|\b(?:lead|leads|leading)\s+to\b|"
                           r"\bresults?\s+in\b|\b(?:is|are)\s+(?:a|an|the|one)\s+(?:\w+\s+){0,3}?causes?\s+of\b", re.I)
# ... and what makes it: "X is caused by ...", "due to", "results from"
_CAUSED = re.compile(r"\bcaused\s+by\b|\bdue\s+to\b|\bresults?\s+from\b|\b(?:happens|occurs|develops)\s+when\b", re.I)


def tells_effects_of(sentence: str, subject: frozenset[str], opening: int = 4) -> bool:
    """Whether the sentence opens on the ``subject`` (stems) and says what it causes, and
    nothing of what causes it."""
    effect = _ACTIVE_CAUSE.search(sentence)
    if not effect or _CAUSED.search(sentence) or not opens_on(sentence, subject, opening):
        return False
    # "A combination of autoimmunity ... can lead to autoimmune hepatitis": what leads to
    # the subject named at the opening is its cause
    opened_on = subject & set(terms(" ".join(sentence.split()[:opening])))
    return not opened_on & set(terms(sentence[effect.end():]))


# "Research is ongoing on the causes of narcolepsy", "Scientists are studying what causes
# it": the cause is being looked for, not told
_STUDIES_CAUSE = re.compile(r"\b(?:research|studies)\s+(?:is|are)\s+(?:ongoing|underway|continuing)\s+(?:on|into)\b|"
                            r"\b(?:studying|research\s+(?:on|into)|to\s+(?:learn\s+more\s+about|find\s+out|understand))\s+"
                            r"(?:the\s+|its\s+)?(?:causes?|what\s+causes)\b", re.I)


def studies_the_cause(sentence: str) -> bool:
    """Whether the sentence says the cause is being researched, not what it is."""
    return bool(_STUDIES_CAUSE.search(sentence))
