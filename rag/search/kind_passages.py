"""Keep a passage that answers the asked kind among the few handed to the answerer.

Retrieval ranks whole passages, so a sentence that answers "what is it?" ("Narcolepsy is a
disorder that causes ...") can sit in a passage that opens on something else and rank
just below the cut. ``with_kind_passages`` looks a little further down the ranked
candidates: when none of the top ``k`` holds a sentence that answers the kind squarely
(``PROMOTED``: a definition opens on the topic in the textbook shape, "<name> is a ...";
an outlook names it, "prognosis", "chance of recovery"; a question asking how to keep it
from happening, a sentence saying what prevents it; a diagnosis or treatment, "diagnosed"
or "treated" said of the topic), the best such passage below the cut takes the last place.

Left out: kinds whose cues are too broad to say a sentence answers (most of them: a symptom
cue is any organ's name); any learned judgement (the chooser reads the sentences after).
"""

from __future__ import annotations

import re
from typing import Callable

from rag.schema import Passage
from rag.text.cleaning import split_sentences
from rag.text.lexical import opens_on, terms

PROMOTED = frozenset({"definition", "outlook", "diagnosis", "treatment"})
OPENING_WORDS = 6  # the topic is named this early in a sentence that defines it
# What lies ahead, said in words no other kind of sentence uses ("Certain factors affect
# prognosis (chance of recovery)"): the outlook cues of ``rag.compose.sentence_kinds`` are
# broader ("chronic", "progresses") than a passage can be promoted on.
_OUTLOOK = re.compile(r"\b(?:prognos\w*|outlook|chances?\s+of\s+recovery|surviv\w*|life\s+expectancy|"
                      r"no\s+cure|cured?|curable)\b", re.I)


# Asking how to keep it from happening (a ``self_care`` question), and a sentence telling how
_ASKS_PREVENTION = re.compile(r"\b(?:prevent\w*|stop (?:it|this|that) (?:from )?happen\w*|avoid (?:getting|catching)|"
                              r"(?:lower|reduce|cut) (?:my|the|our|their) (?:risk|chances?))\b", re.I)
_PREVENTION = re.compile(r"\bprevent\w*|\b(?:lower|reduce)\w*\s+(?:the\s+|your\s+|their\s+)?(?:risk|chances?)\b", re.I)


def promoted_kind(kind: str, question: str) -> str:
    """The kind a passage may be promoted for ("prevention" for a self-care question asking
    how to keep it from happening), or "" for none."""
    if kind == "self_care" and _ASKS_PREVENTION.search(question):
        return "prevention"
    return kind if kind in PROMOTED else ""


# How it is found or treated, said of the topic itself ("Your doctor will diagnose pernicious
# anemia based on ...", "Health care providers treat hemochromatosis by drawing blood")
_SAID_OF_TOPIC = {"diagnosis": re.compile(r"\bdiagnos\w*", re.I),
                  "treatment": re.compile(r"\btreat(?:s|ed|ing|ment|ments)?\b", re.I)}


def answers_squarely(sentence: str, kind: str, topic: frozenset[str], answers: Callable[[str, str], bool]) -> bool:
    """A definition opens on the topic in a definition's shape; an outlook names the outlook;
    a prevention says what prevents it; a diagnosis or treatment says "diagnose(d)" or
    "treat(ed)" of the topic."""
    if kind == "outlook":
        return bool(_OUTLOOK.search(sentence))
    if kind == "prevention":
        return bool(_PREVENTION.search(sentence))
    if kind in _SAID_OF_TOPIC:
        return bool(_SAID_OF_TOPIC[kind].search(sentence)) and bool(topic & set(terms(sentence)))
    return opens_on(sentence, topic, OPENING_WORDS) and answers(sentence, kind)


def holds_answer(passage: Passage, kind: str, topic: frozenset[str], answers: Callable[[str, str], bool]) -> bool:
    text = passage.chunk.text
    return any(answers_squarely(s, kind, topic, answers) for s in (text[a:b] for a, b in split_sentences(text)))


def with_kind_passages(passages: list[Passage], k: int, kind: str, topic: frozenset[str],
                       answers: Callable[[str, str], bool], question: str = "") -> list[Passage]:
    """The top ``k`` of ``passages`` (ranked best first), the last place going to the best
    passage below them that answers ``kind`` (``promoted_kind`` of it and the ``question``)
    about ``topic`` when none of the top does."""
    top = passages[:k]
    kind = promoted_kind(kind, question)
    if not kind or not topic or len(passages) <= k:
        return top
    if any(holds_answer(p, kind, topic, answers) for p in top):
        return top
    found = next((p for p in passages[k:] if holds_answer(p, kind, topic, answers)), None)
    return top if found is None else top[:k - 1] + [found]


def topic_stems(qterms) -> frozenset[str]:
    """The stems a question's words match (``rag.text.lexical.QueryTerms``, its kind words
    left out by the caller)."""
    return frozenset(t for qt in qterms.terms for t in qt.matches)
