"""Which words the documents write side by side: the context that tells a misspelling the
word-by-word correction must leave alone.

Two kinds of slip look fine alone. A short word ("cel", "skn") has too many known words one
letter away to pick from, and a real word typed for another ("trails" for "trials") is not
misspelt at all. Next to a word that says what it is about, the documents settle both:
they write "stem cell" and "clinical trials", never "stem cel" or "clinical trails".
``WordPairs`` keeps every adjacent pair of word keys in the indexed texts, and
``context_fix`` replaces a word the documents never use by the one known word, one edit
away, that the documents write at least ``MIN_PAIRS`` times beside the same neighbour.

A neighbour counts only if it is a content word (at least 3 letters, rarer than
``FUNCTION_ZIPF`` in everyday English): "stiff and tight" must not become "staff and"
because the documents say "staff and". Pairs are kept as 64-bit hashes in a sorted numpy
array (8 bytes each, with a count), so a library of tens of thousands of passages costs
tens of megabytes; a hash collision can at worst make a pair look written once more.

Left out: pairs across a sentence break are kept as pairs (rarely matters), words further
than one edit from the word meant, and choosing between two candidates that both fit
(the more frequent in the documents wins).
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

MIN_PAIRS = 2  # the documents write the pair at least this often
FUNCTION_ZIPF = 5.5  # "and", "the", "my", "are" (5.5 and up) say nothing about a neighbour
MIN_LETTERS = 3


def _pair_hash(first: str, second: str) -> int:
    return hash((first, second)) & 0x7FFF_FFFF_FFFF_FFFF


class WordPairs:
    """How often the texts write word key ``a`` right before word key ``b``."""

    def __init__(self, hashes: np.ndarray, counts: np.ndarray):
        self._hashes, self._counts = hashes, counts

    @classmethod
    def from_keys(cls, texts_keys: Iterable[Sequence[str]]) -> "WordPairs":
        """From each text's word keys, in order."""
        chunks = [np.fromiter((_pair_hash(a, b) for a, b in zip(keys, keys[1:])), dtype=np.int64)
                  for keys in texts_keys if len(keys) > 1]
        if not chunks:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        hashes, counts = np.unique(np.concatenate(chunks), return_counts=True)
        return cls(hashes, counts)

    def count(self, first: str, second: str) -> int:
        h = _pair_hash(first, second)
        i = int(np.searchsorted(self._hashes, h))
        return int(self._counts[i]) if i < len(self._hashes) and self._hashes[i] == h else 0

    def __len__(self) -> int:
        return len(self._hashes)


def context_fix(key: str, before: str | None, after: str | None, candidates: Sequence[str],
                pairs: WordPairs, zipf: Callable[[str], float], frequency: Callable[[str], int]) -> str | None:
    """The candidate (known words one edit from ``key``) that the documents write beside
    ``before`` or ``after`` (the neighbouring words' keys, None at the question's edges),
    when that neighbour is a content word; the most frequent in the documents if several
    fit; None when none does."""
    def content(word: str | None) -> bool:
        return word is not None and len(word) >= MIN_LETTERS and zipf(word) < FUNCTION_ZIPF

    fits = [c for c in candidates if c != key and (
        (content(before) and pairs.count(before, c) >= MIN_PAIRS)
        or (content(after) and pairs.count(c, after) >= MIN_PAIRS))]
    return max(fits, key=lambda c: (frequency(c), c)) if fits else None
