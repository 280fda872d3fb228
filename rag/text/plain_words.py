"""The reviewed table of clinical phrases and their plain words (``rag/data/plain_words.tsv``).

Read by the plain-language rewrite, by the grounding check (a plain word stands for its
clinical phrase) and by the starter questions. Here are the loader and ``to_plain``, the
one-pass substitution that keeps condition names whole (``rag/data/condition_names.tsv``,
written by ``python -m eval.make_condition_names``); left out: the rest of how a sentence
is reworded (``rag.plain.rewrite``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.text import wordlists

PLAIN_WORDS_PATH = wordlists.path_of("plain_words")


def plain_word_pairs(path: Path = PLAIN_WORDS_PATH) -> list[tuple[str, str]]:
    """The reviewed table as (clinical phrase, plain words) pairs, in file order."""
    pairs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        clinical, _, plain = line.partition("\t")
        if clinical.strip() and plain.strip():
            pairs.append((clinical.strip(), plain.strip()))
    return pairs


@lru_cache(maxsize=4)
def plain_words(path: Path = PLAIN_WORDS_PATH) -> tuple[tuple[re.Pattern, str], ...]:
    """The substitution table, longest phrase first, as compiled word-bounded patterns."""
    pairs = sorted(plain_word_pairs(path), key=lambda p: -len(p[0]))
    return tuple((re.compile(rf"\b{re.escape(c)}\b", re.I), p) for c, p in pairs)


@lru_cache(maxsize=4)
def _one_pass(path: Path = PLAIN_WORDS_PATH) -> tuple[re.Pattern, dict[str, str]]:
    """Every clinical phrase in one pattern, longest first, and what each becomes."""
    pairs = sorted(plain_word_pairs(path), key=lambda p: -len(p[0]))
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(c) for c, _ in pairs) + r")\b", re.I)
    return pattern, {c.lower(): p for c, p in pairs}


def has_clinical_phrase(text: str, path: Path = PLAIN_WORDS_PATH) -> bool:
    """Whether ``text`` holds a phrase of the table (names aside)."""
    return _one_pass(path)[0].search(text) is not None


@lru_cache(maxsize=1)
def _condition_names() -> re.Pattern:
    """The names of conditions kept word for word (``rag/data/condition_names.tsv``)."""
    return re.compile(r"\b" + wordlists.alternation(wordlists.words("condition_names")) + r"\b", re.I)


def to_plain(text: str, keep: tuple[str, ...] = (), path: Path = PLAIN_WORDS_PATH) -> str:
    """``text`` with each clinical phrase replaced by its plain words, in one pass. A
    condition's name (``rag/data/condition_names.tsv``: "multiple sclerosis", "cystic
    fibrosis") is never reworded piece by piece ("several sclerosis", "cystic scarring"),
    and a phrase is reworded once (never the plain words again). No piece of a phrase of ``keep``
    (the library's own subject) is reworded either, though a phrase holding it whole may be
    ("systemic scleroderma" -> "scleroderma"). A replacement keeps the capital of what it
    replaces."""
    pattern, plain = _one_pass(path)
    kept = [(m.start(), m.end()) for m in _condition_names().finditer(text)]
    kept += [(m.start(), m.end()) for k in keep if k.strip()
             for m in re.finditer(rf"\b{re.escape(k.strip())}\b", text, re.I)]

    def swap(m: re.Match) -> str:
        if any(a < m.end() and m.start() < b and not (m.start() <= a and b <= m.end()) for a, b in kept):
            return m.group(0)  # a piece of the name ("fibrosis" of "cystic fibrosis"), not a phrase holding it whole
        new = plain[m.group(0).lower()]
        return new[:1].upper() + new[1:] if m.group(0)[:1].isupper() else new
    return pattern.sub(swap, text)
