"""Spelling correction of the question, before anything else reads it.

Patients misspell the words that matter most ("sclerodema", "metotrexate", "raynards"). A
misspelt word is replaced by the closest word the bot knows, so every later stage (emergency
rules, question kinds, search, the answer) reads the corrected question, and the reply can
say "Showing results for ...". ``Vocabulary`` holds the words the bot knows: the indexed
passages' words (with how often each occurs), the glossary terms and the reviewed word lists
(medicines, abbreviations, lay terms in ``rag/data/``). ``correct(question, vocabulary)``
returns a ``Correction``: the corrected question (only the misspelt words' spans replaced,
every other character kept) and the changes made.

A word is corrected only when all of these hold: it is 4 to 30 letters long, has no digit
and no capital after its first letter (so "SSc", "HSCT", "MMF" are kept), is not part of a
web or e-mail address, the vocabulary does not know it (a medicine-list entry "prednis*"
makes every word starting so known), it is not an everyday English word (wordfreq Zipf >= 3:
"stiff", "pee", "yoga", "Mayo"), and a known word is close enough. Close enough is a number
of edits (a letter added, dropped or changed, or two neighbours swapped: optimal string
alignment distance) that grows with length: 1 for 4-6 letters, 2 for 7-10, 3 for longer. A
word that wordfreq lists at all (Zipf >= 1) is a rarer real word ("prednisolone",
"tacrolimus": likely a thing the documents do not cover) or a common misspelling ("thier",
"excercise"): it is corrected only within 1 edit, and only to a word ten times as common in
English. Of equally close words the one with the same first and last letter, then the one
more frequent in the documents, wins. A word no known word is close to is looked up among
everyday English words, within one edit and with the same first letter ("pregant" is
"pregnant", "stirct" is "strict"), so it gets the reply the word itself gets. A word close to
nothing ("ibuprofen" against documents that never name it) is kept, so the bot can say
honestly that its documents do not cover it. A word a list's prefix allows ("chemo*") is
kept unless it is one edit from a word the texts write ("chemotheraphy"). A word the documents never use, of 3 letters or more, is also
read beside its neighbours (``rag.question.word_pairs``): "stem cel" and "clinical trails"
become "stem cell" and "clinical trials", because the documents write those pairs and the
word alone could not say which known word was meant. A handful of chat spellings ("wat", "u", "ur", "pls") are written
out. The replacement keeps the word's case style (lower case, or a capital first letter)
unless the texts always write it as a name ("Raynaud"), and an "s" that stands for "'s" is
written so ("raynauds" -> "Raynaud's").

Cost: the vocabulary's words are kept sorted by length with their letter counts, so a word
is compared only with words of a near length and near letter counts; a "word" longer than
30 letters is skipped unread, and at most 64 unknown words per question are looked up.

Left out: reading the words of a text (what counts as a word, its key, how the texts write
it: ``rag.question.word_forms``); languages other than English; words run together or split
apart ("sclero derma"); a real word used in place of another that no neighbour settles
("bread" for "breath", which only meaning can tell); questions typed all in capitals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from rag.question.word_forms import MAX_LENGTH, WORD, Evidence, glued, has_possessive, scan_words, word_key
from rag.question.word_pairs import MIN_LETTERS, WordPairs, context_fix
from rag.question.english import EVERYDAY_ZIPF, LISTED_ZIPF, MORE_COMMON, everyday as _everyday, one_slip_from
from rag.question.english import zipf as _zipf
from rag.text.lexical import fold, raw_tokens

MIN_LENGTH = 4  # shorter words are too ambiguous to correct ("cbd", "ssc", "pah")
MAX_SEARCHES = 64  # unknown words compared with the vocabulary per question: junk stays cheap

# Chat spellings too short for the fuzzy match, written out whatever the documents say.
CHAT_WORDS: dict[str, str] = {
    "wat": "what",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "thx": "thanks",
    "thanx": "thanks",  # five letters, but one edit from "than"
}

# Word lists whose entries are words the bot knows (table -> columns).
WORD_LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "medicines": ("term",),
    "abbreviations": ("abbreviation", "long_form"),
    "lay_terms": ("lay", "clinical"),
}


@dataclass(frozen=True)
class Correction:
    """A question and the question as corrected."""

    original: str
    corrected: str
    changes: tuple[tuple[str, str], ...] = ()  # (misspelt word, replacement), first seen first

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class Vocabulary:
    """Words the bot knows: from the indexed passages' text, the glossary terms, and the
    reviewed word lists. Build it once per index (``from_texts``); ``correct`` only reads it."""

    def __init__(self, counts: dict[str, int], known: frozenset[str], prefixes: tuple[str, ...],
                 names: dict[str, str], possessive: frozenset[str], pairs: WordPairs | None = None):
        self.counts = counts  # candidate word -> occurrences in the texts (0: only in a list)
        self.pairs = pairs  # which words the texts write side by side ("stem cell")
        self._known = known
        self._prefixes = prefixes  # "prednis": a list entry "prednis*" (any ending is known)
        self.names = names  # word -> the form the texts always write it in ("Raynaud", "HSCT")
        self.possessive = possessive  # words mostly written "word's" ("raynaud")
        # Candidates sorted by length, with their letter counts: a word ``k`` edits away has
        # a length within ``k`` and letter counts within ``2k`` (each edit moves at most two),
        # a cheap filter in numpy before the exact distance.
        self._words = sorted((w for w in counts if len(w) <= MAX_LENGTH + 3), key=len)
        self._letters = _letter_counts(self._words)
        lengths = np.fromiter(map(len, self._words), dtype=np.int64, count=len(self._words))
        self._offsets = np.searchsorted(lengths, np.arange(MAX_LENGTH + 8))

    @classmethod
    def from_texts(cls, texts: Iterable[str], extra: Iterable[str] = (), *,
                   word_lists: bool = True) -> "Vocabulary":
        """The words of ``texts`` (the indexed passages), counted, and of ``extra`` (glossary
        terms, any other known terms: write a name as it is spelt, "Raynaud's phenomenon",
        other words in lower case; an entry ending in "*" makes every word starting with it
        known), plus the reviewed word lists unless ``word_lists`` is False."""
        counts: Counter[str] = Counter()
        evidence: dict[str, Evidence] = defaultdict(Evidence)
        known: set[str] = set()
        in_order: list[list[str]] = []
        for text in texts:
            known.update(raw_tokens(text))
            keys = [key for key, _, _ in scan_words(text, evidence, trusted=False)]
            counts.update(keys)
            in_order.append(keys)
        terms = list(extra) + (list(reviewed_terms()) if word_lists else [])
        prefixes: set[str] = set()
        for term in terms:
            if term.startswith("*"):
                continue  # "*mab": any name ending in -mab; too loose to call a word known
            if term.endswith("*"):
                stem = fold(term.rstrip("*")).strip()
                if len(stem) >= MIN_LENGTH and " " not in stem:
                    prefixes.add(stem)
                continue
            known.update(raw_tokens(term))
            for key, _, _ in scan_words(term, evidence, trusted=True):
                counts.setdefault(key, 0)
        known.update(counts)
        # A name: never written in lower case, and not an everyday word ("National
        # Institutes of Health" does not make "national" a name).
        names = {key: ev.forms.most_common(1)[0][0] for key, ev in evidence.items()
                 if ev.forms and not ev.lower and _zipf(key) < EVERYDAY_ZIPF}
        possessive = frozenset(key for key, ev in evidence.items() if ev.possessive > ev.plain)
        return cls(dict(counts), frozenset(known), tuple(sorted(prefixes)), names, possessive,
                   WordPairs.from_keys(in_order))

    def known(self, word: str) -> bool:
        """Whether the bot knows ``word`` (any case; "Raynaud's" is "raynaud")."""
        key = word_key(word)
        return key is not None and (key in self._known or key.startswith(self._prefixes))

    def known_by_prefix_only(self, key: str) -> bool:
        """Known only because a list entry's prefix starts it ("chemo*" and "chemotheraphy")."""
        return key not in self._known and key.startswith(self._prefixes)

    def __len__(self) -> int:
        return len(self._known)

    def nearest(self, word: str, max_edits: int, min_zipf: float = 0.0) -> str | None:
        """The known word closest to ``word`` (lower-case letters, at most ``MAX_LENGTH``)
        within ``max_edits`` edits (a letter added, dropped, changed, or two neighbours
        swapped), and at least ``min_zipf`` common in everyday English: fewest edits, then
        the same first and last letter, then the most frequent in the texts."""
        found = self._within(word, max_edits)
        if min_zipf > 0:
            found = [f for f in found if _zipf(f[0]) >= min_zipf]
        if not found:
            return None
        best = min(found, key=lambda f: (f[1], f[0][0] != word[0], f[0][-1] != word[-1],
                                         -self.counts[f[0]], f[0]))
        return best[0]

    def near(self, word: str, max_edits: int) -> list[str]:
        """Every known word within ``max_edits`` edits of ``word``."""
        return [w for w, _, _ in self._within(word, max_edits)]

    def _within(self, word: str, max_edits: int) -> list[tuple[str, int, int]]:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        lo = self._offsets[max(0, len(word) - max_edits)]
        hi = self._offsets[min(len(word) + max_edits + 1, len(self._offsets) - 1)]
        near = np.abs(self._letters[lo:hi] - _letter_counts([word])[0]).sum(axis=1, dtype=np.int16)
        choices = [self._words[lo + i] for i in np.flatnonzero(near <= 2 * max_edits)]
        return process.extract(word, choices, scorer=OSA.distance, score_cutoff=max_edits, limit=None)


