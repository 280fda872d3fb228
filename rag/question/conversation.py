"""Follow-ups: which topic a question that names none of its own is about.

- ``readings``: a follow-up ("is it safe?") is read with the conversation's topic
  (``conversation_topic``), with the library's shared subject and as asked; a first
  question that says "it" for the library's shared subject is searched with it.
- ``normalize_history``: earlier turns as the answering stages read them, without
  personal details.

Everything here is a pure function of its inputs and the reviewed word lists. Left out:
cleaning what was typed (``rag.text.typed``) and search expansions (``rag.search.expansions``).
"""

from __future__ import annotations

import re

from rag.text import wordlists
from rag.text.message import is_question
from rag.text.lexical import STOPWORDS, raw_tokens, specificity
from rag.question.kinds import focus_phrase, rule_cues
from rag.safety.advice import treatments_named, wants_personal_advice
from rag.safety.redact import without_personal_details


# --- follow-ups ----------------------------------------------------------------------------

_ANAPHORA = {"it", "its", "it's", "that", "this", "these", "those", "they", "them", "their",
             "there", "he", "she", "one", "ones", "same", "such", "former", "latter"}
# Words that ask about a property of the topic rather than name one ("is it safe?",
# "what about the side effects?").
_ASPECTS = wordlists.words("aspect_words")  # rag/data/aspect_words.tsv
_ASKING = wordlists.words("asking_words")  # rag/data/asking_words.tsv: "symptoms", "causes"
_FOLLOW_UP_START = re.compile(
    r"^(?:and|but|also|so|then|what about|how about|what if|and if|or|is that|are they|"
    r"does that|do they|can it|could it|would it|how long|how often|why|really|more|"
    r"say (?:that|it)|tell me more|explain|in simpler|simpler|in plain)\b", re.I)


# Openings that go on with the same topic: "what about the lungs?", "and for the skin?".
_GOES_ON = re.compile(r"^(?:(?:and|also|but|so|what about|how about)\b[\s,]*)+", re.I)


def content_words(text: str) -> list[str]:
    return [t for t in raw_tokens(text) if t not in STOPWORDS and t not in _ANAPHORA and len(t) > 2]


def leans_on_earlier_turns(question: str, history: list[dict]) -> bool:
    """The patient has asked before and this question points back ("what happens in the
    later ones", "is it safe?"): its topic is the conversation's, not its own words."""
    return any(t.get("role") == "user" for t in history) and any(w in _ANAPHORA for w in raw_tokens(question))


def is_follow_up(question: str, known_term, indexed=None) -> bool:
    """A question that leans on earlier turns: it points back ("it", "that one") or opens
    like a continuation ("and the side effects?"), and names no specific topic of its own.
    ``known_term(word) -> bool`` says whether a word is a specific, indexed topic word;
    ``indexed(word) -> bool``, when given, whether the index has the word at all.

    A pronoun after a topic the message names itself points at that topic, not at the
    conversation: "what exactly is scleroderma? my doctor just said I have it" stands alone."""
    words = raw_tokens(question)
    specific = [w for w in content_words(question) if w not in _ASPECTS and known_term(w)]
    if indexed is not None:
        # a word names a topic when the index has it and it is no everyday word ("can anything
        # make it softer" names nothing); "the later ones": a word that only qualifies
        # "one(s)" names nothing either, "ones" takes its noun from the earlier turn
        named = [i for i, w in enumerate(words) if w not in STOPWORDS and w not in _ANAPHORA
                 and w not in _ASPECTS and len(w) > 2 and indexed(w) and specificity(w) >= NAMING_SPECIFICITY
                 and (i + 1 >= len(words) or words[i + 1] not in _ONES)]
        pointers = [i for i, w in enumerate(words) if w in _ANAPHORA]
        if named and (not pointers or named[0] < pointers[0]) and not _FOLLOW_UP_START.match(question.strip()):
            return False
    points_back = any(w in _ANAPHORA for w in words)
    continues = bool(_FOLLOW_UP_START.match(question.strip()))
    return (points_back and len(specific) < 3) or (continues and len(specific) < 2) or not specific


