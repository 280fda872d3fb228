"""The words of a text as spelling correction reads them.

What counts as a word (letters, with apostrophes inside: "Raynaud's", "don't"; at most
``MAX_LENGTH`` letters), and which words are glued to an address, a path or a number
("www.mayo.org", "b12", "#sclero") and so never corrected (``glued``); the key the vocabulary
holds a word under (lower case, accents and "'s" dropped: ``word_key``); and, while the
vocabulary is built (``scan_words``), how the texts write each word (``Evidence``): a capital
that is not a sentence's first letter marks a name ("Raynaud"), and "word's" a possessive.

Left out: the vocabulary itself, the nearest known word and the choice of a replacement
(``rag.question.spelling``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rag.text.lexical import fold

MAX_LENGTH = 30  # longer "words" are not words: skipped, never compared
NAME_CAPS_MAX = 5  # an all-capitals form longer than this is a heading, not an abbreviation

# A word: letters, with apostrophes inside ("Raynaud's", "don't"). Digits and "_" are not
# letters, so "b12" and "IL-6" give no word to correct (see ``glued``).
WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_ASCII_WORD = re.compile(r"[a-z]+")
# A word right after one of these (with no space) is part of an address, a path, a tag...
_GLUE_BEFORE = frozenset("@/\\_#&+=~")
_GLUE_AFTER = frozenset("@/\\_&+=~")
# After one of these (or at the start of a text, or of a line) a capital says nothing.
_SENTENCE_OPENERS = frozenset(".!?:;#*-\u2022\u2013\u2014>\"'([{\u201c\u2018")


@dataclass
class Evidence:
    """How the texts write one word: to keep a name's capitals and a possessive's "'s"."""

    lower: bool = False  # written in lower case at least once
    forms: Counter = field(default_factory=Counter)  # capitalised forms where a capital means a name
    possessive: int = 0  # occurrences written "word's"
    plain: int = 0  # occurrences without "'s"


def word_key(token: str) -> str | None:
    """A word as the vocabulary holds it (lower case, accents and "'s" dropped, as
    ``rag.text.lexical.raw_tokens`` does), or None for a word not in plain letters."""
    word = fold(token)
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    return word if _ASCII_WORD.fullmatch(word) else None


def has_possessive(token: str) -> bool:
    return len(token) > 2 and token[-2] in "'\u2019" and token[-1] in "sS"


def glued(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is part of an address, a path, a name with
    digits or the like ("www.mayo.org", "b12", "#sclero"): such words are not corrected."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before.isdigit() or before in _GLUE_BEFORE or after.isdigit() or after in _GLUE_AFTER:
        return True
    if before and before in ".:" and start >= 2 and text[start - 2].isalnum():
        return True
    return bool(after) and after in ".:" and end + 1 < len(text) and text[end + 1].isalnum()


def scan_words(text: str, evidence: dict[str, Evidence], trusted: bool):
    """The words of ``text`` as (key, start, end), noting in ``evidence`` how each is
    written. A capital counts as a name's where it is not a sentence's first letter, or
    anywhere in a ``trusted`` text (a list entry, written as the name is spelt), or on a word
    written "Word's" (an eponym: "Raynaud's")."""
    for m in WORD.finditer(text):
        token = m.group()
        key = word_key(token)
        if key is None or len(token) > MAX_LENGTH:
            continue
        ev = evidence[key]
        possessive = has_possessive(token)
        ev.possessive += possessive
        ev.plain += not possessive
        form = (token[:-2] if possessive else token).replace("\u2019", "'")
        if form.islower():
            ev.lower = True
        elif form.isupper() and len(form) > NAME_CAPS_MAX:
            pass  # a heading in capitals ("INTRODUCTION")
        elif trusted or possessive or not _sentence_start(text, m.start()):
            ev.forms[form] += 1
        yield key, m.start(), m.end()


def _sentence_start(text: str, start: int) -> bool:
    """Whether a word starting at ``start`` may be capitalised only for its position."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in "\r\n" or text[i] in _SENTENCE_OPENERS
