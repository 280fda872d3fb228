"""Other words the documents may use for a question's words, added before search.

Common scleroderma abbreviations (``rag/data/abbreviations.tsv``), plus those a corpus
defines itself ("autologous hematopoietic stem cell transplant (HSCT)"), and everyday words
(``rag/data/lay_terms.tsv``) are expanded for both retrievers. Pure functions of the text
and the reviewed word lists; left out: spelling, which is corrected earlier
(``rag.question.spelling``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.text import wordlists
from rag.text.lexical import raw_tokens

# Common scleroderma abbreviations -> long form, from the reviewed list
# ``rag/data/abbreviations.tsv`` (``rag.text.wordlists``).
COMMON_ABBREVIATIONS: dict[str, str] = wordlists.mapping("abbreviations")

_DEFINED = re.compile(r"((?:[A-Za-z][\w'\u2019-]*\s+){1,7}?[A-Za-z][\w'\u2019-]*)\s+\(([A-Z][A-Za-z0-9-]{1,9})\)")


def defined_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations a text defines as "long form (ABBR)", found the Schwartz-Hearst way:
    the long form is the shortest run of preceding words whose initials cover the
    abbreviation's letters in order."""
    found: dict[str, str] = {}
    for m in _DEFINED.finditer(text):
        words, abbr = m.group(1).split(), m.group(2)
        letters = [c.lower() for c in abbr if c.isalpha()]
        if len(letters) < 2:
            continue
        for start in range(len(words) - 1, -1, -1):
            candidate = words[start:]
            if _covers(letters, candidate):
                found[abbr.lower()] = " ".join(candidate)
                break
    return found


def _covers(letters: list[str], words: list[str]) -> bool:
    """The abbreviation's first letter starts the first word, and its letters occur in
    order through the words."""
    if not words or words[0][0].lower() != letters[0]:
        return False
    joined = " ".join(words).lower()
    pos = 0
    for ch in letters:
        pos = joined.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


LAY_TERMS_PATH = wordlists.path_of("lay_terms")


@lru_cache(maxsize=4)
def lay_terms(path: Path = LAY_TERMS_PATH) -> dict[str, tuple[str, ...]]:
    """Everyday word or phrase -> the clinical words documents use for it
    (``rag/data/lay_terms.tsv``)."""
    table: dict[str, tuple[str, ...]] = {}
    for lay, clinical in wordlists.mapping("lay_terms", path).items():
        words = tuple(w.strip() for w in clinical.split(",") if w.strip())
        if words:
            table[lay] = words
    return table


def lay_expansions(text: str, table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The lay words and phrases of ``text`` found in ``table``, with their clinical words."""
    folded = " " + " ".join(raw_tokens(text)) + " "
    return {lay: clinical for lay, clinical in table.items() if f" {lay} " in folded}


def expansions(text: str, abbreviations: dict[str, str], lay: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Word of ``text`` -> the words documents may use instead: the long form of an
    abbreviation ("hsct" -> "hematopoietic stem cell transplantation"), the abbreviation of a
    long form asked in full (each of its words -> "NASH"), the clinical word for
    a lay word ("stomach" -> "gastrointestinal"). A lay phrase ("side effects") is keyed by
    its last word. Long forms already in the text are left out."""
    folded = text.lower()
    out: dict[str, list[str]] = {}
    for word in dict.fromkeys(raw_tokens(text)):
        long = abbreviations.get(word)
        if long and long.lower() not in folded:
            out.setdefault(word, []).append(long)
    words = set(raw_tokens(text))
    for abbr, long in abbreviations.items():
        # the long form asked, the abbreviation the documents may use for it ("Nonalcoholic
        # steatohepatitis" asked of a page that says "NASH" from its second sentence on)
        if abbr not in words and " " in long and long.lower() in folded and \
                re.search(rf"\b{re.escape(long.lower())}\b", folded):
            for word in raw_tokens(long):
                out.setdefault(word, []).append(abbr.upper())
    for phrase, clinical in lay_expansions(text, lay).items():
        new = [c for c in clinical if c.lower() not in folded]
        if new:
            out.setdefault(phrase.split()[-1], []).extend(new)
    return {w: tuple(dict.fromkeys(v)) for w, v in out.items()}


def with_expansions(text: str, found: dict[str, tuple[str, ...]], hint: str = "") -> str:
    """``text`` followed by its expansions in brackets, for the embedding model, and by
    ``hint`` (the word for the kind of answer wanted) unless the text already says it."""
    hints = [hint] if hint and hint.lower() not in text.lower() else []
    extra = list(dict.fromkeys([*(x for v in found.values() for x in v), *hints]))
    return f"{text} ({'; '.join(extra)})" if extra else text
