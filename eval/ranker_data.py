"""Training and held-out examples for the answer-sentence scorer, built from MedQuAD pages.

Each condition's answers (``eval.medquad``) are written as one page, the way an educator's
document would read: every answer a paragraph block, in a seeded shuffled order, no
headings. The page goes through the product's own loader, chunker and candidate reader
(``rag.loaders``, ``rag.chunking``, ``rag.candidates``), so a sentence is cut and filtered
exactly as it is at run time.

For one question of the condition, the candidates are the sentences of the page's passages
most like the question (as retrieval would hand them over, ``PASSAGES``) plus one passage
of another condition. A sentence is *answering* when it is part of the question's own
answer text; the first sentences of that answer weigh most (``POSITION_WEIGHTS``). The
same condition's answers to other kinds of question are the hard negatives; the other
condition's passage gives easy ones.

Left out: retrieval itself (the page stands for what retrieval found; the benchmark in
``eval.pages`` asks through the real pipeline instead).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

import numpy as np

from rag.answer import _in_context, local_coverage, without_kind_words
from rag.answer_scorer import scalar_features
from rag.candidates import Candidate, candidates, previous_in_passage
from rag.chunking import chunk_document
from rag.lexical import LexicalIndex, analyze_query
from rag.loaders import LoadError, load_text
from rag.schema import Passage

from .medquad import condition

PASSAGES = 6  # passages retrieval hands the answerer (Settings.top_k)
POSITION_WEIGHTS = (1.0, 1.0, 0.6)  # first, second, later sentences of the own answer


def tidy(answer: str) -> str:
    """An answer's text with each line stripped and runs of blank lines made one."""
    lines = [line.strip() for line in answer.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def squash(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@dataclass
class Page:
    key: tuple[str, str]
    rows: list[dict]  # the condition's pairs (one per question)
    answers: list[str]  # distinct tidy answers, in page order
    passages: list[Passage]

    @property
    def title(self) -> str:
        return self.key[1]


def page_text(answers: list[str]) -> str:
    return "\n\n".join(answers) + "\n"


def build_page(key: tuple[str, str], rows: list[dict], seed: int, chunk_size: int = 600,
               overlap: int = 60) -> Page | None:
    """The condition as one document, cut into passages as ingest would cut it."""
    answers = list(dict.fromkeys(tidy(r["answer"]) for r in rows))
    if len(answers) < 2:
        return None
    random.Random(f"{seed}|{key}").shuffle(answers)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{key[0]} {key[1]}".lower()).strip("-")[:80] or "page"
    try:
        doc = load_text(page_text(answers).encode("utf-8"), f"{slug}.txt")
    except LoadError:
        return None
    chunks = chunk_document(doc, chunk_size, overlap)
    return Page(key, rows, answers, [Passage(c, 0.0) for c in chunks])


def pages_of(rows: list[dict], seed: int) -> list[Page]:
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        grouped[condition(r)].append(r)
    pages = []
    for key in sorted(grouped):
        page = build_page(key, grouped[key], seed)
        if page is not None:
            pages.append(page)
    return pages


@dataclass
class Example:
    """One question with its candidate sentences, their features and labels."""

    question: str
    qtype: str
    source: str
    page: str
    qvec: np.ndarray
    cands: list[Candidate]
    passages: list[Passage]
    vectors: np.ndarray  # (n, 384)
    scalars: np.ndarray  # (n, len(SCALARS))
    labels: np.ndarray  # 1 when the sentence is part of the question's own answer
    weights: np.ndarray  # how much a positive counts (first sentences most)
    qterms: object = None


def own_answer_flags(cands: list[Candidate], passages: list[Passage], answer: str) -> tuple[np.ndarray, np.ndarray]:
    """(labels, weights) of the candidates for a question whose answer text is ``answer``."""
    own = squash(answer)
    first = [squash(s) for s in re.split(r"(?<=[.!?])\s+", tidy(answer))[:2]]
    labels = np.zeros(len(cands), np.float32)
    weights = np.zeros(len(cands), np.float32)
    for i, c in enumerate(cands):
        s = squash(c.text)
        if s and s in own:
            labels[i] = 1.0
            at = next((k for k, f in enumerate(first) if s and (s in f or f in s)), 2)
            weights[i] = POSITION_WEIGHTS[min(at, 2)]
    return labels, weights


def example(page: Page, row: dict, question: str, other: Page | None, embed: Callable[[list[str]], np.ndarray],
            lexical: LexicalIndex, rng: random.Random) -> Example | None:
    """The candidates retrieval-like selection would give for ``question`` on ``page``."""
    qvec = embed([question])[0]
    ranked = _passages_by_similarity(page.passages, qvec, embed)[:PASSAGES]
    chosen = [page.passages[i] for i in ranked]
    if other is not None and other.passages:
        chosen.append(rng.choice(other.passages))
    cands = candidates(chosen)
    if not cands:
        return None
    prev = previous_in_passage(cands)
    vectors = embed([_in_context(cands, i, prev, chosen) for i in range(len(cands))])
    sims = vectors @ qvec
    qterms = without_kind_words(analyze_query(lexical, question))
    cover = local_coverage(cands, qterms)
    scalars = scalar_features(cands, [p.chunk.text for p in chosen], sims, vectors, qvec, cover)
    labels, weights = own_answer_flags(cands, chosen, row["answer"])
    return Example(question, row.get("qtype", ""), page.key[0], page.title, qvec, cands, chosen, vectors,
                   scalars, labels, weights, qterms)


def _passages_by_similarity(passages: list[Passage], qvec: np.ndarray, embed) -> list[int]:
    """Passages in order of their candidates' mean vector's cosine to the question."""
    scores = []
    for p in passages:
        cands = candidates([p])
        if not cands:
            scores.append(-1.0)
            continue
        prev = previous_in_passage(cands)
        v = embed([_in_context(cands, i, prev, [p]) for i in range(len(cands))]).mean(axis=0)
        scores.append(float(v @ qvec) / (float(np.linalg.norm(v)) or 1.0))
    return sorted(range(len(passages)), key=lambda i: -scores[i])


def page_lexicon(page: Page) -> LexicalIndex:
    return LexicalIndex.build([p.chunk.chunk_id for p in page.passages], [p.chunk.text for p in page.passages])


def examples(pages: list[Page], embed, seed: int, questions: Callable[[dict, random.Random], str] | None = None,
             per_page: int | None = None) -> list[Example]:
    """Every (or ``per_page``) question of each page as an example, with a passage of a
    seeded other page as the easy negative."""
    rng = random.Random(seed)
    out = []
    for n, page in enumerate(pages):
        lexical = page_lexicon(page)
        rows = list(page.rows)
        if per_page:
            rng.shuffle(rows)
            rows = rows[:per_page]
        other = pages[(n + 1 + rng.randrange(max(len(pages) - 1, 1))) % len(pages)] if len(pages) > 1 else None
        for row in rows:
            q = questions(row, rng) if questions else row["question"]
            ex = example(page, row, q, other, embed, lexical, rng)
            if ex is not None and ex.labels.any():
                out.append(ex)
    return out
