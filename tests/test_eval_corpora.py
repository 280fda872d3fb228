"""The second evaluation corpus (eval/corpora/<name>/: a few documents on another condition,
in another style, with their own question file), so nothing in the bot is tuned to the two
scleroderma documents: its question file must be sound, and ``python -m eval run --corpus``
must index it into a store of its own, never the app's or the main evaluation's."""

from __future__ import annotations

import json

import pytest

from eval import runner
from eval.metrics_text import normalize
from eval.questions import QUESTION_KINDS, load_questions
from rag.settings import PROJECT_ROOT

from tests.conftest import make_settings

CORPORA = sorted(p for p in (PROJECT_ROOT / "eval" / "corpora").iterdir() if (p / "questions.jsonl").is_file())


def test_there_is_a_second_corpus():
    assert CORPORA


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_every_evidence_phrase_of_the_second_corpus_is_in_one_of_its_documents(corpus):
    questions = load_questions(corpus / "questions.jsonl")
    documents = [p for p in runner.corpus_sources(corpus, corpus / "questions.jsonl")]
    texts = [normalize(p.read_text(encoding="utf-8")) for p in documents]
    missing = [f"{q.id}: {phrase}" for q in questions for phrase in q.evidence
               if not any(normalize(phrase) in t for t in texts)]
    assert not missing, "Evidence phrases in no document:\n" + "\n".join(missing)
    assert all(q.evidence for q in questions if q.expect == "answered")


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_the_second_corpus_has_enough_questions_of_each_kind_and_credits_its_source(corpus):
    questions = load_questions(corpus / "questions.jsonl")
    assert len(questions) >= 30
    assert sum(q.expect == "answered" for q in questions) >= 20
    assert sum(q.expect == "not_found" for q in questions) >= 8
    assert {q.extra.get("kind") for q in questions} <= set(QUESTION_KINDS)
    for doc in runner.corpus_sources(corpus, corpus / "questions.jsonl"):
        text = doc.read_text(encoding="utf-8")
        assert text.startswith("---\ntitle:") and "CC BY 4.0" in text and "http" in text, doc.name


def test_another_corpus_gets_a_store_and_a_collection_of_its_own(tmp_path):
    corpus = CORPORA[0]
    settings = make_settings(tmp_path / "app-store")
    own = runner.evaluation_settings(settings, corpus=corpus)
    main = runner.evaluation_settings(settings)
    assert own.corpus_dir == corpus and own.store_dir != main.store_dir != settings.store_dir
    assert own.store_dir.name == f"store-{corpus.name}"
    assert runner.evaluation_settings(settings, corpus=settings.corpus_dir).store_dir == main.store_dir
    server = settings.model_copy(update={"chroma_host": "localhost"})
    assert server.server_mode
    assert runner.evaluation_settings(server, corpus=corpus).collection == f"patient-docs-eval-{corpus.name}"
    # the question file in the folder is not offered to the indexer
    assert corpus / "questions.jsonl" not in runner.corpus_sources(corpus, corpus / "questions.jsonl")
    assert corpus / "questions.jsonl" not in runner.corpus_sources(corpus, tmp_path / "q.jsonl")
    (tmp_path / "docs").mkdir()
    assert runner.corpus_sources(tmp_path / "docs", tmp_path / "q.jsonl") == [tmp_path / "docs"]


def test_a_run_on_the_second_corpus_answers_from_its_documents(tmp_path, embedder):
    corpus = CORPORA[0]
    rows = [json.loads(line) for line in (corpus / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    picked = [r for r in rows if r["expect"] == "answered"][:2] + [r for r in rows if r["expect"] == "not_found"][:1]
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in picked), encoding="utf-8")
    out = runner.run(make_settings(tmp_path / "app-store"), questions, out_dir=tmp_path / "run",
                     store=tmp_path / "eval-store", embedder=embedder, corpus=corpus)
    summary, results = runner.load_run(out)
    indexed = {d["doc_id"] for d in summary["provenance"]["corpus"]}
    assert len(indexed) == len(runner.corpus_sources(corpus, corpus / "questions.jsonl"))
    assert not summary["warnings"]
    assert summary["provenance"]["settings"]["corpus_dir"].endswith(corpus.name)
    assert results[0]["answer"]["kind"] == "answered" and results[0]["kind"]
    assert results[0]["metrics"]["composition"]["roles"]
    assert not (tmp_path / "app-store").exists()