def reviewed_terms() -> tuple[str, ...]:
    """The entries of the reviewed word lists that name things (``WORD_LIST_COLUMNS``):
    medicines ("prednis*" included), abbreviations and their long forms, lay terms."""
    from rag.text import wordlists
    out: list[str] = []
    for name, columns in WORD_LIST_COLUMNS.items():
        for row in wordlists.table(name):
            out.extend(row[c] for c in columns if row[c])
    return tuple(out)


def correct(question: str, vocabulary: Vocabulary) -> Correction:
    """``question`` with each misspelt word replaced by the known word meant (see the module
    docstring for which words are corrected); spacing, punctuation and other words kept."""
    pieces: list[str] = []
    changes: dict[tuple[str, str], None] = {}
    decided: dict[str, str | None] = {}
    searches = [MAX_SEARCHES]  # left to do; a word met once the budget is spent is kept
    words = [m for m in WORD.finditer(question)
             if len(m.group()) <= MAX_LENGTH and not glued(question, m.start(), m.end())]
    for m in words:
        if m.group() not in decided:
            decided[m.group()] = _replacement(m.group(), vocabulary, searches)
    fixed = [decided[m.group()] for m in words]
    # then the words left alone, read beside their (corrected) neighbours: "stem cel"
    keys = [word_key(new or m.group()) for m, new in zip(words, fixed)]
    for i, m in enumerate(words):
        if fixed[i] is None or fixed[i] == m.group():
            fixed[i] = _in_context(m.group(), keys[i - 1] if i else None,
                                   keys[i + 1] if i + 1 < len(words) else None, vocabulary, searches)
    last = 0
    for m, new in zip(words, fixed):
        token = m.group()
        if new is None or new == token:
            continue
        pieces += [question[last:m.start()], new]
        last = m.end()
        changes[(token, new)] = None
    if not changes:
        return Correction(question, question)
    pieces.append(question[last:])
    return Correction(question, "".join(pieces), tuple(changes))


