"""Lexical ranking: BM25 over stemmed terms, with typo-tolerant query terms.

Patients type drug names, abbreviations and misspellings; dense vectors blur exact names,
so a term index complements them. ``terms`` turns text into index terms (lowercased,
accents folded, stop words dropped, Snowball-stemmed; "IL-6" gives "il", "6" and "il6").
``LexicalIndex`` is a sparse BM25 matrix (documents x terms, weights precomputed), scored
with one sparse product per query. ``expand`` maps a query term the index has never seen to
the closest indexed terms within a small edit distance ("metotrexate" -> "methotrexat").

Left out: phrase queries and positional proximity.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's
    i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's with won't would
    wouldn't you you'd you'll you're you've your yours yourself yourselves
    im ive dont doesnt cant wont isnt arent whats hows hi hello hey please thanks thank
    exactly actually basically literally simply kindly honestly anyway maybe perhaps probably
    tell know want wanted wondering wonder question ask asking explain mean means meant
    mom mum mother dad father husband wife partner son daughter sister sisters brother
    brothers aunt uncle cousin grandma grandpa grandmother grandfather friend friends kid kids
    anything something thing things really also just get got getting like lot lots much many
    ok okay yes yeah well may might will shall us one""".split()
)

_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")


def fold(text: str) -> str:
    """Lowercase, fold accents and typographic quotes/dashes to ASCII where possible."""
    if text.isascii():  # most text: nothing to fold, and the per-character pass is a third of a warm question
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2010", "-").replace("\u2011", "-")
    return text.lower()


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def raw_tokens(text: str) -> list[str]:
    """Lowercased word tokens (hyphenated words split, and joined as one extra token)."""
    out: list[str] = []
    for tok in _TOKEN.findall(fold(text)):
        if tok.endswith("'s"):
            tok = tok[:-2]
        tok = tok.replace("'", "")
        if "-" in tok:
            parts = [p for p in tok.split("-") if p]
            out.extend(parts)
            out.append("".join(parts))
        elif tok:
            out.append(tok)
    return out


def terms(text: str) -> list[str]:
    """Index terms: tokens minus stop words, stemmed."""
    return [stem(t) for t in raw_tokens(text) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]


def opens_on(sentence: str, stems: frozenset[str], words: int) -> bool:
    """Whether one of ``stems`` is a term of the sentence's first ``words`` words (what it
    is about: "ARDS causes ...", "Narcolepsy is a disorder ...")."""
    return bool(stems & set(terms(" ".join(sentence.split()[:words]))))


