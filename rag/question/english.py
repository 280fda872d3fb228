"""Everyday English, as the spelling stage reads it: how common a word is (wordfreq's Zipf
scale, offline), whether a word is everyday, and the everyday word a slip stands for.

Left out: the documents' own words (``rag.question.spelling.Vocabulary``), other languages.
"""

from __future__ import annotations

from functools import lru_cache

EVERYDAY_ZIPF = 3.0  # at least this frequent in everyday English (1 per million words): meant
LISTED_ZIPF = 1.0  # wordfreq lists the word at all: a rare word, or a common misspelling...
MORE_COMMON = 1.0  # ...corrected only within 1 edit, to a word 10 times as common in English
ENGLISH_ZIPF = 3.5  # an English word a slip is read as when the texts have no near word
_MIN_LETTERS, _MAX_LETTERS = 4, 30  # the lengths the spelling stage corrects


def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


@lru_cache(maxsize=50_000)
def everyday(key: str) -> bool:
    """An everyday English word, or an ending of one ("colds" is "cold" plus an "s", though
    rarer than "holds" on its own): never a misspelling."""
    forms = [key] + [key[: -len(end)] for end in ("s", "es", "ed", "ing") if key.endswith(end) and len(key) - len(end) >= 4]
    return any(zipf(f) >= EVERYDAY_ZIPF for f in forms)


def one_slip_from(key: str, key_zipf: float) -> str | None:
    """The everyday English word ``key`` is one slip from, when the texts have none: "pregant"
    is "pregnant" and "stirct" is "strict", so the reply is the one the word itself gets
    (often "my documents don't cover pregnancy"), not a decline quoting the slip. Only one
    edit (a letter added, dropped or changed, or two neighbours swapped), the same first
    letter, a word at least ``ENGLISH_ZIPF`` common and ten times as common as the slip, and
    one such word alone: "kemo" stays (no "k" word is that close)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    near = process.extract(key, _everyday_words(), scorer=OSA.distance, score_cutoff=1, limit=None)
    found = [w for w, _, _ in near if w != key and w[0] == key[0] and zipf(w) >= max(ENGLISH_ZIPF, key_zipf + MORE_COMMON)]
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=1)
def _everyday_words() -> tuple[str, ...]:
    """wordfreq's most common English words of plain letters, at least ``ENGLISH_ZIPF``."""
    from wordfreq import top_n_list

    return tuple(w for w in top_n_list("en", 60_000) if w.isascii() and w.isalpha() and w.islower()
                 and _MIN_LETTERS <= len(w) <= _MAX_LETTERS and zipf(w) >= ENGLISH_ZIPF)