def max_edits(length: int) -> int:
    """The edits allowed between a misspelt word of ``length`` letters and its correction."""
    return 1 if length <= 6 else 2 if length <= 10 else 3


# --- one word -----------------------------------------------------------------------------


def _replacement(token: str, vocabulary: Vocabulary, searches: list[int]) -> str | None:
    """What ``token`` should read, or None to keep it; a search of the vocabulary uses up
    one of ``searches[0]``."""
    if token.lower() in CHAT_WORDS and (token.islower() or (len(token) > 1 and token.istitle())):
        return _styled(CHAT_WORDS[token.lower()], token)
    if len(token) < MIN_LENGTH or any(ch.isupper() for ch in token[1:]):
        return None
    key = word_key(token)
    if key is None or len(key) < MIN_LENGTH or _everyday(key):
        return None
    if vocabulary.known_by_prefix_only(key):
        # a family name the list allows ("prednisolone" by "prednis*") is kept, but a word
        # one slip from one the texts write is that word ("chemotheraphy")
        if searches[0] <= 0:
            return None
        searches[0] -= 1
        found = vocabulary.nearest(key, 1)
        return _styled(found, token, vocabulary.names) if found else None
    if vocabulary.known(key):
        return None
    suffix = token[-2:] if has_possessive(token) else ""
    if key.endswith("s") and vocabulary.known(key[:-1]):
        # "raynauds": a known word and an "s"; only a possessive without its apostrophe
        # changes ("biologics" is a plural and stays).
        base = key[:-1]
        return _styled(base, token, vocabulary.names) + "'s" if _is_possessive(base, vocabulary) else None
    if searches[0] <= 0:
        return None
    searches[0] -= 1
    zipf = _zipf(key)
    if zipf >= LISTED_ZIPF:  # a real word, or a common misspelling: only the obvious fix
        found = vocabulary.nearest(key, 1, min_zipf=zipf + MORE_COMMON)
    else:
        found = vocabulary.nearest(key, max_edits(len(key)))
    if found is None:
        found = one_slip_from(key, zipf)
    if found is None:
        return None
    if not suffix and key.endswith("s") and not found.endswith("s") and _is_possessive(found, vocabulary):
        suffix = "'s"
    return _styled(found, token, vocabulary.names) + suffix


