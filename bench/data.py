"""The MedQuAD workload: each answer is a document (its text only), each question a query.

Documents are written to a JSON-lines file in a temporary folder (``id``, ``title`` = the
answer's focus, the subject of the web page it comes from, as any real document has a
title; ``text`` = the answer) so ingest runs through ``python -m rag ingest`` exactly as an
educator's would; the data set itself is never copied into the project. A query's relevant
documents are its own answer and every other answer with word-for-word identical text
(590 answers in MedQuAD have a twin).

Left out: the question text and question type are never indexed.
"""

from __future__ import annotations

import gzip
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rag.settings import PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "medquad" / "medquad.jsonl.gz"


@dataclass(frozen=True)
class Pair:
    id: str
    question: str
    answer: str
    qtype: str
    focus: str = ""


@dataclass(frozen=True)
class Workload:
    documents: list[Pair]  # the pool that is indexed
    queries: list[Pair]  # the questions asked (a subset of the pool's pairs)
    relevant: dict[str, frozenset[str]]  # query id -> ids of documents with its answer text


def read_pairs(path: Path) -> list[Pair]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [Pair(r["id"], r["question"], r["answer"], r.get("qtype", ""), r.get("focus", "")) for r in rows
            if r.get("answer", "").strip() and r.get("question", "").strip()]


def workload(pairs: list[Pair], sample: int | None, seed: int, max_queries: int | None) -> Workload:
    """A seeded sample of the pool (or all of it), and a seeded sample of its questions."""
    rng = random.Random(seed)
    pool = list(pairs) if not sample or sample >= len(pairs) else rng.sample(pairs, sample)
    pool.sort(key=lambda p: p.id)
    queries = pool if not max_queries or max_queries >= len(pool) else rng.sample(pool, max_queries)
    by_text: dict[str, set[str]] = defaultdict(set)
    for p in pool:
        by_text[p.answer.strip()].add(p.id)
    relevant = {q.id: frozenset(by_text[q.answer.strip()]) for q in queries}
    return Workload(pool, queries, relevant)


def write_documents(pool: list[Pair], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for p in pool:
            f.write(json.dumps({"id": p.id, "title": p.focus or p.id, "text": p.answer}, ensure_ascii=False) + "\n")
    return path
