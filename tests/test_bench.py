"""The benchmark's own arithmetic and workload, on tiny made-up data (the heavy run itself
is `python -m bench`, never part of the tests)."""

from __future__ import annotations

import json

import pytest

from bench.data import Pair, workload, write_documents
from bench.measures import (cross_fitted, documents_by_score, documents_in_order, flops_per_token, fused_ranking,
                            percentiles, ranking_quality)
from bench.report import speed, token_speed
from bench.stories import TEMPLATES, wrap_all
from rag.indexing.loaders import iter_jsonl_documents

PAIRS = [
    Pair("a1", "What is gout ?", "Gout is a kind of arthritis caused by uric acid crystals.", "information", "Gout"),
    Pair("a2", "How to treat gout ?", "Gout is treated with anti-inflammatory medicines.", "treatment", "Gout"),
    Pair("b1", "What is X ?", "This condition is inherited in an autosomal recessive pattern.", "inheritance", "X"),
    Pair("b2", "Is Y inherited ?", "This condition is inherited in an autosomal recessive pattern.", "inheritance"),
]


def test_identical_answers_are_all_relevant_and_questions_are_never_indexed_but_titles_are(tmp_path):
    wl = workload(PAIRS, None, seed=0, max_queries=None)
    assert wl.relevant["b1"] == wl.relevant["b2"] == {"b1", "b2"}
    assert wl.relevant["a1"] == {"a1"}
    docs = [d for d in iter_jsonl_documents(write_documents(wl.documents, tmp_path / "d.jsonl"))]
    # a document is titled by its page's subject (the id when the data set has none)
    assert [(d.doc_id, d.title) for d in docs] == [("a1", "Gout"), ("a2", "Gout"), ("b1", "X"), ("b2", "b2")]
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


def test_documents_with_several_matching_passages_can_rank_higher():
    scored = [("d1", 0.80), ("d2", 0.78), ("d2", 0.70), ("d2", 0.69), ("d3", 0.10)]
    assert documents_by_score(scored) == ["d1", "d2", "d3"]  # best passage only
    assert documents_by_score(scored, 0.1) == ["d2", "d1", "d3"]  # 0.78 + 0.1 x (0.70 + 0.69)


def test_fusion_weights_are_fitted_on_one_half_and_scored_on_the_other():
    # dense finds the right document in every question, BM25 in none: fitting picks dense
    candidates = {f"q{i}": [(f"good{i}", 0.9, 0.1), (f"bad{i}", 0.2, 0.9)] for i in range(10)}
    relevant = {f"q{i}": frozenset({f"good{i}"}) for i in range(10)}
    assert fused_ranking(candidates["q0"], 0.0) == ["bad0", "good0"]
    got = cross_fitted(candidates, relevant)
    assert got["mrr@10"] == 1.0 and got["queries"] == 10
    assert all(f["dense_weight"] > 0.5 for f in got["fitted"])


def test_story_wrapped_questions_keep_the_question_and_are_seeded():
    questions = {f"q{i}": f"What are the symptoms of condition {i} ?" for i in range(40)}
    once, again = wrap_all(questions, 3), wrap_all(questions, 3)
    assert once == again and once != wrap_all(questions, 4)
    assert all(questions[q].strip() in story and len(story) > len(questions[q]) + 40 for q, story in once.items())
    assert len({story.replace(questions[q].strip(), "") for q, story in once.items()}) > len(TEMPLATES) // 2


def test_ingest_speed_is_compared_per_document():
    plain = {"documents": 100, "seconds": 50.0, "cpu_seconds": 80.0}
    run = {"ingest": {"documents": 200, "seconds": 50.0, "cpu_seconds": 100.0}}
    assert speed(run, plain, "seconds") == pytest.approx(2.0)
    assert speed(run, plain, "cpu_seconds") == pytest.approx(1.6)
    # per token: 600 tokens/s for ingest against 20,000 tokens in 50 s (400/s) for plain encoding
    run["ingest"]["tokens_per_s"] = 600.0
    assert token_speed(run, {**plain, "tokens": 20_000}) == pytest.approx(1.5)
