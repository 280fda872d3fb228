"""The extractive answerer: answer with the documents' own sentences, each one cited.

Given the retrieved passages, every sentence in them is a candidate. A candidate's score
mixes its embedding similarity to the question, how many of the question's rarer words it
contains, and how well its passage ranked. The best few are kept, skipping near-repeats
(cosine > ``redundancy``) and anything far below the best; a sentence that opens by
pointing back ("This therapy...") brings the sentence before it when there is room.
Sentences are shown grouped by document, documents in order of their best sentence, each
document's sentences in reading order; each ends with ``[n]``, the number of its passage.

For a personal-advice question, sentences with a dose, a schedule or a stop/start
instruction are never used.

How sure the answer is (``confidence``) comes from a small logistic model over evidence
features (see ``rag/calibration.py``); below the threshold the pipeline says "not found".

Left out: rewriting sentences (see the plain-language stage) and merging facts across
sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .lexical import STOPWORDS, QueryTerms, raw_tokens, stem, terms
from .safety import has_dose_or_instruction
from .schema import AnswerSentence, Citation, Passage
from .text import split_sentences

_LIST_MARK = re.compile(r"^(?:[-*\u2022\u2013\u2014]\s+|\d{1,2}[.)]\s+)")
_POINTS_BACK = re.compile(r"^(?:this|these|that|those|it|its|they|their|such|the\s+procedure|the\s+harvested|in\s+addition|however|nevertheless|additionally|also|furthermore|moreover)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages list
    start: int  # offsets in the passage text
    end: int
    text: str  # display text: list marker removed

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class SelectionParams:
    similarity_weight: float = 1.0
    coverage_weight: float = 0.6
    passage_weight: float = 0.5  # times the passage's own cosine to the question
    margin: float = 0.2  # keep sentences within this of the best score
    redundancy: float = 0.85  # cosine above which two sentences say the same thing
    min_words: int = 5
    per_passage: int = 2  # most sentences taken from one passage
    simplicity_weight: float = 0.01  # score lost per reading grade above 8 (prefers plainer sentences)
    expanded_weight: float = 1.0  # 0: judge sentences against the question as asked; 1: with expansions


@dataclass
class Extraction:
    sentences: list[AnswerSentence]
    citations: list[Citation]
    features: dict[str, float]

    @property
    def text(self) -> str:
        return " ".join(f"{s.text} [{s.citation}]" for s in self.sentences)


def candidates(passages: list[Passage], min_words: int = 5) -> list[Candidate]:
    """Sentences of the passages worth quoting: not headings, not list lead-ins, not tiny."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for i, p in enumerate(passages):
        text = p.chunk.text
        for a, b in split_sentences(text):
            s = text[a:b]
            m = _LIST_MARK.match(s)
            if m:
                a += m.end()
                s = s[m.end():]
            key = " ".join(s.lower().split())
            if key in seen or s.endswith(":") or len(s.split()) < min_words:
                continue
            seen.add(key)
            out.append(Candidate(i, a, b, s))
    return out


def local_coverage(cands: list[Candidate], qterms: QueryTerms) -> np.ndarray:
    """Share of the question's words each sentence contains, each word weighted by how rare
    it is among these sentences. The topic words every candidate shares ("transplant" for a
    transplant question) count little; the words that say what is asked about it
    ("remission", "lungs") count most."""
    sets = [set(terms(c.text)) for c in cands]
    n = len(sets)
    hits = np.array([[max((w for t, w in qt.matches.items() if t in s), default=0.0) for qt in qterms.terms]
                     for s in sets], dtype=np.float32).reshape(n, len(qterms.terms))
    if not qterms.terms or n == 0:
        return np.zeros(n, dtype=np.float32)
    df = (hits > 0).sum(axis=0)
    weight = np.log1p(n / (1.0 + df)) * np.array([max(qt.weight, 0.1) for qt in qterms.terms])
    total = float(weight.sum())
    return (hits @ weight) / total if total > 0 else np.zeros(n, dtype=np.float32)


def score(cands: list[Candidate], sims: np.ndarray, qterms: QueryTerms, passages: list[Passage],
          params: SelectionParams) -> tuple[np.ndarray, np.ndarray]:
    """(score, coverage) of each candidate."""
    cover = local_coverage(cands, qterms)
    rank = np.array([passages[c.passage].dense for c in cands], dtype=np.float32)
    s = params.similarity_weight * sims + params.coverage_weight * cover + params.passage_weight * rank
    if params.simplicity_weight:
        from .plain import reading_grade

        grades = np.array([reading_grade(c.text) for c in cands], dtype=np.float32)
        s = s - params.simplicity_weight * np.maximum(grades - 8.0, 0.0)
    return s, cover