@dataclass
class LexicalIndex:
    """BM25 (Lucene variant) over passages, identified by their chunk ids."""

    ids: list[str]
    vocab: dict[str, int]
    weights: sparse.csc_matrix  # docs x terms, BM25 term weights
    idf: np.ndarray
    k1: float = 1.2
    abbreviations: dict[str, str] = field(default_factory=dict)  # defined by the corpus

    @classmethod
    def build(cls, ids: list[str], texts: list[str], k1: float = 1.2, b: float = 0.75) -> "LexicalIndex":
        vocab: dict[str, int] = {}
        rows, cols, tfs, lengths = [], [], [], []
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            toks = terms(text)
            for t in toks:
                col = vocab.setdefault(t, len(vocab))
                counts[col] = counts.get(col, 0) + 1
            lengths.append(len(toks))
            rows.extend([row] * len(counts))
            cols.extend(counts.keys())
            tfs.extend(counts.values())
        n = len(texts)
        tf = np.asarray(tfs, dtype=np.float32)
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        lengths_a = np.asarray(lengths, dtype=np.float32)
        avg = float(lengths_a.mean()) if n else 1.0
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1 - b + b * lengths_a[rows_a] / max(avg, 1e-9)) if n else np.zeros(0)
        data = idf[cols_a] * tf * (k1 + 1) / (tf + norm)
        w = sparse.csc_matrix((data, (rows_a, cols_a)), shape=(n, len(vocab)), dtype=np.float32)
        return cls(list(ids), vocab, w, idf, k1)

    def __len__(self) -> int:
        return len(self.ids)

    def expand(self, query_terms: list[str], max_edits: int = 2) -> dict[str, float]:
        """Query term -> weight. Terms the index lacks are replaced by close indexed terms
        (Damerau-Levenshtein distance 1 for words of 4-7 letters, 2 for longer ones); an
        everyday English word is taken as meant, never as a typo."""
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        out: dict[str, float] = {}
        choices = None
        for t in query_terms:
            if t in self.vocab:
                out[t] = max(out.get(t, 0.0), 1.0)
                continue
            if len(t) < 4 or t.isdigit() or is_everyday_word(t):
                continue  # "bread" is not a typo of "breath": only unknown words are corrected
            if choices is None:
                choices = list(self.vocab)
            limit = 1 if len(t) < 8 else max_edits
            for cand, dist, _ in process.extract(
                t, choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=3
            ):
                weight = 0.9 if dist == 1 else 0.7
                out[cand] = max(out.get(cand, 0.0), weight)
        return out

    def longer_forms(self, t: str, most: int = 3, weight: float = 0.7) -> dict[str, float]:
        """Indexed terms that extend an unknown term ("hard" -> "harden", "tight" ->
        "tighten"): the same word in another form, which the stemmer keeps apart."""
        if len(t) < 4:
            return {}
        found = sorted((v for v in self.vocab if v.startswith(t) and len(v) <= len(t) + 4), key=len)
        return {v: weight for v in found[:most]}

    def query_vector(self, weighted: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        cols = np.asarray([self.vocab[t] for t in weighted], dtype=np.int64)
        vals = np.asarray(list(weighted.values()), dtype=np.float32)
        return cols, vals

    def scores(self, weighted: dict[str, float]) -> np.ndarray:
        """BM25 score of every passage for a weighted set of indexed terms."""
        if not weighted or not len(self.ids):
            return np.zeros(len(self.ids), dtype=np.float32)
        cols, vals = self.query_vector(weighted)
        return np.asarray(self.weights[:, cols] @ vals).ravel()

    def max_score(self, weighted: dict[str, float]) -> float:
        """The most a passage could score for these terms (each term's idf * (k1 + 1))."""
        if not weighted:
            return 0.0
        cols, vals = self.query_vector(weighted)
        return float((self.idf[cols] * vals).sum() * (self.k1 + 1))

    def common_terms(self, share: float = 0.3) -> frozenset[str]:
        """Terms found in more than ``share`` of the passages: the corpus's own subject."""
        if not len(self.ids):
            return frozenset()
        df = np.asarray((self.weights > 0).sum(axis=0)).ravel()
        cols = np.nonzero(df > share * len(self.ids))[0]
        by_col = {c: t for t, c in self.vocab.items()}
        return frozenset(by_col[int(c)] for c in cols)

    def idf_of(self, term: str) -> float:
        col = self.vocab.get(term)
        if col is None:
            return math.log(1.0 + (len(self.ids) + 0.5) / 0.5)
        return float(self.idf[col])

    # --- persistence -------------------------------------------------------------------------

    def save(self, path: Path, version: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        w = self.weights
        np.savez(
            tmp,
            version=np.array(version),
            ids=np.array(self.ids, dtype=object),
            vocab=np.array(list(self.vocab), dtype=object),
            data=w.data, indices=w.indices, indptr=w.indptr, shape=np.array(w.shape),
            idf=self.idf, k1=np.array(self.k1),
            abbreviations=np.array(json.dumps(self.abbreviations)),
        )
        tmp.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def load(cls, path: Path, version: str) -> "LexicalIndex | None":
        """The saved index, or None if it is missing, unreadable or for another version."""
        try:
            z = np.load(path, allow_pickle=True)
            if str(z["version"]) != version:
                return None
            w = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            vocab = {t: i for i, t in enumerate(z["vocab"].tolist())}
            return cls(z["ids"].tolist(), vocab, w, z["idf"], float(z["k1"]),
                       json.loads(str(z["abbreviations"])))
        except (OSError, KeyError, ValueError, EOFError):
            return None


EVERYDAY_ZIPF = 3.5  # at least this frequent in everyday English (about 3 per million words)


def is_everyday_word(word: str) -> bool:
    """A real, common English word ("bread", "diet", "wine"): never treated as a misspelling
    of a corpus word, which would make an off-topic question look on-topic."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= EVERYDAY_ZIPF


@lru_cache(maxsize=50_000)
def specificity(word: str) -> float:
    """How topical a word is in everyday English, 0 (very common: "good", "work") to about
    6 (rare or technical: "morphea"), from its Zipf frequency in the wordfreq lists, which
    ship with the package (no download). A corpus of two documents cannot tell a rare word
    from a common one; everyday usage can."""
    from wordfreq import zipf_frequency

    return max(0.0, 6.5 - zipf_frequency(word, "en"))


@dataclass(frozen=True)
class QueryTerm:
    """One word of the query: the indexed terms that stand for it, and how rare it is."""

    word: str
    matches: dict[str, float]  # indexed term -> weight (1.0 exact, less for a typo match)
    idf: float
    specificity: float = 1.0
    idf_max: float = 1.0

    @property
    def weight(self) -> float:
        """How much this word says what the question is about: rare in everyday English
        (``specificity``) and not in every passage (idf). "scleroderma" in a scleroderma
        corpus, or "good" anywhere, weigh little; "yoga" or "nintedanib" weigh a lot."""
        return self.specificity * min(1.0, self.idf / self.idf_max + 0.05)


@dataclass(frozen=True)
class QueryTerms:
    terms: tuple[QueryTerm, ...]

    def weighted(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for qt in self.terms:
            for t, w in qt.matches.items():
                out[t] = max(out.get(t, 0.0), w)
        return out

    def known_share(self) -> float:
        """Share of the query's key words (weighted by ``QueryTerm.weight``) that the index
        knows at all (0-1): low when the question is about something no document mentions."""
        total = sum(qt.weight for qt in self.terms)
        if total <= 0:
            return 1.0
        return sum(qt.weight * max(qt.matches.values(), default=0.0) for qt in self.terms) / total

    def coverage(self, text_terms: set[str]) -> float:
        """Share of the query's rarity-weighted words that ``text_terms`` contains (0-1).
        A word the index has never seen counts as missing, at the highest rarity."""
        total = sum(qt.idf for qt in self.terms)
        if total <= 0:
            return 0.0
        got = sum(qt.idf * max((w for t, w in qt.matches.items() if t in text_terms), default=0.0)
                  for qt in self.terms)
        return got / total


def names_only(qterms: QueryTerms, named: frozenset[str]) -> bool:
    """Whether every word of the query is one of ``named`` (the stems of the library's subject)."""
    return bool(qterms.terms) and bool(named) and all(qt.word in named for qt in qterms.terms)


def analyze_query(index: LexicalIndex, text: str, synonyms: dict[str, tuple[str, ...]] | None = None) -> QueryTerms:
    """Stemmed query words, each matched exactly or, if unknown, to close indexed terms;
    a word with ``synonyms`` ({word: phrases}, e.g. abbreviations and lay words) also
    matches the terms of those phrases."""
    out: list[QueryTerm] = []
    seen: set[str] = set()
    unknown_idf = index.idf_of("\x00")  # the idf of a term no passage has
    for word in raw_tokens(text):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        t = stem(word)
        if t in seen:
            continue
        seen.add(t)
        spec = specificity(word)
        extra = {c: 0.8 for phrase in (synonyms or {}).get(word, ()) for c in terms(phrase)
                 if c in index.vocab and c != t}
        if t in index.vocab:
            out.append(QueryTerm(t, {**extra, t: 1.0}, index.idf_of(t), spec, unknown_idf))
            continue
        matches = {**extra, **index.expand([t])}
        if not matches:
            matches = index.longer_forms(t)
        idf = max((index.idf_of(m) for m in matches), default=unknown_idf)
        out.append(QueryTerm(t, matches, idf, spec, unknown_idf))
    return QueryTerms(tuple(out))
