"""Training and held-out examples for the answer-sentence scorer, built from MedQuAD pages.

Each condition's answers (``eval.medquad``) are written as one page, the way an educator's
document would read: every answer a paragraph block, in a seeded shuffled order; half the
pages (seeded) put each answer under its question as a heading, half have no headings. The page goes through the product's own loader, chunker and candidate reader
(``rag.indexing.loaders``, ``rag.indexing.chunking``, ``rag.compose.candidates``), so a sentence is cut and filtered
exactly as it is at run time.

For one question of the condition, the candidates are the sentences of the passages most
like the question (as retrieval would hand them over, ``PASSAGES``) among the page's and
those of the ``NEIGHBOURS`` pages nearest the question, plus one passage of an unrelated
condition. A sentence is *answering* when it is part of the question's own
answer text; the first sentences of that answer weigh most (``POSITION_WEIGHTS``). The
same condition's answers to other kinds of question are the hard negatives, with sentences
of neighbouring conditions that read alike; the unrelated passage gives easy ones.

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

from rag.compose.extract import _in_context, local_coverage, without_kind_words
from rag.compose.scorer import scalar_features
from rag.compose.candidates import Candidate, candidates, previous_in_passage
from rag.indexing.chunking import chunk_document
from rag.text.lexical import LexicalIndex, analyze_query
from rag.indexing.loaders import LoadError, load_text
from rag.schema import Passage

from .medquad import condition, template_free

PASSAGES = 6  # passages retrieval hands the answerer (Settings.top_k)
NEIGHBOURS = 3  # other pages whose passages compete, as in a library of many documents
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


def shuffled_answers(rows: list[dict], rng: random.Random) -> list[str]:
    """A condition's distinct answers, tidied, in the order ``rng`` shuffles them to."""
    answers = list(dict.fromkeys(tidy(r["answer"]) for r in rows))
    rng.shuffle(answers)
    return answers


def page_text(answers: list[str]) -> str:
    return "\n\n".join(answers) + "\n"


def build_page(key: tuple[str, str], rows: list[dict], seed: int, chunk_size: int = 600,
               overlap: int = 60, headings: bool | None = None) -> Page | None:
    """The condition as one document, cut into passages as ingest would cut it. With
    ``headings`` (by default, half the pages, seeded), each answer sits under its question as
    a Markdown heading, as many patient pages are written; otherwise no headings at all."""
    rng = random.Random(f"{seed}|{key}")
    asked = {}  # each distinct answer, with the first question it answers
    for r in rows:
        asked.setdefault(tidy(r["answer"]), r["question"])
    answers = shuffled_answers(rows, rng)
    if len(answers) < 2:
        return None
    headings = rng.random() < 0.5 if headings is None else headings
    slug = re.sub(r"[^a-z0-9]+", "-", f"{key[0]} {key[1]}".lower()).strip("-")[:80] or "page"
    try:
        if headings:
            text = f"# {key[1]}\n\n" + "\n\n".join(f"## {template_free(asked[a])}\n\n{a}" for a in answers) + "\n"
            doc = load_text(text.encode("utf-8"), f"{slug}.md", markdown=True)
        else:
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


def passage_means(page: Page, embed) -> np.ndarray:
    """Each passage's unit mean candidate vector (zeros for a passage with no candidate):
    the passage similarity the scorer itself reads (``rag.compose.scorer``)."""
    rows = []
    for p in page.passages:
        cands = candidates([p])
        if not cands:
            rows.append(np.zeros(384, np.float32))
            continue
        prev = previous_in_passage(cands)
        v = embed([_in_context(cands, i, prev, [p]) for i in range(len(cands))]).mean(axis=0)
        rows.append(v / (float(np.linalg.norm(v)) or 1.0))
    return np.stack(rows) if rows else np.zeros((0, 384), np.float32)


def example(page: Page, row: dict, question: str, pool: list[tuple[Passage, np.ndarray, bool]], easy: Passage | None,
            embed: Callable[[list[str]], np.ndarray], lexical: LexicalIndex) -> Example | None:
    """The candidates a retrieval over a library would hand over for ``question``: the
    ``PASSAGES`` passages of ``pool`` (this page's and the nearest other pages', as
    ``(passage, mean vector, own page)``) most like the question, always with this page's
    best one, plus the ``easy`` passage of an unrelated page."""
    qvec = embed([question])[0]
    order = sorted(range(len(pool)), key=lambda i: -float(pool[i][1] @ qvec))
    chosen_idx = order[:PASSAGES]
    own_best = next((i for i in order if pool[i][2]), None)
    if own_best is not None and own_best not in chosen_idx:
        chosen_idx[-1] = own_best
    chosen = [pool[i][0] for i in chosen_idx]
    if easy is not None:
        chosen.append(easy)
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


def page_lexicon(page: Page) -> LexicalIndex:
    return LexicalIndex.build([p.chunk.chunk_id for p in page.passages], [p.chunk.text for p in page.passages])


def examples(pages: list[Page], embed, seed: int, questions: Callable[[dict, random.Random], str] | None = None,
             per_page: int | None = None, neighbours: int = NEIGHBOURS) -> list[Example]:
    """Every (or ``per_page``) question of each page as an example. Its candidates come from
    the page and the ``neighbours`` pages nearest the question (sentences about another
    condition that read alike are the negatives a library gives), plus one passage of a
    seeded unrelated page."""
    rng = random.Random(seed)
    means = [passage_means(p, embed) for p in pages]
    centroids = np.stack([m.mean(axis=0) if len(m) else np.zeros(384, np.float32) for m in means])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-9
    out = []
    for n, page in enumerate(pages):
        lexical = page_lexicon(page)
        rows = list(page.rows)
        if per_page:
            rng.shuffle(rows)
            rows = rows[:per_page]
        for row in rows:
            q = questions(row, rng) if questions else row["question"]
            qvec = embed([q])[0]
            near = [int(j) for j in np.argsort(-(centroids @ qvec)) if int(j) != n][:neighbours]
            pool = [(p, means[n][i], True) for i, p in enumerate(page.passages)]
            pool += [(p, means[j][i], False) for j in near for i, p in enumerate(pages[j].passages)]
            unrelated = pages[rng.randrange(len(pages))] if len(pages) > 1 else None
            easy = rng.choice(unrelated.passages) if unrelated is not None and unrelated is not page \
                and unrelated.passages else None
            ex = example(page, row, q, pool, easy, embed, lexical)
            if ex is not None and ex.labels.any():
                out.append(ex)
    return out