def choose(cands: list[Candidate], scores: np.ndarray, vectors: np.ndarray, params: SelectionParams,
           max_sentences: int, max_words: int, allowed: list[bool] | None = None) -> list[int]:
    """Indices of the sentences to use, best first."""
    order = [int(i) for i in np.argsort(-scores, kind="stable") if allowed is None or allowed[i]]
    if not order:
        return []
    best = float(scores[order[0]])
    picked: list[int] = []
    words = 0
    for i in order:
        if len(picked) >= max_sentences or float(scores[i]) < best - params.margin:
            break
        if any(float(vectors[i] @ vectors[j]) > params.redundancy for j in picked):
            continue
        if sum(cands[j].passage == cands[i].passage for j in picked) >= params.per_passage:
            continue
        if picked and words + cands[i].words > max_words:
            continue
        picked.append(i)
        words += cands[i].words
        prev = _previous_in_passage(cands, i)
        if (_POINTS_BACK.match(cands[i].text) and prev is not None and prev not in picked
                and (allowed is None or allowed[prev]) and len(picked) < max_sentences
                and words + cands[prev].words <= max_words):
            picked.append(prev)
            words += cands[prev].words
    return picked


def _in_context(cands: list[Candidate], i: int) -> str:
    """The text embedded for a sentence: one that points back ("It can also affect...")
    means little alone, so the sentence before it is prepended."""
    prev = _previous_in_passage(cands, i) if _POINTS_BACK.match(cands[i].text) else None
    return f"{cands[prev].text} {cands[i].text}" if prev is not None else cands[i].text


def _previous_in_passage(cands: list[Candidate], i: int) -> int | None:
    c = cands[i]
    before = [j for j, d in enumerate(cands) if d.passage == c.passage and d.end <= c.start]
    return max(before, key=lambda j: cands[j].start) if before else None


def compose(cands: list[Candidate], picked: list[int], scores: np.ndarray,
            passages: list[Passage]) -> tuple[list[AnswerSentence], list[Citation]]:
    """Order the chosen sentences and number the passages they came from."""
    doc_rank: dict[str, float] = {}
    for i in picked:
        doc = passages[cands[i].passage].chunk.doc_id
        doc_rank[doc] = max(doc_rank.get(doc, -1e9), float(scores[i]))

    def reading_order(i: int):
        chunk = passages[cands[i].passage].chunk
        return (-doc_rank[chunk.doc_id], chunk.doc_id, chunk.start + cands[i].start)

    numbers: dict[int, int] = {}
    highlights: dict[int, list[tuple[int, int]]] = {}
    sentences: list[AnswerSentence] = []
    for i in sorted(picked, key=reading_order):
        c = cands[i]
        n = numbers.setdefault(c.passage, len(numbers) + 1)
        highlights.setdefault(c.passage, []).append((c.start, c.end))
        sentences.append(AnswerSentence(c.text, n))
    citations = [
        Citation(n=n, chunk=passages[p].chunk, score=passages[p].score, highlights=tuple(sorted(highlights[p])))
        for p, n in sorted(numbers.items(), key=lambda kv: kv[1])
    ]
    return sentences, citations


def focus_of(question: str, min_words: int = 30) -> str | None:
    """In a long message, the sentences that ask something: the rest is often background
    ("I'm 45, diagnosed two years ago...") that blurs a single embedding."""
    if len(question.split()) < min_words:
        return None
    asks = [question[a:b] for a, b in split_sentences(question) if question[a:b].rstrip().endswith("?")]
    return " ".join(asks) if asks else None


