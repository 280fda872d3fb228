"""Check a chat model's reply sentence by sentence against the passages it was given.

Job: split a reply into sentences with the passage numbers they cite, and keep a sentence
only when a patient may see it:

- it must cite a passage it was given, as ``[n]``; one citing nothing, or a number it was
  not given, is dropped;
- it must be supported by the passage it cites: at least ``min_support`` of its content
  words (stemmed, stop words left out) appear in that passage (or in the plain words
  ``rag/data/plain_words.tsv`` gives for the passage's clinical ones), and every number in it
  appears in that passage;
- for a personal-advice question, a sentence with a dose or a stop/start instruction is
  dropped, as the extractive answerer does;
- sentences past ``max_sentences`` are dropped.

A reply that opens by saying the passages don't answer, or where no sentence survives, is a
failure (``Checked.failure``). Kept sentences come back as the project's own
``AnswerSentence``/``Citation``, numbered 1..k in order of first use (``rag.text.citations``);
``ReplyChecker`` takes one sentence at a time, so a stream can show each as soon as it is
checked.

Left out: calling the model (``rag.chat_model.client``), judging meaning (support is word overlap, so a
sentence that reuses a passage's words but reverses it would pass; the prompt and
temperature 0 are the guard there); a sentence citing several passages is kept under the one
that supports it best.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text.citations import MARKER, MARKER_RX, Numbering, marker_numbers
from rag.text.lexical import terms
from rag.text.plain_words import plain_words
from rag.safety.triage import has_dose_or_instruction
from rag.schema import AnswerSentence, Citation, Passage, cited
from rag.text.cleaning import LIST_MARK, split_sentences

DROP_REASONS = {
    "no_citation": "cites no passage",
    "unknown_passage": "cites a passage number it was not given",
    "unsupported": "its words are not in the passage it cites",
    "number_not_in_passage": "has a number the passage it cites does not have",
    "dose_or_instruction": "gives a dose or a stop/start instruction to a personal-advice question",
    "declined": "says the passages don't answer",
    "over_limit": "comes after the most sentences an answer may have (answer_max_sentences)",
}


# --- reading the reply ---------------------------------------------------------------------------

_END = re.compile(rf"[.!?][\"'\u201d\u2019)]*(?:\s*{MARKER})*|(?:\s*{MARKER})+\s*[.!?]|\n")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DECLINE = re.compile(
    r"\b(?:passages?|documents?|texts?|sources?)\b.{0,40}?\b(?:do(?:es)?\s*n[o']?t|cannot|can'?t)\b"
    r".{0,20}?\b(?:answer|say|cover|mention|contain|include|address|explain|tell)"
    r"|\bnot\s+(?:in|covered\s+(?:in|by)|mentioned\s+in|found\s+in)\s+(?:the|these)\s+(?:passages?|documents?)",
    re.I | re.S)


@dataclass(frozen=True)
class Claim:
    """One sentence of the reply: its text without markers, and the numbers it cites."""

    text: str
    cites: tuple[int, ...]


def reply_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a reply; citation markers after a full stop stay with its sentence.
    A full stop followed by a lower-case word ("e.g. methotrexate") ends nothing."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group(0) != "\n":
            after = text[end:]
            if after[:1] and not after[:1].isspace():
                continue
            nxt = after.lstrip()[:1]
            if nxt.islower():
                continue
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def parse_claim(raw: str) -> Claim:
    text = MARKER_RX.sub(" ", raw).replace("**", "").replace("__", "")
    text = LIST_MARK.sub("", " ".join(text.split()))
    text = re.sub(r"\s+([.!?,;:])", r"\1", text).strip()
    if text and text[-1] not in ".!?\"'\u201d)":
        text += "."
    return Claim(text, marker_numbers(raw))


def parse_reply(text: str) -> list[Claim]:
    return [c for c in (parse_claim(text[a:b]) for a, b in reply_spans(text)) if c.text]


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def passage_terms(text: str) -> frozenset[str]:
    """The passage's content words, plus the plain words for its clinical phrases (so
    "lung scarring" is supported by a passage saying "pulmonary fibrosis")."""
    found = set(terms(text))
    for pattern, replacement in plain_words():
        if pattern.search(text):
            found.update(terms(replacement))
    return frozenset(found)


def support(sentence: str, passage_words: frozenset[str]) -> float:
    """Share of the sentence's content words found among the passage's."""
    words = set(terms(sentence))
    return len(words & passage_words) / len(words) if words else 0.0


# --- checking --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dropped:
    text: str
    reason: str  # a key of DROP_REASONS
    cites: tuple[int, ...] = ()
    support: float = 0.0

    def to_json(self) -> dict:
        return {"text": self.text, "reason": self.reason, "cites": list(self.cites),
                "support": round(self.support, 3)}


@dataclass
class Checked:
    """The checked reply: what is kept (numbered 1..k), what was dropped and why, and the
    failure reason when nothing usable is left (``None`` when the answer can be used)."""

    sentences: list[AnswerSentence]
    citations: list[Citation]
    dropped: list[Dropped]
    reply: str
    failure: str | None = None

    @property
    def text(self) -> str:
        return " ".join(cited(s) for s in self.sentences)


@dataclass
class ReplyChecker:
    """Checks one sentence at a time, numbering cited passages in order of first use."""

    passages: list[Passage]
    advice: bool = False
    min_support: float = 0.6
    max_sentences: int = 4
    sentences: list[AnswerSentence] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    declined: bool = False
    _words: dict[int, frozenset[str]] = field(default_factory=dict, init=False, repr=False)
    _numbers: dict[int, set[str]] = field(default_factory=dict, init=False, repr=False)
    _numbering: Numbering = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._numbering = Numbering(self.passages)

    def _passage(self, i: int) -> tuple[frozenset[str], set[str]]:
        if i not in self._words:
            c = self.passages[i].chunk
            self._words[i] = passage_terms(f"{c.title}\n{c.section}\n{c.text}")
            self._numbers[i] = numbers_in(c.text)
        return self._words[i], self._numbers[i]

    def add(self, claim: Claim) -> AnswerSentence | None:
        """The sentence as shown, or ``None`` when it is dropped (see ``dropped``)."""
        def drop(reason: str, score: float = 0.0) -> None:
            self.dropped.append(Dropped(claim.text, reason, claim.cites, score))

        if _DECLINE.search(claim.text):
            if not self.sentences and not self.dropped:
                self.declined = True
            return drop("declined")
        if len(self.sentences) >= self.max_sentences:
            return drop("over_limit")
        if not claim.cites:
            return drop("no_citation")
        if any(not 1 <= n <= len(self.passages) for n in claim.cites):
            return drop("unknown_passage")
        if self.advice and has_dose_or_instruction(claim.text):
            return drop("dose_or_instruction")
        wanted = numbers_in(claim.text)
        best, best_score, numbers_ok = None, 0.0, False
        for i in dict.fromkeys(n - 1 for n in claim.cites):
            words, numbers = self._passage(i)
            score = support(claim.text, words)
            has_numbers = wanted <= numbers
            if (has_numbers, score) > (numbers_ok, best_score) or best is None:
                best, best_score, numbers_ok = i, score, has_numbers
        if not numbers_ok:
            return drop("number_not_in_passage", best_score)
        if best_score < self.min_support:
            return drop("unsupported", best_score)
        quote, span = self._closest_sentence(best, claim.text)
        sentence = AnswerSentence(claim.text, self._numbering.cite(best, span), quote)
        self.sentences.append(sentence)
        return sentence

    def _closest_sentence(self, i: int, text: str) -> tuple[str, tuple[int, int] | None]:
        """The passage sentence sharing most words with ``text``: shown highlighted."""
        chunk_text = self.passages[i].chunk.text
        words = set(terms(text))
        best, best_overlap = None, 0
        for a, b in split_sentences(chunk_text):
            overlap = len(words & set(terms(chunk_text[a:b])))
            if overlap > best_overlap:
                best, best_overlap = (a, b), overlap
        return (LIST_MARK.sub("", chunk_text[best[0]:best[1]]), best) if best else ("", None)

    def citations(self) -> list[Citation]:
        return self._numbering.citations()

    def result(self, reply: str) -> Checked:
        failure = "declined" if self.declined else None if self.sentences else "nothing_supported"
        return Checked(list(self.sentences), self.citations(), list(self.dropped), reply, failure)


def check_reply(reply: str, passages: list[Passage], advice: bool = False,
                min_support: float = 0.6, max_sentences: int = 4) -> Checked:
    """Check a whole reply at once (the non-streaming path, and tests)."""
    checker = ReplyChecker(passages, advice, min_support, max_sentences)
    for claim in parse_reply(reply):
        checker.add(claim)
        if checker.declined:
            break
    return checker.result(reply)
