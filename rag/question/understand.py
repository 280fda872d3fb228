"""Understand the question: what is asked, what it is about, and whether the documents
mention that at all.

One stage, one typed result (``Understanding``), computed before anything is retrieved:

- ``asked``: the question to answer. "Say that more simply" points back at the last
  question with a topic of its own; any other question is answered on its own words
  (follow-ups borrow the conversation's topic for *search* only, in ``rag.question.conversation.readings``).
- ``kind``: what sort of answer it wants (``rag.question.kinds.QUESTION_KINDS``: risks,
  outlook, how a treatment works ...), from the classifier trained on MedQuAD and patient
  phrasings; a yes/no question takes the kind of what it asks about.
- ``uncovered``: the words the question is about that no indexed passage uses ("CBD oil",
  "the Mayo Clinic", "lupus"): the documents cannot answer it, whatever else matches, and the
  reply says so by name. Everyday words never count (a paraphrase such as "hard and tight
  skin" must still find "hardening"), nor words that only say what kind of answer is wanted
  ("prognosis", "side effects").

The last check needs the passages, so the decide stage makes it: an unknown word that a
retrieved passage says in other words (cosine >= ``PARAPHRASE_MIN_COSINE`` to one of its
words: "pee" and "urine", "swollen" and "swelling") is covered after all.

What the patient means, from the wording alone: ``is_simpler_request`` ("say that more
simply", "I don't understand"), ``refers_back`` (such a request naming no topic of its own,
so about the last answer), ``is_definition_question`` ("what does X mean?").

Left out: what the answers to these look like (``rag.plain.rewrite``, ``rag.plain.glossary``), several
questions in one message (the first one asked leads), negation ("I'm not
asking about X").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

from rag.question.english import everyday
from rag.text import wordlists
from rag.text.message import is_question
from rag.text.lexical import STOPWORDS, raw_tokens, specificity, stem

ASKING_WORDS = wordlists.words("asking_words")  # rag/data/asking_words.tsv

_COMMON_VERBS = frozenset("""turn turns turned become becomes make makes take takes taking give gives
    stop stops start starts go goes went come comes try tried use used using live living
    mess messes hurt hurts harm affect affects damage damages run runs running ran catch caught
    know knew hear heard say said tell told mean meant want wanted need needed think thought
    understand understood explain explained""".split())
_SUFFIXES = ("'s", "\u2019s", "iest", "est", "ier", "er", "ies", "es", "s", "ied", "ed", "ing", "en", "y")


def everyday_specificity(word: str) -> float:
    """``specificity`` of the word's most everyday form: "newer" is as everyday as "new",
    "elses" as "else", "proven" as "prove"."""
    w = word.lower()
    forms = {w} | {w[: -len(x)] for x in _SUFFIXES if w.endswith(x) and len(w) - len(x) >= 3}
    forms |= {f + "e" for f in list(forms) if f != w}  # "proven" -> "prov" -> "prove"
    return min(specificity(f) for f in forms)
# Below this Zipf-based specificity a word is everyday English: never a topic the documents
# must name (6.5 - Zipf 4.6: "pregnant", "yoga" and rarer count).
UNCOVERED_MIN_SPECIFICITY = 1.9
# Words that hint at the kind of question and still name a topic ("diet", "genetic"):
# outside the focus phrase, yet the question is about them (rag/data/topic_cue_words.tsv).
TOPIC_CUE_WORDS = wordlists.words("topic_cue_words")
# A word outside the focus phrases this specific ("exercise", "diet") names a topic of its
# own; more everyday ones ("people", "hands", "good") don't.
CUE_TOPIC_MIN_SPECIFICITY = 1.5
# A word this specific (Zipf 3.5 or rarer: "pirfenidone", "botox", "sauna") names a thing of
# its own, whatever known words stand beside it.
RARE_WORD_SPECIFICITY = 3.0
EVERYDAY_WORDS = 30_000  # the commonest English words (wordfreq), for telling a slip from a name
# An unknown word this close to a word of the retrieved passages is said there in other words.
PARAPHRASE_MIN_COSINE = 0.6


@dataclass(frozen=True)
class Understanding:
    asked: str  # the question to answer, injected instructions removed
    kind: str  # one of rag.question.kinds.QUESTION_KINDS
    kind_confidence: float
    yes_no: bool
    simpler: bool  # "say that more simply": a shorter, plainer version of the last answer
    definition: bool  # "what does X mean?"
    focus: tuple[str, ...] = ()  # the phrases it is about, best first (rag.question.kinds.focus_phrase)
    uncovered: str = ""  # what the question is about that no passage mentions, as typed
    uncovered_word: str = ""  # the word of it the index lacks (checked for a paraphrase later)
    named_focus: str = ""  # what a decline names as the question's topic (``named_focus``)
    kind_scores: dict[str, float] = field(default_factory=dict)  # the probability of every kind


def named_focus(foci: Sequence[str], indexed: Callable[[str], bool],
                subject: Callable[[str], bool] = lambda w: False) -> str:
    """The focus phrase a "not found" reply names, so the patient sees what was looked for
    ("I couldn't find an answer about “fish oil”"), or "" when only the corpus's own subject
    (``subject(word)``), numbers or everyday verbs ("who runs them") are named. Of several, a phrase with a word the index
    never uses comes first (that is what the documents lack), then the most specific one:
    "how do i get rid of a migraine" names "migraine", not "rid"."""
    best, best_key = "", None
    for phrase in foci:
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'\u2019-]*", phrase)
                 if w.lower() not in STOPWORDS | ASKING_WORDS | _COMMON_VERBS and not subject(w)]
        if not words:
            continue
        key = (any(not indexed(w) for w in words), max(everyday_specificity(w) for w in words))
        if best_key is None or key > best_key:
            best, best_key = phrase.strip(), key
    return best


# A place the question asks about ("is there a trial in chicago"), in any case: from the
# asking clause, after a word that places something (rag/data/place_names.tsv).
PLACE_NAMES = wordlists.words("place_names")
# (a lookahead, so "in my area near boston" tries "near" too; at most four words after it)
_PLACED = re.compile(r"\b(?:in|near|at|around|to)\s+(?=((?:the\s+)?[A-Za-z]+(?:[ -][A-Za-z]+){0,3}))", re.I)


def asked_place(question: str, indexed: Callable[[str], bool]) -> str:
    """The place the question's asking clause puts what it asks about, as typed, when the
    index never names it: "which hospital in london is best" -> "london". A place in the
    story around the question ("I live in London, what is scleroderma?") is not asked about:
    the answer holds wherever the patient lives."""
    clauses = [c for c in re.split(r"[,.;!]+|(?<=\?)", question) if c.strip()]
    asking = next((c for c in reversed(clauses) if is_question(c)), "")
    for m in _PLACED.finditer(asking):
        words = m.group(1).split()
        words = words[1:] if words and words[0].lower() == "the" else words
        for n in (3, 2, 1):
            name = " ".join(words[:n])
            if len(words) >= n and name.lower() in PLACE_NAMES:
                return "" if all(indexed(w) for w in words[:n]) else name
    return ""


def _unknown_word(phrase: str, indexed: Callable[[str], bool]) -> str:
    """The word of ``phrase`` the index lacks ("york" of "new york")."""
    return next((w for w in phrase.split() if not indexed(w)), phrase)


def uncovered_phrase(question: str, indexed: Callable[[str], bool], focus: str | None = None,
                     others: Sequence[str] = ()) -> str:
    """The words ``question`` is about that the index never uses, as they were typed
    ("CBD oil"), or "" when every topical word is known. ``indexed(word)`` says whether the
    index knows a word (exactly, by a typo, or as part of a longer indexed word). The
    pipeline then asks whether the passages say it in other words ("pee": "urine"). With
    ``focus`` (the phrase the question is mainly about, ``rag.question.kinds.focus_phrase``)
    only a word of it counts: "...kidney biopsy? will I be awake" is still about the biopsy."""
    return uncovered(question, indexed, focus, others)[0]


def uncovered(question: str, indexed: Callable[[str], bool], focus: str | None = None,
              others: Sequence[str] = (), subject: Callable[[str], bool] = lambda w: False) -> tuple[str, str]:
    """(phrase, the unknown word it grew from), or ("", ""). ``others``: the question's other
    focus phrases; when one of them names something the index knows (not merely the
    corpus's own subject, ``subject(word)``), the question is about that, and an unknown
    everyday-ish word beside it ("bold", "reverse") is no reason to decline. A name
    ("Mayo", "CBD") is declined all the same."""
    tokens = list(re.finditer(r"[A-Za-z][A-Za-z'\u2019-]*", question))
    if place := asked_place(question, indexed):
        return place, _unknown_word(place, indexed)

    def topical(word: str) -> bool:
        w = word.lower()
        return (len(w) > 2 and w not in STOPWORDS and w not in ASKING_WORDS
                and w not in _COMMON_VERBS)

    for i, m in enumerate(tokens):
        word = m.group(0)
        topic_cue = word.lower() in TOPIC_CUE_WORDS
        # a topic cue names its topic however everyday it is ("is it expensive", "smoking")
        if (not topical(word) or (everyday_specificity(word) < UNCOVERED_MIN_SPECIFICITY and not topic_cue)
                or indexed(word) or (focus is not None and word.lower() not in focus.lower() and not topic_cue)):
            continue
        if topic_cue:  # "can diet help scleroderma?": about diet, whatever else it names
            return word, word
        if focus is not None:  # the whole phrase the question is about ("CBD oil")
            words = focus.strip("()[] ").split()
            # a name ("Mayo", "CBD") or a word rare in English ("pirfenidone", "botox"), not an
            # everyday word a known topic beside it explains ("reverse the scarring")
            named = (word[:1].isupper() and m.start() > 0) or (
                everyday_specificity(word) >= RARE_WORD_SPECIFICITY and not misspelt_everyday(word))
            # a word the question names beside it that the documents know: in the focus
            # phrases, or a specific word left out of them because it also cues the kind
            # ("does exercise help with stiff hands?" is about exercise)
            cue_topics = [t.group(0) for t in tokens if everyday_specificity(t.group(0)) >= CUE_TOPIC_MIN_SPECIFICITY]
            known_beside = [w for w in words + [w for o in others for w in o.split()] + cue_topics
                            if w.lower() != word.lower() and topical(w) and indexed(w) and not subject(w)]
            if not named and known_beside:
                return "", ""  # "will nintedanib reverse the scarring": about nintedanib, which is known
            while words and not topical(words[0]) and words[0].lower() != word.lower():
                words.pop(0)
            while words and not topical(words[-1]) and words[-1].lower() != word.lower():
                words.pop()
            return " ".join(words), word
        # Widen to the neighbours that belong to the same name ("CBD oil", "Mayo Clinic"):
        # also unknown to the index, or capitalised beside a capitalised word.
        first = last = i
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(tokens) and abs(j - i) <= 2:
                w = tokens[j].group(0)
                same_name = w[:1].isupper() and word[:1].isupper() and j > 0
                rare_too = not indexed(w) and specificity(w.lower()) >= UNCOVERED_MIN_SPECIFICITY - 0.3
                if not topical(w) or not (same_name or rare_too):
                    break
                first, last = min(first, j), max(last, j)
                j += step
        return question[tokens[first].start():tokens[last].end()].strip("()[]"), word
    return "", ""


def misspelt_everyday(word: str) -> bool:
    """A word English doesn't list that is an edit or two from a common one ("diffrence"):
    a slip the spelling stage had nothing to correct it to, not a thing of its own
    ("pirfenidone")."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA
    from wordfreq import zipf_frequency

    w = word.lower()
    own = zipf_frequency(w, "en")  # a listed word is real ("sauna") or a common slip ("diffrence")
    edits = 1 if len(w) <= 6 else 2
    near = process.extract(w, _everyday_words(), scorer=OSA.distance, score_cutoff=edits, limit=None)
    # ...a slip when a word that close is ten times as common
    return any(c != w and zipf_frequency(c, "en") >= own + 1.0 for c, _, _ in near)


@lru_cache(maxsize=1)
def _everyday_words() -> tuple[str, ...]:
    from wordfreq import top_n_list

    return tuple(w for w in top_n_list("en", EVERYDAY_WORDS) if w.isalpha())


def index_knows(vocab: dict, expand: Callable[[list[str]], dict],
                abbreviations: dict[str, str] | None = None) -> Callable[[str], bool]:
    """``indexed(word)`` over a lexical index: its stem is indexed, or a typo of an indexed
    term (never an everyday English word: "insurance" is not a slip for "ensure"), or the
    start or inside of a longer indexed term ("infus" in "reinfus"), or an
    abbreviation whose long form is indexed ("SSc": systemic sclerosis)."""
    stems = list(vocab)

    def indexed(word: str) -> bool:
        t = stem(word.lower())
        if t in vocab or (not everyday(word.lower()) and expand([t])):
            return True
        long = (abbreviations or {}).get(word.lower())
        if long and any(stem(w) in vocab for w in raw_tokens(long)):
            return True
        return len(t) >= 4 and any(t in s for s in stems if len(s) > len(t))

    return indexed


# --- what the patient means ----------------------------------------------------------------------

_DEFINITION_QUESTION = re.compile(
    r"^\s*(?:what(?:'s|\s+is|\s+are|\s+does|\s+do)|define|definition\s+of|meaning\s+of|"
    r"what\s+(?:is|are)\s+meant\s+by|what\s+do\s+(?:you|they|doctors)\s+mean\s+by|explain|"
    r"tell\s+me\s+what)\b|\bmean(?:s|ing)?\s*\??\s*$", re.I)


def is_definition_question(question: str) -> bool:
    """"What is X?", "What does X mean?", "define X", "X meaning"."""
    return bool(_DEFINITION_QUESTION.search(question))


_SIMPLER = re.compile(
    r"\b(?:(?:more\s+)?simpl(?:er|y|ify)|plainer|(?:in\s+)?plain\s+(?:words|english|language)|"
    r"easier\s+(?:words|to\s+understand|way)|layman'?s\s+terms|too\s+(?:complicated|technical|hard|confusing)|"
    r"(?:don'?t|do\s+not|didn'?t|did\s+not)\s+(?:understand|get\s+(?:it|that|this))|"
    r"explain\s+(?:that|it|this)\s+(?:again|differently|better)|what\s+does\s+(?:that|this|it)\s+mean|"
    r"like\s+i'?m\s+(?:5|five|a\s+child)|eli5)\b", re.I)
# Words a "say it more simply" request is made of: what is left after them is a topic.
_REQUEST_WORDS = re.compile(
    r"\b(?:can|could|would|will|you|please|pls|say|said|put|tell|explain|it|that|this|again|me|in|a|an|the|"
    r"more|much|bit|way|words?|terms|i|still|sorry|ok|okay|thanks|thank|so|but|and|what|does|mean|to|"
    r"understand|get|don'?t|do|not|didn'?t|did|too|is|was|for|of|how|why)\b", re.I)


def is_simpler_request(question: str) -> bool:
    """"Say that more simply", "in plain words please", "I don't understand"."""
    return bool(_SIMPLER.search(question))


def refers_back(question: str) -> bool:
    """A "more simply" request about the last answer, naming no topic of its own."""
    return is_simpler_request(question) and not content_left(question)


def content_left(question: str) -> bool:
    """Whether a "more simply" request also names a topic ("explain nintedanib more simply")
    rather than pointing back at the last answer."""
    rest = _REQUEST_WORDS.sub(" ", _SIMPLER.sub(" ", question))
    return bool(re.search(r"[a-z]{3,}", rest, re.I))
