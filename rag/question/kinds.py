"""What kind of question is this? (definition, cause, treatment, risks, outlook, ...)

Job: the "understand the question" stage. Given a patient's question (and its MiniLM
vector, which the pipeline computes anyway), say which of ``QUESTION_KINDS`` it asks, so the
answer can lead with the sentence that answers that kind. Three pure pieces:

- ``KindModel``: a multinomial logistic regression over the 384-d question embedding,
  concatenated with a few lexical cue features (``cue_features``: which hand-rule cues fire,
  and whether the question is yes/no). Weights live in ``rag/data/question_kinds.npz``,
  fitted by ``python -m eval.train_kinds``; prediction is numpy only (no scikit-learn at run
  time, well under 1 ms per question). The saved model may be a *hybrid*: when exactly one
  kind's cue fires (an unambiguous cue) that kind wins, otherwise the regression decides;
  the training script keeps whichever did better in validation and records it in the file.
- ``rule_kind``: the hand-rules baseline (regex cues in priority order), kept as the
  comparison the model must beat and as the source of the cue features.
- ``focus_phrase``: the phrase a question is about ("does CBD oil cure scleroderma" ->
  ["CBD oil", "scleroderma"]), by stripping question words, kind cue words and filler.

A yes/no question takes the kind of what it asks about ("is there a cure" -> outlook; "does
methotrexate help skin" -> benefit; "is the transplant dangerous" -> risks); ``is_yes_no``
says separately whether it is one.

"What kind of doctors should be on my care team" is ``treatment`` (who treats the disease
is part of how it is treated); coping, diet, exercise, prevention and support groups are
``self_care``; costs, insurance, places and small talk are ``other``.

MedQuAD question types (``qtype``) map onto kinds as ``MEDQUAD_KINDS`` says: information ->
definition; causes, inheritance, genetic changes -> cause; symptoms, stages, complications
-> symptoms; exams and tests -> diagnosis; treatment -> treatment; susceptibility ->
who_for; frequency -> frequency; outlook -> outlook; research -> research; prevention,
considerations ("What to do for X?", diet and nutrition), support groups -> self_care.
MedQuAD has no how_it_works, benefit, risks, procedure, trial, comparison or other
questions; those come from the hand-written patient questions in
``rag/data/question_kinds_train.jsonl``.

Left out: several kinds per question (one kind, with the scores of all), and any use of the
answer documents (the kind is a property of the question alone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

QUESTION_KINDS: tuple[str, ...] = (
    "definition", "cause", "symptoms", "diagnosis", "treatment", "how_it_works", "benefit",
    "risks", "procedure", "who_for", "frequency", "outlook", "research", "trial",
    "comparison", "self_care", "other",
)

MEDQUAD_KINDS: dict[str, str] = {
    "information": "definition",
    "causes": "cause",
    "inheritance": "cause",
    "genetic changes": "cause",
    "symptoms": "symptoms",
    "stages": "symptoms",
    "complications": "symptoms",
    "exams and tests": "diagnosis",
    "treatment": "treatment",
    "susceptibility": "who_for",
    "frequency": "frequency",
    "outlook": "outlook",
    "research": "research",
    "prevention": "self_care",
    "considerations": "self_care",
    "support groups": "self_care",
}

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "question_kinds.npz"

# --- yes/no -------------------------------------------------------------------------------

_LEAD_IN = re.compile(
    r"^\s*(?:(?:hi|hello|hey|ok|okay|so|um+|well|please|sorry|thanks|quick question|"
    r"question|also|and|but|dear \w+)\b[\s,.:!-]*)+", re.I)
_YES_NO = re.compile(
    r"^(?:is|are|am|was|were|isn'?t|aren'?t|can|could|can'?t|does|do|did|doesn'?t|don'?t|"
    r"will|would|won'?t|should|shall|has|have|had|hasn'?t|haven'?t|may|might|must)\b", re.I)


def _main_clause(question: str) -> str:
    """The last clause that asks something: chatty lead-ins and context before it dropped
    ("my doctor wants me on X, is it safe?" -> "is it safe?")."""
    text = re.sub(r"\s+", " ", question).strip()
    parts = [p.strip() for p in re.split(r"(?<=[,.;:!?])\s+|\s+-\s+", text) if p.strip()]
    asking = [p for p in parts if p.endswith("?") or _YES_NO.match(_LEAD_IN.sub("", p))
              or re.match(r"^(?:what|whats|what's|how|why|who|which|when|where)\b", _LEAD_IN.sub("", p), re.I)]
    chosen = asking[-1] if asking else (parts[-1] if parts else text)
    return _LEAD_IN.sub("", chosen).strip()


def is_yes_no(question: str) -> bool:
    """True when the question's asking clause opens with an auxiliary verb (is, can, does,
    will, should, has ...): it can be answered yes or no."""
    return bool(_YES_NO.match(_main_clause(question)))


# --- hand rules ---------------------------------------------------------------------------

_DRUGISH = r"(?:\w+(?:mab|nib|ine|ide|one|ate|ol|pril|sartan|stat)|drug|medicine|medication|meds?|pill|treatment|therapy|it|this|that)"

# (kind, cue) in priority order: the first kind whose cue matches is the rule's answer.
_CUES: tuple[tuple[str, re.Pattern], ...] = tuple((k, re.compile(p, re.I)) for k, p in (
    ("comparison", r"\b(?:vs\.?|versus|better than|worse than|safer than|compared? (?:to|with)|"
                   r"difference between|differ(?:ent)? from|instead of|rather than|or .{2,40}which|"
                   r"(?:which|what'?s) (?:one )?(?:is )?(?:better|safer|best)|over \w+ for|as good as|"
                   r"choose .{1,30} over|(?:more|less) \w+ than)\b"),
    ("self_care", r"\b(?:what can i do|how (?:can|do) i (?:keep|avoid|prevent|protect|stop|look after|cope|deal)|"
                  r"support groups?|tips)\b"),
    ("trial", r"\b(?:clinical trials?|trials?|placebo|research study|a study|the study|informed consent)\b"),
    ("research", r"\b(?:research\w*|scientists?|being (?:studied|tested|developed)|new (?:drugs?|treatments?|therap\w+)|"
                 r"breakthrough\w*|pipeline|on the horizon|latest|coming next|studies|working on|news on|"
                 r"still (?:trying|working|looking|learning)|(?:figure|work) out|not (?:yet )?known|unknowns?)\b"),
    ("who_for", r"\b(?:who (?:is|are|gets?|should|can|shouldn'?t|needs?|qualif\w*)|eligible|candidates?|qualif\w+|"
                r"at (?:higher |high |more |greater )?risk|more likely|suitable|too old|meant for|for everyone|which (?:people|patients)|"
                r"(?:kids|children|men|women|teenagers|babies|elderly|older people) get|happen more|more in (?:women|men)|only for)\b"),
    ("risks", r"\b(?:side[- ]?effects?|risks?|risky|dangers?|dangerous|safe|safety|harm\w*|damage|"
              r"hurt|downsides?|complications? (?:of|from) (?:a |the )?(?:\w+ ){0,3}(?:transplant|surgery|procedure|biopsy|treatment|infusion)|go wrong|kill (?:me|you)|"
              r"toxic\w*|infertil\w*|make (?:me|you) (?:feel )?(?:sick|ill|gain|lose)|fall out|(?:\w+(?:mab|nib|ine|ide|one|ate|"
              r"ol|pril|sartan|stat)|drugs?|medic\w+|meds|pills?|treatments?|therapy|transplant|infusions?) make (?:me|you) feel)\b"),
    ("procedure", r"\b(?:what happens (?:during|before|after|at|on|in)|how (?:is|are) (?:\w+ ){1,4}(?:done|given|taken|performed|collected)|what do (?:they|you) do (?:during|in|at)|"
                  r"how long (?:does|will|is)|steps?|process for|walk me through|recovery|expect on the day|how often do i get|stay in (?:the )?hospital)\b"),
    ("how_it_works", r"\b(?:how (?:does|do|did) .{1,40} work\b|what (?:does|do|will) (?:it|this|that|\w+) (?:actually |really )?do|"
                     r"supposed to do|meant to do|purpose of|point of|idea behind|how (?:does|do) .{1,40} (?:help|protect|slow|lower|kill))"),
    ("benefit", r"\b(?:effective\w*|work(?:s)? for|^(?:does|do|will|did) .{1,40} (?:actually |really )?work\b|"
                r"help(?:s|ed)?|benefits?|improv\w+|success\w*|worth|make (?:a|any) difference|heal|slow(?:s)? (?:down|things)|evidence|make .{1,20} better)\b"),
    ("frequency", r"\b(?:how (?:common|rare|many|often|frequent\w*|widespread)|rare|common|percent\w*|prevalen\w*|new cases)\b"),
    ("outlook", r"\b(?:cure[sd]?|curable|prognosis|outlook|life expectancy|live|survive|die|fatal|"
                r"get (?:better|worse)|go away|remission|revers\w+|long term|shorten|back to normal|"
                r"wheelchair|keep working|ever (?:stop|go|get))\b"),
    ("diagnosis", r"\b(?:diagnos\w+|tests?|tested|testing|scans?|x-?ray|biopsy|blood work|screening|"
                  r"echo\w*|capillaroscopy|antibod\w+|how (?:do|can|will) (?:you|they|i|the doctors?) (?:tell|know|find out|check)|confirm|"
                  r"check\w*|measur\w+)\b"),
    ("cause", r"\b(?:caus\w+|why|inherit\w*|genetic\w*|genes?|passed (?:down|on)|trigger\w*|"
              r"reason|mechanism|my fault|get (?:it|this|ms|\w+) from|end up with|what'?s behind|what makes)\b"),
    ("symptoms", r"\b(?:symptoms?|signs?|affects?|attack|complications?|stages?|feel like|look like|"
                 r"(?:how|what) (?:will|would|does|do|might|can|could) (?:it|this|that|they) (?:make (?:me|you) )?feel\s*\??$|"
                 r"part of|lead to|mess (?:with|up)|get into|involve\w*)\b"),
    ("treatment", r"\b(?:treat\w*|therap\w+|medications?|medicines?|meds|drugs?|prescribe|options|"
                  r"specialists?|doctors? (?:should|treat|do)|manage\w*|what can be done)\b"),
    ("self_care", r"\b(?:what can i do|i do (?:at home|myself)|at home|diet|eat\w*|foods?|exercis\w*|stretch\w*|"
                  r"cope|coping|deal with|support groups?|prevent\w*|avoid|tips?|look after|protect|"
                  r"stop smoking|alone|talk to)\b"),
    # "what are they still trying to figure out" asks what people do, not what a thing is
    ("definition", r"^(?:what|whats|what's)\s+(?:is|are|does|do)\b(?!\s+(?:they|you|we|i|he|she|people|doctors|scientists|researchers)\b)|\bmean(?:s|t)?\s*\??$|\bmeaning\b|\bdefin\w+|\bexplain\b|"
                   r"stand for|what'?s (?:a|an)\b|^what(?:'s|s| is| are)\s+(?!(?:they|you|we|i|he|she|people|doctors)\b)(?:an? |the )?[\w'-]+(?:\s[\w'-]+){0,3}\s*\??$"),
))


# Asking what a word means is a definition, whatever the word: "what does remission mean".
_MEANING = re.compile(r"^(?:so\s+|and\s+)?what\s+(?:does|do|did)\s+(?:the\s+(?:word|term)\s+)?[\w' -]{1,40}?\s+mean\s*\??$"
                      r"|\bwhat\s+(?:do|does)\s+(?:you|they|it|that)\s+mean\s+by\b|\bmeaning\s+of\b"
                      r"|\bdefin(?:e|ition\s+of)\b", re.I)


def rule_cues(question: str) -> list[str]:
    """Kinds whose cue words appear in the question's asking clause, in priority order; only
    "definition" when the clause asks what a word means."""
    clause = _main_clause(question)
    if _MEANING.search(clause.strip()):
        return ["definition"]
    found = [kind for kind, cue in _CUES if cue.search(clause)]
    if not found:  # "..., should i?": the context says what is asked
        whole = _LEAD_IN.sub("", re.sub(r"\s+", " ", question)).strip()
        found = [kind for kind, cue in _CUES if cue.search(whole)]
    return list(dict.fromkeys(found))


def rule_kind(question: str) -> str:
    """The hand-rules baseline: the first kind (in priority order) whose cue appears."""
    cues = rule_cues(question)
    return cues[0] if cues else "other"


def cue_features(texts: Sequence[str]) -> np.ndarray:
    """Cheap lexical features: one column per kind (its cue fires), plus is_yes_no."""
    out = np.zeros((len(texts), len(QUESTION_KINDS) + 1), dtype=np.float32)
    index = {k: i for i, k in enumerate(QUESTION_KINDS)}
    for row, text in enumerate(texts):
        for kind in rule_cues(text):
            out[row, index[kind]] = 1.0
        out[row, -1] = float(is_yes_no(text))
    return out


# --- the learned model --------------------------------------------------------------------

@dataclass(frozen=True)
class KindGuess:
    kind: str
    confidence: float  # the winning kind's probability (1.0 when an unambiguous cue decided)
    scores: dict[str, float] = field(default_factory=dict)  # probability of every kind


@dataclass(frozen=True)
class KindModel:
    """Multinomial logistic regression over [embedding, cue_scale * cue_features]."""

    kinds: tuple[str, ...]
    weights: np.ndarray  # (n_features, n_kinds)
    bias: np.ndarray  # (n_kinds,)
    cue_scale: float = 0.0  # 0: embedding only (cue features not used)
    hybrid: bool = False  # an unambiguous rule cue overrides the regression

    def features(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        x = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        if self.cue_scale:
            x = np.hstack([x, self.cue_scale * cue_features(texts)])
        return x

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        z = self.features(vectors, texts) @ self.weights + self.bias
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, vectors: np.ndarray, texts: Sequence[str]) -> list[KindGuess]:
        if not len(texts):
            return []
        probs = self.probabilities(vectors, texts)
        guesses = []
        for text, p in zip(texts, probs):
            scores = {k: float(v) for k, v in zip(self.kinds, p)}
            best = int(p.argmax())
            kind, confidence = self.kinds[best], float(p[best])
            if self.hybrid:
                cues = rule_cues(text)
                if len(cues) == 1:
                    kind, confidence = cues[0], max(float(scores[cues[0]]), confidence)
            guesses.append(KindGuess(kind, confidence, scores))
        return guesses

    def save(self, path: Path = DEFAULT_PATH) -> None:
        np.savez_compressed(path, kinds=np.array(self.kinds), weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32), cue_scale=np.float32(self.cue_scale),
                            hybrid=np.bool_(self.hybrid))

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> "KindModel":
        return _load(Path(path))


@lru_cache(maxsize=4)
def _load(path: Path) -> KindModel:
    with np.load(path, allow_pickle=False) as data:
        kinds = tuple(str(k) for k in data["kinds"])
        if set(kinds) != set(QUESTION_KINDS):
            raise ValueError(f"{path}: kinds {kinds} are not QUESTION_KINDS; retrain with python -m eval.train_kinds")
        return KindModel(kinds, data["weights"].astype(np.float32), data["bias"].astype(np.float32),
                         float(data["cue_scale"]), bool(data["hybrid"]))


# --- what the question is about -----------------------------------------------------------

_QUESTION_WORDS = frozenset("""
what whats what's how why who whom whose which when where is are am was were be been being
isn't aren't can could can't cannot does do did doesn't don't will would won't should shall
has have had may might must a an the this that these those it its it's there here
i me my mine myself we us our you your yours he she him her his they them their someone anyone
of for to from in on at by with about into over after before during under between than as
and or but so if then also too very really actually just even still ever only all any some
exactly precisely basically essentially honestly seriously truly literally
much many more most less such other another same own
please thanks thank hi hello hey ok okay um well sorry like kind sort type bit lot
get gets got getting go goes going went make makes made take takes took taking give given
know tell say said ask mean means meaning called call explain define
thing things stuff way ways
want wants wanted start started starting stop stopped need needs needed put puts try tried
use used using told says keep keeps let lets think worried wondering wonder
""".split())

# words that name the kind of question rather than what it is about
_CUE_WORDS = frozenset("""
risk risks risky danger dangers dangerous safe safety side effect effects harm harmful damage
cure cures cured curable prognosis outlook life expectancy survive survival die dying fatal
treat treats treated treating treatment treatments therapy therapies option options medicine medicines
help helps helped helping work works working worked effective effectiveness benefit benefits
improve improves success successful worth better best worse worst good bad
cause causes caused why reason inherited inherit genetic
symptom symptoms sign signs affect affects complication complications stage stages
diagnose diagnosed diagnosis test tests tested
common rare often frequent frequently percent percentage people person patients patient
research researching researchers studied study studies new latest trial trials clinical
happen happens happened during steps step process long procedure done
difference different differ compare compared versus vs instead
eligible candidate candidates suitable
prevent prevention avoid diet eat exercise cope support group groups tips
good place idea point purpose supposed meant expect
""".split())

# A cue word that a word before it turns into a name: "occupational therapy", "gene therapy".
_NAMED_BY_WHAT_COMES_BEFORE = frozenset({"therapy", "therapies"})

_PEOPLE = frozenset("""
doctor doctors rheumatologist rheumy nurse mom mum dad mother father sister brother wife
husband son daughter kids children child family friend friends
""".split())

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019.+/-]*[A-Za-z0-9+]|[A-Za-z0-9]")


def _drop(token: str) -> bool:
    low = token.lower().replace("\u2019", "'")
    if low in _QUESTION_WORDS or low in _CUE_WORDS:
        return True
    if low.endswith("'s") and low[:-2] in _QUESTION_WORDS:
        return True
    if token[0].isupper() and not token.isupper() and low not in _QUESTION_WORDS:
        return False  # a name ("Mayo", "Raynaud's")
    if any(c.isdigit() for c in token) or (token.isupper() and len(token) > 1):
        return False  # an abbreviation or code (SSc, CBD, IL-6)
    from wordfreq import zipf_frequency

    return zipf_frequency(low, "en") >= 5.5  # very common words carry no topic


def focus_phrase(question: str) -> list[str]:
    """Phrases the question is about, best first: runs of words left once question words,
    kind cue words and filler are removed. A leading "the" is kept before a name ("the Mayo
    Clinic"); words naming people (my doctor, my mom) come last."""
    tokens = _TOKEN.findall(question.replace("?", " ? "))
    runs: list[list[str]] = []
    current: list[str] = []
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        keep_the = (tok.lower() == "the" and nxt[:1].isupper() and not _drop(nxt))
        if keep_the and not current:
            current = [tok]
        elif not _drop(tok) or (current and tok.lower() in _NAMED_BY_WHAT_COMES_BEFORE):
            current.append(tok)
        else:
            if current and not (len(current) == 1 and current[0].lower() == "the"):
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    phrases, seen = [], set()
    for run in runs:
        phrase = " ".join(run).strip(".'-/")
        if phrase and phrase.lower() not in seen:
            seen.add(phrase.lower())
            phrases.append(phrase)
    # stable sort: phrases naming people last, otherwise in the order the question says them
    return sorted(phrases, key=lambda p: any(w.lower() in _PEOPLE for w in p.split()))
