"""What the emergency rules read of a message: bounded, folded, misspelt symptom words repaired.

The rules run before the length limit (an emergency in an over-long message is still
caught), so what they read is bounded and the work is linear in it (``rules_read``): a
message longer than 2 x ``READ_CHARS`` is read as its first and last ``READ_CHARS``
characters, and a word longer than ``MAX_WORD_LETTERS`` (no symptom word is near that
long) as its first ``MAX_WORD_LETTERS``. Typo repair (``repair_typos``, the words in
``rag/data/symptom_words.tsv``) looks up at most ``MAX_REPAIRED_WORDS`` distinct words per
text, never one longer than ``MAX_WORD_LETTERS``; the paraphrase matcher gets at most the
first ``EMBEDDED_CHARS`` characters (``for_embedding``). Messages of the length the app
answers are read whole.

Left out: the rules themselves (``rag.safety.emergency_english``,
``rag.safety.emergency_languages``) and the middle of a message longer than
2 x ``READ_CHARS`` characters.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import wordlists
from rag.text.lexical import fold

READ_CHARS = 10_000  # of a longer message the rules read the first and the last this many characters
MAX_WORD_LETTERS = 30  # no symptom word is longer than 16 letters; longer words are cut to this
# Distinct words one text looks up as possible misspellings: a 4,000-character message (the
# app's default limit) has at most 800 words of four letters or more.
MAX_REPAIRED_WORDS = 1000
# What the paraphrase matcher embeds at most: the app's default message limit. The model
# reads only its first 256 tokens (about 1,000-1,500 characters) anyway.
EMBEDDED_CHARS = 4000

_LONG_WORD = re.compile(rf"\w{{{MAX_WORD_LETTERS + 1},}}")


def rules_read(text: str) -> str:
    """What the rules read of ``text``: all of it, or its first and last ``READ_CHARS``
    characters when it is longer than twice that, folded (``fold``), each word longer than
    ``MAX_WORD_LETTERS`` cut to its first ``MAX_WORD_LETTERS`` (so no pattern backtracks
    over a huge word). The work is bounded whatever the length of ``text``."""
    if len(text) > 2 * READ_CHARS:
        text = f"{text[:READ_CHARS]} \n {text[-READ_CHARS:]}"
    return _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD_LETTERS], fold(text))


# --- misspelt symptom words ------------------------------------------------------------------

# Words the rules and descriptions hinge on. A word that is not a known English word (the
# embedding model's vocabulary) and is one edit from one of these is read as it
# ("hedache" -> "headache", "blak" -> "black", "pian" -> "pain", "cnat" -> "cant").
KEYWORDS = wordlists.words("symptom_words")  # rag/data/symptom_words.tsv


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _typo_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for k in KEYWORDS:
        for key in _deletes(k) | {k}:
            index.setdefault(key, set()).add(k)
    return index


_TYPO_INDEX = _typo_index()


def _meant(word: str) -> str:
    """The one symptom keyword ``word`` is an edit (or a transposition) from, or ``word``
    itself when there is none or no single nearest one."""
    found = set(_TYPO_INDEX.get(word, ()))
    for d in _deletes(word):
        found |= {k for k in _TYPO_INDEX.get(d, ()) if k == d or len(k) == len(word)}
    return min(found, key=lambda k: (abs(len(k) - len(word)), k)) if len(found) == 1 or (
        found and len({abs(len(k) - len(word)) for k in found}) == len(found)) else word


def repair_typos(text: str, known: frozenset[str]) -> str:
    """``text`` (folded) with each unknown word one edit (or one transposition) from a
    symptom keyword replaced by it. With no ``known`` vocabulary nothing is changed: a
    real word is never "repaired" into a symptom. Bounded on any text: a word longer than
    ``MAX_WORD_LETTERS`` is never repaired (no symptom word is near that long), and only
    the first ``MAX_REPAIRED_WORDS`` distinct words that need looking up are looked up;
    later new ones are left as typed."""
    if not known:
        return text
    looked_up: dict[str, str] = {}

    def fix(m: re.Match) -> str:
        w = m.group(0)
        if len(w) < 4 or len(w) > MAX_WORD_LETTERS or w in KEYWORDS or w in known:
            return w
        if w not in looked_up:
            if len(looked_up) >= MAX_REPAIRED_WORDS:
                return w
            looked_up[w] = _meant(w)
        return looked_up[w]

    return re.sub(r"[a-z]+", fix, text)


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Whole words of the embedding model's vocabulary (``vocab.txt``): the words that are
    never taken for a misspelling. Empty when the model is not installed."""
    try:
        from rag.embeddings import default_model_path

        lines = (default_model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    except Exception:  # no model installed: no repairs, the rules still run
        return frozenset()
    return frozenset(w for w in lines if w.isalpha())


def for_embedding(text: str) -> str:
    """The text as typed (so the pipeline's embedding cache is shared with retrieval),
    or with its misspelt symptom words repaired when it has any; of a text longer than
    ``EMBEDDED_CHARS`` characters only its beginning, that long."""
    text = text[:EMBEDDED_CHARS]
    folded = fold(text)
    repaired = repair_typos(folded, known_words())
    return text if repaired == folded else repaired
