"""The reviewed table of clinical phrases and their plain words (``rag/data/plain_words.tsv``).

Read by the plain-language rewrite, by the grounding check (a plain word stands for its
clinical phrase) and by the starter questions. Only the loader lives here; left out: how
a sentence is reworded (``rag.plain.rewrite``).
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