def conversation_topic(history: list[dict], turns: int, known_term, indexed=None,
                       subject: str = "") -> tuple[str, ...]:
    """What the conversation is about: the topic phrases of the last user turn (of the last
    ``turns``) that named a topic of its own ("what is nintedanib used for?" -> nintedanib;
    "risks of the stem cell transplant for the lungs" -> stem cell transplant, lungs). Empty
    when no recent turn named one.

    The conversation's first question follows nothing, whatever its shape: "is it worth
    being in a trial" lends "trial". A turn whose topic phrases are only the library's
    ``subject`` lends the specific words it names besides ("how do clinical trials work for
    scleroderma" -> clinical trials), and the subject when it names nothing else."""
    users = _user_turns(history)
    earlier = users[-turns:] if turns > 0 else []
    starts = len(earlier) == len(users)  # ``earlier`` holds the conversation's first question
    for i in range(len(earlier) - 1, -1, -1):
        text = earlier[i]
        if (not (starts and i == 0) and is_follow_up(text, known_term, indexed)) or asks_a_change_unnamed(text):
            continue  # "can I stop taking it?" names no topic: "stop" is the change asked
        foci = tuple(f for f in focus_phrase(text) if f.lower() not in _ANAPHORA)
        if not foci or all(_only_subject(f, subject) for f in foci):
            named = [w for w in content_words(text) if w not in _ASPECTS and known_term(w)
                     and not _only_subject(w, subject) and specificity(w) >= NAMING_SPECIFICITY]
            foci = (" ".join(named),) if named else foci
        if foci:
            return foci
    return ()


def readings(question: str, history: list[dict], turns: int, known_term, indexed=None,
             subject: str = "") -> list[str]:
    """The ways to read ``question`` for search, most likely first; the pipeline keeps the
    one whose evidence answers best. A question that names its own topic has one reading:
    itself. A follow-up ("is it safe?", "is there a cure?", "and for the skin?") is read
    with the conversation's topic ("is it safe? (stem cell transplant)"; when it names a
    new aspect of its own, with the main topic only: "and for the skin? (stem cell
    transplant)"), with the library's subject unless it points back with a pronoun
    ("Scleroderma: is there a cure?", never "Scleroderma: is it safe?"), and as asked
    unless it points back at the topic (searched alone, "is it safe?" finds any sentence
    about safety). The
    earlier question itself is never glued on: its other words would pull the old answer
    back. A first question that points at the library's own ``subject`` ("how do doctors
    find out you have it?") has one reading, with it (``about_the_subject``); one that asks
    about an aspect and names nothing at all ("will i get better?", "is there a cure?") has
    two, as asked and with the subject."""
    if turns <= 0:
        return [question]
    if not history:
        about = about_the_subject(question, subject)
        if (about != question or not subject or not _asks_an_aspect(question)
                or not _names_nothing(question, subject, kinds_name_nothing=False)):
            return [about]
        # "will i get better?" names nothing and points at nothing: as asked, or about the
        # library's subject, whichever the documents answer better
        return [question, with_subject(subject, question)]
    change_unnamed = asks_a_change_unnamed(question)
    if not is_follow_up(question, known_term, indexed) and not change_unnamed:
        return [question]
    topic = conversation_topic(history, turns, known_term, indexed, subject)
    # the library's own subject is in every passage: it would pull in any of them
    topic = tuple(f for f in topic if not _only_subject(f, subject)) or topic
    own = [f for f in focus_phrase(question) if f.lower() not in _ANAPHORA and not _FOLLOW_UP_START.fullmatch(f)]
    out: list[str] = []
    # (the remainder read without its question mark: "the newer ones?" asks nothing of its own)
    rest = _after_opener(question)
    continues = topic and own and rest is not None and not _asks_of_its_own(rest)
    if continues:
        # "and for the skin?" after "is there anything that helps when it gets into the lungs":
        # the earlier question, its topic swapped for the new one, asks it whole
        out += swapped_topic(history, topic, own[0])
    if topic:
        kept = topic[:1] if own else topic
        out.append(f"{question} ({', '.join(kept)})")
    # "is it safe?" points at what was just discussed; only a question that points at
    # nothing ("is there a cure?") may be about the library's subject instead
    points = topic and (any(w in _POINTERS for w in raw_tokens(question)) or change_unnamed)
    # "what about the lungs?" and "and for the skin?" go on with the topic: a new aspect of it;
    # "and what can help the lungs" asks a question of its own, which may leave the topic
    if subject and not points and not continues and not set(raw_tokens(subject)) & set(raw_tokens(question)):
        out.append(with_subject(subject, question))
    if not points:  # "is it safe?" alone asks about nothing: "it" is the topic just discussed
        out.append(question)
    if subject and _SPREADS.search(question) and not set(raw_tokens(subject)) & set(raw_tokens(question)):
        # "how do they know if it has got into my lungs" after a medicines question: what
        # spreads into an organ is the illness, whatever was discussed just before
        out.insert(0, with_subject(subject, question))
    return list(dict.fromkeys(out))