def extract(passages: list[Passage], qvec: np.ndarray, qterms: QueryTerms,
            embed: Callable[[list[str]], np.ndarray], max_sentences: int, max_words: int,
            advice: bool = False, params: SelectionParams = SelectionParams(),
            question: str = "", expanded_vec: np.ndarray | None = None) -> Extraction:
    """Pick, order and cite sentences; also report the evidence features."""
    cands = candidates(passages, params.min_words)
    features = evidence_features(passages, qterms, question)
    features["word_support"] = word_support(passages[:3], qterms, embed)
    if not cands:
        features.update(sentence_top=0.0, sentence_coverage=0.0)
        return Extraction([], [], features)
    vectors = embed([_in_context(cands, i) for i in range(len(cands))])
    sims = vectors @ np.asarray(qvec, dtype=np.float32)
    if expanded_vec is not None and params.expanded_weight > 0:
        sims = (1 - params.expanded_weight) * sims + params.expanded_weight * (vectors @ expanded_vec)
    focus = focus_of(question)
    if focus:
        sims = np.maximum(sims, vectors @ embed([focus])[0])
    scores, cover = score(cands, sims, qterms, passages, params)
    allowed = [not has_dose_or_instruction(c.text) for c in cands] if advice else None
    picked = choose(cands, scores, vectors, params, max_sentences, max_words, allowed)
    best = int(np.argmax(scores))
    features.update(sentence_top=float(sims.max()), sentence_coverage=float(cover[best]),
                    sentence_margin=float(sims.max() - np.median(sims)),
                    dense_margin=float(max(p.dense for p in passages) - np.median([p.dense for p in passages])))
    sentences, citations = compose(cands, picked, scores, passages)
    return Extraction(sentences, citations, features)


_WANTS_NUMBER = re.compile(
    r"\b(?:how\s+(?:much|many|long|often|old|soon|likely)|what\s+(?:percentage|percent|age|year|number|proportion)"
    r"|percent\w*|odds|chances?|statistics?|rates?|cost|price|phone|when\s+will)\b", re.I)
_NUMBER = re.compile(r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|hundred|thousand|half|percent)\b", re.I)


def word_support(passages: list[Passage], qterms: QueryTerms, embed: Callable[[list[str]], np.ndarray]) -> float:
    """How well the passages speak to each key word of the question (0-1), weighted by
    ``QueryTerm.weight``: 1 for a word they contain, else the best cosine between the word
    and any of their words, so "tailored" finds some support in "personalized" while
    "yoga" finds little anywhere."""
    words = sorted({w for p in passages for w in raw_tokens(p.chunk.text)
                    if w not in STOPWORDS and len(w) > 2})
    if not qterms.terms or not words:
        return 0.0
    present = {stem(w) for w in words}
    missing = [qt for qt in qterms.terms if not any(t in present for t in qt.matches)]
    support = {qt.word: 1.0 for qt in qterms.terms if qt not in missing}
    if missing:
        sims = embed([qt.word for qt in missing]) @ embed(words).T
        support.update({qt.word: float(row.max()) for qt, row in zip(missing, sims)})
    total = sum(qt.weight for qt in qterms.terms)
    return sum(qt.weight * support[qt.word] for qt in qterms.terms) / total if total > 0 else 0.0


def focus_features(passages: list[Passage], qterms: QueryTerms, top: int = 3) -> dict[str, float]:
    """Whether the passages name what the question is about. Its focus is its rarest words
    (``QueryTerm.weight`` at least half the heaviest's: "meniere" in "what are the symptoms of
    Meniere's disease?"). ``focus_known``: the weighted share of them the index knows at
    all; ``focus_found``: the share the ``top`` passages contain."""
    if not qterms.terms or max(qt.weight for qt in qterms.terms) <= 0:
        return {"focus_known": 1.0, "focus_found": 1.0}
    heaviest = max(qt.weight for qt in qterms.terms)
    focus = [qt for qt in qterms.terms if qt.weight >= 0.5 * heaviest]
    total = sum(qt.weight for qt in focus)
    seen = set().union(*(terms(p.chunk.text) for p in passages[:top])) if passages else set()
    found = sum(qt.weight * max((w for t, w in qt.matches.items() if t in seen), default=0.0) for qt in focus)
    known = sum(qt.weight * max(qt.matches.values(), default=0.0) for qt in focus)
    return {"focus_known": known / total, "focus_found": found / total}


def evidence_features(passages: list[Passage], qterms: QueryTerms, question: str = "") -> dict[str, float]:
    """How strongly the retrieved passages bear on the question."""
    known = qterms.known_share()
    wants_number = bool(_WANTS_NUMBER.search(question))
    focus = focus_features(passages, qterms)
    if not passages:
        return {"dense_top": 0.0, "lexical_top": 0.0, "coverage": 0.0, "fused_top": 0.0,
                "known_share": known, "number_missing": float(wants_number), **focus}
    top = passages[:3]
    return {**focus,
        "dense_top": max(p.dense for p in passages),
        "lexical_top": max(p.lexical for p in passages),
        "coverage": max(qterms.coverage(set(terms(p.chunk.text))) for p in top),
        "fused_top": passages[0].score,
        "known_share": known,
        "number_missing": float(wants_number and not any(_NUMBER.search(p.chunk.text) for p in top)),
    }
