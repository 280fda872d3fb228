"""Hybrid retrieval: dense search in Chroma fused with BM25.

Both rankers propose ``candidate_k`` passages. Every candidate then gets both scores
(a dense-only candidate's BM25 score is read from the full score vector; a BM25-only
candidate's cosine is computed from its stored vector), so fusion compares like with like
instead of fusing ranks. Scores are put on a fixed scale rather than a per-query one:
cosine similarity as is, and BM25 divided by the most the query's terms could score. The
fused score is a convex mix, ``dense_weight * cosine + (1 - dense_weight) * bm25_norm``.
Because neither scale depends on the other candidates, a weak query keeps weak scores,
which the "not found" decision relies on.

Abbreviations and lay words are expanded before both searches (see ``rag.search.expansions``): the
dense query gets the long forms appended, and each BM25 query word also matches the words
of its expansions.

A long message (a story, then the question) is searched twice, whole and by its asking
sentences alone (``rag.text.message.question_part``); each passage keeps the better of its two
fused scores, so the story can neither drown the question nor lose a passage only it finds.
The returned query, vectors and terms are the whole message's, as before.

Dense search reads only ids and distances from the store and takes the passages themselves
from the retriever's ``PassageCache`` (``rag.search.passage_cache``): the texts are most of
a query's cost. When the passages dense search leaves out (the glossary's) are few, one
unfiltered query deep enough to hold ``candidate_k`` others is asked; otherwise twice
``candidate_k``, then the filtered query only when too few are left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from rag.text.lexical import LexicalIndex, QueryTerms, analyze_query
from rag.text.message import question_part
from rag.search.expansions import COMMON_ABBREVIATIONS, expansions, lay_terms, with_expansions
from rag.search.passage_cache import PassageCache
from rag.schema import REFERENCE_KIND, Chunk, Passage, PassageIndex

# Left-out passages up to this many times ``candidate_k``: fetch past them in one query
# (ids alone: 135 cost 1.8 ms against 1.3 ms for 30 in Chroma) rather than risk a second.
EXCLUDED_IN_ONE_QUERY = 4


@dataclass
class Retrieval:
    query: str  # the text actually searched (abbreviations and lay words expanded)
    vector: np.ndarray  # of ``query``
    plain_vector: np.ndarray  # of the question as asked: what sentences must answer
    terms: QueryTerms
    passages: list[Passage]


class Retriever:
    def __init__(self, store: PassageIndex, embed: Callable[[list[str]], np.ndarray],
                 lexical: LexicalIndex, dense_weight: float = 0.5, candidate_k: int = 30,
                 exclude_kind: str | None = REFERENCE_KIND, excluded: int | None = None,
                 passage_cache_size: int = 4096):
        self.store = store
        self.exclude_kind = exclude_kind  # passages dense search leaves out (the glossary's)
        self.excluded = excluded  # how many there are, when known
        self.passages = PassageCache(store.get, passage_cache_size)
        self.embed = embed
        self.lexical = lexical
        self.dense_weight = dense_weight
        self.candidate_k = candidate_k
        self.row_of = {cid: i for i, cid in enumerate(lexical.ids)}
        self.total = store.count()  # counted once: a retriever lives as long as the index's revision
        self.abbreviations = {**COMMON_ABBREVIATIONS, **lexical.abbreviations}
        self.lay_terms = lay_terms()

    def known_term(self, word: str) -> bool:
        """A word that is indexed and not everywhere: a topic of its own."""
        from rag.text.lexical import stem

        t = stem(word)
        col = self.lexical.vocab.get(t)
        return col is not None and self.lexical.idf[col] > 0.5

    def search(self, text: str, k: int, mode: str = "hybrid", hint: str = "") -> Retrieval:
        """``hint``: words for what kind of answer is wanted ("causes"), added to the dense
        query only, so "what makes IgA build up?" meets the passages about causes."""
        asked = question_part(text)
        whole = self._search(text, k if asked is None else max(k, self.candidate_k), mode, hint)
        if asked is None:
            return whole
        focused = self._search(asked, max(k, self.candidate_k), mode, hint)
        best: dict[str, Passage] = {}
        for p in whole.passages + focused.passages:
            if p.chunk.chunk_id not in best or p.score > best[p.chunk.chunk_id].score:
                best[p.chunk.chunk_id] = p
        passages = sorted(best.values(), key=lambda p: (-p.score, p.chunk.chunk_id))[:k]
        # a word of the story the documents never use is not missing from them: "what exactly
        # is scleroderma? my doctor just said I have it" is no less covered for "doctor", "said"
        asked_words = {qt.word for qt in focused.terms.terms}
        told = QueryTerms(tuple(qt for qt in whole.terms.terms if qt.matches or qt.word in asked_words))
        return Retrieval(whole.query, whole.vector, whole.plain_vector, told, passages)

    def _search(self, text: str, k: int, mode: str, hint: str = "") -> Retrieval:
        found = expansions(text, self.abbreviations, self.lay_terms)
        query = with_expansions(text, found, hint)
        vector, plain = self.embed([query, text]) if query != text else [self.embed([query])[0]] * 2  # one model run
        qterms = analyze_query(self.lexical, text, found)
        weighted = qterms.weighted()
        ceiling = self.lexical.max_score(weighted) or 1.0
        lex = self.lexical.scores(weighted)

        dense = {} if mode == "lexical" else self.nearest(vector)
        matched = np.flatnonzero(lex > 0)
        lex_top = [] if mode == "dense" else [int(i) for i in matched[top_k(lex[matched], self.candidate_k)]]
        missing = [self.lexical.ids[i] for i in lex_top if self.lexical.ids[i] not in dense]
        for c, v in self.passages.get(missing, with_vectors=True):
            dense[c.chunk_id] = (c, float(v @ vector))

        w = {"hybrid": self.dense_weight, "dense": 1.0, "lexical": 0.0}[mode]
        passages = []
        for cid, (chunk, cos) in dense.items():
            row = self.row_of.get(cid)
            lex_norm = float(lex[row]) / ceiling if row is not None else 0.0
            passages.append(Passage(chunk, w * cos + (1 - w) * lex_norm, dense=cos, lexical=lex_norm))
        passages.sort(key=lambda p: (-p.score, p.chunk.chunk_id))
        return Retrieval(query, vector, plain, qterms, passages[:k])


    def nearest(self, vector: np.ndarray) -> dict[str, tuple[Chunk, float]]:
        """The ``candidate_k`` nearest passages not of ``exclude_kind``, by chunk id, with
        their cosine similarity, best first."""
        k, total, kind = self.candidate_k, self.total, self.exclude_kind
        if kind is None:
            return self._resolved(self.store.nearest(vector, min(k, total)), None, k)
        few = self.excluded is not None and self.excluded <= EXCLUDED_IN_ONE_QUERY * k
        hits = self.store.nearest(vector, min(total, k + self.excluded if few else 2 * k))
        kept = self._resolved(hits, kind, k)
        if len(kept) >= k or len(hits) >= total:
            return kept
        return self._resolved(self.store.nearest(vector, min(k, total), exclude_kind=kind), kind, k)

    def _resolved(self, hits: list[tuple[str, float]], exclude_kind: str | None, k: int) -> dict[str, tuple[Chunk, float]]:
        cosine = dict(hits)
        chunks = [c for c, _ in self.passages.get([cid for cid, _ in hits]) if c.kind != exclude_kind or not exclude_kind]
        return {c.chunk_id: (c, cosine[c.chunk_id]) for c in chunks[:k]}


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first, ties by index (as a stable sort
    would give): a partial selection, so the cost stays linear at tens of thousands of
    passages instead of a full sort per query."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    kth = scores[part].min()
    # Every index tied with the k-th score competes, so ties resolve by index as before.
    pool = np.union1d(part, np.nonzero(scores == kth)[0])
    return pool[np.argsort(-scores[pool], kind="stable")][:k]