# "it" said to have reached a part of the body: the illness, not a medicine or a trial
_SPREADS = re.compile(r"\b(?:it|it's|its)\s+(?:(?:has|had|is|was|might|may|could|will|can)\s+(?:be\s+)?)?"
                      r"(?:got|gotten|gone|spread|spreading|spreads|moved|moving|reached|getting|going|went|get|go)"
                      r"\s+(?:in|into|to|inside|onto)\b", re.I)


def with_subject(subject: str, question: str) -> str:
    """The reading of ``question`` about the library's ``subject``: "<subject>: <question>"."""
    return f"{subject}: {question}"


def asked_of_subject(subject: str, text: str) -> str | None:
    """What follows the subject in a reading made by ``with_subject`` (or in the search text
    made from one), or None when ``text`` is no such reading."""
    prefix = with_subject(subject, "")
    return text[len(prefix):] if subject and text.startswith(prefix) else None


def _user_turns(history: list[dict]) -> list[str]:
    """What the patient said, turn by turn."""
    return [t["content"] for t in history if t.get("role") == "user" and t.get("content")]


def _after_opener(question: str) -> str | None:
    """What follows an opener that goes on with the conversation ("and", "what about"),
    without its closing "?"; None when the question opens otherwise."""
    q = question.strip()
    opener = _GOES_ON.match(q)
    return q[opener.end():].rstrip("?! ") if opener else None


def _goes_on(question: str) -> bool:
    """Only going on with the question before, about something else: an opener ("and", "what
    about"), a topic of its own, and no words of its own for what it asks ("and for the
    skin?", "what about the kidneys?"; not "and is it safe?")."""
    rest = _after_opener(question)
    return (bool(rest) and not _asks_of_its_own(rest) and bool(focus_phrase(rest))
            and not rule_cues(question.strip()))


_CLAUSE = re.compile(r"\s*[,;:]\s*|\s+-+\s+")


def _asks_of_its_own(rest: str) -> bool:
    """Whether what follows an opener asks a question itself, in any of its clauses: "trials,
    can anyone join" asks who can join, where "trials" alone would go on with the question before."""
    return any(is_question(clause) for clause in _CLAUSE.split(rest) if clause.strip())


def continued_question(question: str, history: list[dict]) -> str:
    """The earlier question that ``question`` goes on with (``_goes_on``), whose kind of
    answer it asks for: "what are the side effects of nintedanib" before "and rituximab?".
    Empty when it asks one of its own."""
    if not _goes_on(question):
        return ""
    return next((u for u in reversed(_user_turns(history)) if not _goes_on(u)), "")


def swapped_topic(history: list[dict], topic: tuple[str, ...], new: str) -> list[str]:
    """The last question of ``history`` that names a phrase of ``topic``, with that phrase
    replaced by ``new`` ("what does it do to the heart", "kidneys" -> "what does it do to the
    kidneys"); none when no recent question names it. Only a phrase as long as ``new`` is
    replaced, one thing in place of another ("lungs" / "skin", "nintedanib" / "rituximab"):
    "the lungs" after "does the stem cell transplant work" asks about the transplant's
    effect on them, not about the lungs instead."""
    for earlier in reversed(_user_turns(history)[-2:]):
        for old in (o for o in topic if len(o.split()) == len(new.split())):
            found = re.search(rf"\b{re.escape(old)}\b", earlier, re.I)
            if found:
                return [earlier[:found.start()] + new + earlier[found.end():]]
    return []


def _only_subject(phrase: str, subject: str) -> bool:
    """Whether ``phrase`` says nothing but (words of) the library's subject."""
    return set(raw_tokens(phrase)) <= set(raw_tokens(subject))


