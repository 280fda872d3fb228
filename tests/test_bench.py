"""The benchmark's own arithmetic and workload, on tiny made-up data (the heavy run itself
is `python -m bench`, never part of the tests)."""

from __future__ import annotations

import json

import pytest

from bench.data import Pair, workload, write_documents
from bench.measures import documents_in_order, flops_per_token, percentiles, ranking_quality
from rag.loaders import iter_jsonl_documents

PAIRS = [
    Pair("a1", "What is gout ?", "Gout is a kind of arthritis caused by uric acid crystals.", "information"),
    Pair("a2", "How to treat gout ?", "Gout is treated with anti-inflammatory medicines.", "treatment"),
    Pair("b1", "What is X ?", "This condition is inherited in an autosomal recessive pattern.", "inheritance"),
    Pair("b2", "Is Y inherited ?", "This condition is inherited in an autosomal recessive pattern.", "inheritance"),
]


def test_identical_answers_are_all_relevant_and_questions_are_never_indexed(tmp_path):
    wl = workload(PAIRS, None, seed=0, max_queries=None)
    assert wl.relevant["b1"] == wl.relevant["b2"] == {"b1", "b2"}
    assert wl.relevant["a1"] == {"a1"}
    docs = [d for d in iter_jsonl_documents(write_documents(wl.documents, tmp_path / "d.jsonl"))]
    assert [(d.doc_id, d.title) for d in docs] == [("a1", "a1"), ("a2", "a2"), ("b1", "b1"), ("b2", "b2")]
    assert all("?" not in d.text for d in docs)


def test_samples_are_seeded():
    many = [Pair(f"p{i}", f"q{i}", f"answer number {i}", "") for i in range(100)]
    first, again = workload(many, 10, 7, 5), workload(many, 10, 7, 5)
    assert first == again and len(first.documents) == 10 and len(first.queries) == 5
    assert workload(many, 10, 8, 5).documents != first.documents
    assert {q.id for q in first.queries} <= {d.id for d in first.documents}


def test_a_document_ranks_where_its_best_passage_ranks():
    assert documents_in_order(["d2", "d1", "d2", "d3", "d1"]) == ["d2", "d1", "d3"]


def test_recall_and_mrr_at_10():
    relevant = {"q1": frozenset({"d1"}), "q2": frozenset({"d5", "d6"}), "q3": frozenset({"d9"})}
    ranked = {"q1": ["d1", "d2"], "q2": ["d1", "d2", "d6"],
              "q3": [f"x{i}" for i in range(10)] + ["d9"]}  # 11th: a miss at 10
    got = ranking_quality(ranked, relevant, 10)
    assert got["recall@10"] == pytest.approx(2 / 3)
    assert got["mrr@10"] == pytest.approx((1 + 1 / 3) / 3)


def test_percentiles_and_the_models_cost_per_token():
    p = percentiles([float(i) for i in range(1, 101)])
    assert p["p50"] == pytest.approx(50.5) and p["p95"] == pytest.approx(95.05) and p["n"] == 100
    # 6 layers x 2 x (4*384^2 + 2*384*1536) = 21.2 MFLOP of weights, plus attention.
    assert flops_per_token(0) == 6 * 2 * (4 * 384 * 384 + 2 * 384 * 1536)
    assert flops_per_token(200) - flops_per_token(0) == 6 * 4 * 200 * 384


def test_the_kind_filter_benchmark_prints_the_three_ways_side_by_side(capsys):
    from bench.kind_filter import main

    assert main(["--passages", "300", "--reference", "20", "--queries", "20", "--k", "5"]) == 0
    out = capsys.readouterr().out
    for name in ("no filter", "Chroma where kind != glossary", "dropped in Python", "fallback"):
        assert name in out