def _in_context(token: str, before: str | None, after: str | None, vocabulary: Vocabulary,
                searches: list[int]) -> str | None:
    """What ``token``, a word the documents never use, should read beside its neighbours'
    keys (``rag.question.word_pairs``), or None to keep it."""
    if vocabulary.pairs is None or token.lower() in CHAT_WORDS or any(ch.isupper() for ch in token[1:]):
        return None
    key = word_key(token)
    if key is None or len(key) < MIN_LETTERS or vocabulary.known(key) or searches[0] <= 0:
        return None
    searches[0] -= 1
    found = context_fix(key, before, after, vocabulary.near(key, 1), vocabulary.pairs, _zipf,
                        lambda w: vocabulary.counts.get(w, 0))
    return _styled(found, token, vocabulary.names) if found else None


def _styled(word: str, like: str, names: dict[str, str] | None = None) -> str:
    """``word`` as the texts always write it if it is a name (``names``), else in the case
    style of ``like`` (lower case, or a capital first letter)."""
    if names and word in names:
        return names[word]
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _is_possessive(word: str, vocabulary: Vocabulary) -> bool:
    """Whether "word" + "s" means "word's": the texts mostly write it so, or everyday
    English does ("raynaud's" is listed, "raynauds" is not; "biologics" is)."""
    if word in vocabulary.possessive:
        return True
    with_apostrophe = _zipf(word + "'s")
    return with_apostrophe > 0 and with_apostrophe > _zipf(word + "s")


def _letter_counts(words: list[str]) -> np.ndarray:
    """How many of each letter a-z each word has (words of lower-case ASCII letters)."""
    out = np.zeros((len(words), 26), dtype=np.int8)
    for row, word in enumerate(words):
        for ch in word:
            out[row, ord(ch) - 97] += 1
    return out
