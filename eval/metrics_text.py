"""Words as the evaluation reads them: text normalised for matching (case, typographic
quotes and dashes, spaces), answer text without its ``[n]`` citation markers, content words
stemmed with a stop-word list of our own, negation read word by word, sentences split by a
plain rule, and the reviewed synonym table (clinical phrase, plain words) folded into a
text's content words.

Shared by the per-answer figures (``eval.metrics``), groundedness
(``eval.metrics_grounding``) and what each answer sentence does (``eval.metrics_composition``);
the runner and the tests match evidence phrases with ``normalize``.

Left out: scoring anything (those modules do), and the product's own tokenizer
(``rag.text``): the stop-word list here is our own, so the figures do not move when the
product's tokenizer does.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import Iterable, Sequence

from rag.text.citations import strip_markers
from rag.text.cleaning import LIST_MARK

# --- text ------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-",
                         "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def normalize(text: str) -> str:
    """Lowercase, typographic quotes and dashes folded to ASCII, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).lower().split())


def without_markers(text: str) -> str:
    """Answer text with its ``[n]`` citation markers removed."""
    return " ".join(strip_markers(text).split())


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    t = normalize(text)
    return any(normalize(p) in t for p in phrases if p.strip())


# A stop-word list of our own, so the metrics do not move when the product's tokenizer does.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
may me might more most must my of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those
through to too under until up us very was we were what when where which while who whom why
will with would you your yours
""".split())
NEGATIONS = frozenset("not no never without cannot can't won't don't doesn't isn't aren't "
                      "wasn't weren't nor none neither".split())
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (stop words and negations dropped)."""
    kept = [w for w in words(text) if w not in STOPWORDS and w not in NEGATIONS and len(w) > 1]
    return set(_stemmer().stemWords(kept))


def _is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


def polarity(text: str, scope: int = 4) -> dict[str, set[int]]:
    """For each content word (stemmed): whether it is negated (an odd number of negation
    words among the ``scope`` words before it), as a set of 0/1 over its occurrences.
    "not without risks" leaves "risks" un-negated; "without risks" negates it."""
    ws = words(text)
    out: dict[str, set[int]] = defaultdict(set)
    stemmer = _stemmer()
    for i, w in enumerate(ws):
        if w in STOPWORDS or _is_negation(w) or len(w) <= 1:
            continue
        flips = sum(1 for x in ws[max(0, i - scope):i] if _is_negation(x))
        out[stemmer.stemWord(w)].add(flips % 2)
    return out


def negation_differs(sentence: str, source: str) -> bool:
    """Some content word both texts share is negated in one and not in the other."""
    mine, theirs = polarity(sentence), polarity(source)
    return any(not (p & theirs[w]) for w, p in mine.items() if w in theirs)


def split_sentences(text: str) -> list[str]:
    """Plain rule: a sentence ends at . ! ? followed by a capital, or at a line break."""
    out = []
    for line in text.splitlines():
        for piece in re.split(r"(?<=[.!?])\s+(?=[\"'(A-Z0-9])", line):
            piece = LIST_MARK.sub("", piece).strip()
            if len(piece.split()) >= 3:
                out.append(piece)
    return out


# --- synonyms --------------------------------------------------------------------------------

Synonyms = Sequence[tuple[str, str]]  # (clinical phrase, plain words meaning the same)


def stems_with_synonyms(text: str, synonyms: Synonyms = ()) -> set[str]:
    """The text's content words, plus, for each pair of ``synonyms`` (a reviewed table of
    phrases meaning the same) one side of which the text uses, the other side's words:
    "pulmonary fibrosis" brings "lung scarring", and "lung scarring" brings "pulmonary
    fibrosis"."""
    stems = content_stems(text)
    norm = normalize(text)
    for a_rx, a_stems, b_rx, b_stems in _prepared(tuple(synonyms)):
        if a_rx.search(norm):
            stems |= b_stems
        if b_rx.search(norm):
            stems |= a_stems
    return stems


@lru_cache(maxsize=8)
def _prepared(synonyms: tuple[tuple[str, str], ...]) -> list:
    def rx(phrase: str) -> re.Pattern:
        return re.compile(rf"\b{re.escape(normalize(phrase))}\b")

    return [(rx(a), content_stems(a), rx(b), content_stems(b)) for a, b in synonyms]