def asks_a_change_unnamed(question: str) -> bool:
    """A dose, or a change of medicine, asked of none by name ("what dose do people usually
    take", "should I ask to switch"): it is about the medicine just discussed, never about
    whatever else its words find ("usually" in a passage on the transplant)."""
    return wants_personal_advice(question) and not treatments_named(question)


_SUBJECT_POINTERS = {"it", "its", "it's", "this"}
_POINTERS = {"it", "its", "it's", "this", "that", "these", "those", "they", "them", "their"}
_ONES = {"one", "ones"}
# Words this common ("stop", "doctors", "kids") name no topic of their own.
EVERYDAY_SPECIFICITY = 2.0
# ... and words this common ("make", "happens") none that a pronoun after them could point at
# ("skin", 1.6, and "trial" can)
NAMING_SPECIFICITY = 1.5


def about_the_subject(question: str, subject: str) -> str:
    """A first question that points at something without naming it ("can I stop it
    happening to my kids?", "can it be cured?") is, in a library about one subject, about
    that subject: it is searched as "<subject>: <question>". Only when its words, besides
    those asking about an aspect ("cured", "risks"), are everyday English: a question that
    names something ("is it safe to get pregnant on mycophenolate?", "does the transplant
    help, or does it wear off?"), known to the documents or not, is searched as asked. What
    it calls the subject ("this condition", "my disease") is searched as the subject's name."""
    if not subject:
        return question
    words = raw_tokens(question)
    renamed = _GENERIC_NAME.sub(subject, question)
    if not any(w in _SUBJECT_POINTERS for w in words) and renamed == question:
        return question  # "they" and "there" are the doctors and the clinic more often
    if set(raw_tokens(subject)) & set(words):
        return question  # it names the subject itself
    if not _names_nothing(question, subject):
        return renamed  # "is my disease contagious?": about the subject, by its name
    # "this condition" is the subject by another name: searched by that word it finds "a
    # condition in which ..." anywhere in the library
    return with_subject(subject, renamed)


def _names_nothing(question: str, subject: str, kinds_name_nothing: bool = True) -> bool:
    """Whether the question's words, besides those asking about an aspect or a kind of
    answer ("cured", "risks", "symptoms") and what it calls the subject ("this condition"),
    are all everyday English, and it does not name the subject itself. Without ``kinds_name_nothing`` a word for a kind of answer
    names something ("trials" in "what happens in early phase trials"): a question read
    two ways is one that names nothing at all."""
    if set(raw_tokens(subject)) & set(raw_tokens(question)):
        return False
    named = [w for w in content_words(_GENERIC_NAME.sub("it", question))
             if w not in _ASPECTS and not (kinds_name_nothing and w in _ASKING)]
    return not any(specificity(w) >= EVERYDAY_SPECIFICITY for w in named)


def _asks_an_aspect(question: str) -> bool:
    """Whether the question asks about an aspect or a kind of answer ("better", "cure",
    "symptoms"): a health question. "how are you?" asks none, and "thanks!" is no question."""
    return is_question(question) and any((w in _ASPECTS or w in _ASKING) and specificity(w) >= ASPECT_SPECIFICITY
                                         for w in raw_tokens(question))


ASPECT_SPECIFICITY = 0.5  # an asking word this common ("get") asks nothing by itself


# What a patient calls the library's subject without naming it ("what this condition is")
_GENERIC_NAME = re.compile(r"\b(?:this|that|my|the|your|his|her)\s+(?:condition|disease|illness|disorder|"
                           r"syndrome|diagnosis|problem)\b", re.IGNORECASE)


def normalize_history(history) -> list[dict]:
    """Accept turns as {"role", "content"} objects or plain strings (earlier questions). A
    patient's turn is read without its personal details (``rag.safety.redact.without_personal_details``),
    as the question itself is: a follow-up never searches with an earlier turn's name or address."""
    out: list[dict] = []
    for turn in history or []:
        if isinstance(turn, str):
            out.append({"role": "user", "content": without_personal_details(turn)})
        elif isinstance(turn, dict):
            content = turn.get("content", turn.get("text", turn.get("question", "")))
            role = turn.get("role", "user")
            if isinstance(content, str) and content.strip():
                user = role not in ("assistant", "bot", "ai")
                out.append({"role": "user" if user else "assistant",
                            "content": without_personal_details(content) if user else content})
    return out
