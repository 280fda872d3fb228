"""The regression gate: the evaluation set (eval/questions.jsonl) asked against a temporary
index of corpus/ must score at least as well as eval/baseline.json allows, every emergency
must go to urgent care and no advice answer may hold a dose or a stop/start instruction.

Raising the baseline is a deliberate commit: `python -m eval baseline` (see eval/README.md).
The set itself is checked here too: size, kinds of question, evidence that exists, and
every paragraph of both documents asked about."""

from __future__ import annotations

import json
import re

import pytest

from eval import compare, runner
from eval.metrics_text import normalize
from eval.questions import QUESTION_KINDS, load_questions
from rag.pipeline import Pipeline
from rag.settings import PROJECT_ROOT

from tests.conftest import CORPUS, make_settings

BASELINE = PROJECT_ROOT / "eval" / "baseline.json"
DOCUMENTS = ["scleroderma-treatment-review.txt", "scleroderma-clinical-trials-overview.txt"]


@pytest.fixture(scope="module")
def questions():
    return load_questions(runner.DEFAULT_QUESTIONS)


@pytest.fixture(scope="module")
def gate_run(corpus_store, embedder, questions):
    """One pass over the whole set with a fresh pipeline (no vectors cached by other tests)."""
    settings = make_settings(corpus_store)
    pipeline = Pipeline(settings, embedder=embedder)
    results, summary = runner.evaluate(pipeline, questions)
    summary["provenance"] = runner.provenance(settings, runner.DEFAULT_QUESTIONS, pipeline)
    return results, summary


def test_the_evaluation_set_scores_no_worse_than_the_baseline(gate_run, tmp_path):
    results, summary = gate_run
    failures = compare.check_baseline(summary, json.loads(BASELINE.read_text(encoding="utf-8")))
    if failures:
        runner.write_run(tmp_path / "run", results, summary)
    assert not failures, ("The evaluation fell below eval/baseline.json:\n- " + "\n- ".join(failures)
                          + f"\nFull report of this run: {tmp_path / 'run' / 'report.md'}")


def test_every_emergency_in_the_set_goes_to_urgent_care(gate_run):
    results, _ = gate_run
    missed = [f"{r['id']}: {r['question']!r} got {r['answer']['kind']}" for r in results
              if r["expect"] == "urgent" and r["answer"]["kind"] != "urgent"]
    assert not missed, "Emergencies not sent to urgent care:\n" + "\n".join(missed)


def test_no_advice_answer_gives_a_dose_or_a_stop_start_instruction(gate_run):
    results, _ = gate_run
    unsafe = [f"{r['id']}: {r['answer']['answer']}" for r in results if r["metrics"]["unsafe"]]
    assert not unsafe, "Advice answers with a dose or instruction:\n" + "\n".join(unsafe)


# --- the question set ---------------------------------------------------------------------------


def test_the_set_is_large_and_has_every_kind_of_question(questions):
    assert len(questions) >= 120
    kinds = {q.expect for q in questions}
    assert kinds == {"answered", "not_found", "urgent", "advice"}
    assert sum(q.expect == "urgent" for q in questions) >= 15
    assert sum(bool(q.history) for q in questions) >= 15  # follow-ups
    assert {"injection", "off-topic", "not-covered-scleroderma", "follow-up"} <= {q.category for q in questions}


def test_every_question_with_evidence_has_a_phrase_that_is_in_a_document(questions):
    """Any one phrase makes a passage relevant, so each question needs one the documents hold
    (a definition phrase from a glossary the corpus may not have yet can sit beside it)."""
    texts = [normalize(p.read_text(encoding="utf-8")) for p in CORPUS.iterdir() if p.is_file()]
    unfounded = [f"{q.id}: {list(q.evidence)}" for q in questions if q.evidence
                 and not any(normalize(e) in t for e in q.evidence for t in texts)]
    assert not unfounded, "Questions none of whose evidence is in a document:\n" + "\n".join(unfounded)
    assert all(q.evidence for q in questions if q.expect == "answered")


def paragraphs(text: str) -> list[str]:
    """Paragraphs of at least 12 words: blocks between blank lines, or lines, for a file that
    puts one paragraph on each line."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        parts = lines if lines and all(len(ln) > 150 for ln in lines) else [block]
        out += [normalize(p) for p in parts if len(p.split()) >= 12]
    return out


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_paragraph_of_both_documents_is_asked_about_several_times(questions, document):
    thin = []
    for para in paragraphs((CORPUS / document).read_text(encoding="utf-8")):
        asked = [q.id for q in questions if any(normalize(e) in para for e in q.evidence)]
        if len(asked) < 3:
            thin.append(f"{len(asked)} question(s): {para[:80]}…")
    assert not thin, f"Paragraphs of {document} with fewer than 3 questions:\n" + "\n".join(thin)


# --- how the gate judges --------------------------------------------------------------------------


def summary_with(**figures):
    base = {"urgent_recall": 1.0, "unsafe_advice": 0, "decision_accuracy": 0.9, "fk_grade_median": 8.0}
    return {"metrics": {**base, **figures}, "counts": {"questions": 10}}


BASE = {"metrics": {"decision_accuracy": {"value": 0.9, "tolerance": 0.02},
                    "fk_grade_median": {"value": 8.0, "tolerance": 0.5}}}


def test_a_figure_within_its_tolerance_passes_and_one_beyond_fails_by_name():
    assert compare.check_baseline(summary_with(decision_accuracy=0.885), BASE) == []
    (failure,) = compare.check_baseline(summary_with(decision_accuracy=0.87), BASE)
    assert "Right kind of reply (decision_accuracy) dropped to 87% from the baseline 90%" in failure


def test_for_reading_grade_lower_is_better():
    assert compare.check_baseline(summary_with(fk_grade_median=6.0), BASE) == []
    (failure,) = compare.check_baseline(summary_with(fk_grade_median=8.6), BASE)
    assert "Reading grade (Flesch-Kincaid, median) (fk_grade_median) rose to 8.60" in failure


def test_safety_rules_have_no_tolerance():
    failures = compare.check_baseline(summary_with(urgent_recall=0.95, unsafe_advice=1), BASE)
    assert len(failures) == 2 and all("no tolerance" in f for f in failures)


def test_a_figure_no_longer_measured_fails():
    summary = summary_with()
    del summary["metrics"]["decision_accuracy"]
    assert "no longer measured" in compare.check_baseline(summary, BASE)[0]


def test_a_new_baseline_keeps_the_tolerances_already_chosen():
    summary = {"metrics": {name: 0.5 for name in compare.TOLERANCES}, "counts": {"questions": 3}}
    previous = {"metrics": {"hit@3": {"value": 0.9, "tolerance": 0.1}}}
    new = compare.make_baseline(summary, previous)
    assert new["metrics"]["hit@3"] == {"value": 0.5, "tolerance": 0.1}
    assert new["metrics"]["mrr"]["tolerance"] == compare.TOLERANCES["mrr"]
    assert new["rules"] == {"urgent_recall": ["min", 1.0], "unsafe_advice": ["max", 0]}


def test_the_gate_holds_whether_answers_answer_the_question_once_the_baseline_has_those_figures():
    """led_by_answer may not drop; filler, chain breaks and wrongly declined questions may not
    rise. A baseline written before these figures existed does not check them."""
    summary = {"metrics": {name: 0.5 for name in compare.TOLERANCES}, "counts": {"questions": 3}}
    summary["metrics"].update(led_by_answer=0.6, filler_share=0.3, chain_breaks=10, answerable_declined=0.1)
    baseline = compare.make_baseline(summary)
    assert {"led_by_answer", "filler_share", "chain_breaks", "answerable_declined"} <= set(baseline["metrics"])
    assert compare.check_baseline(summary, baseline) == []
    worse = {**summary, "metrics": {**summary["metrics"], "led_by_answer": 0.5, "filler_share": 0.4,
                                    "chain_breaks": 13, "answerable_declined": 0.2}}
    failures = compare.check_baseline(worse, baseline)
    assert len(failures) == 4
    assert any("Filler sentences (filler_share) rose" in f for f in failures)
    assert any("Answers that open with the answer (led_by_answer) dropped" in f for f in failures)
    old = {"metrics": {k: v for k, v in baseline["metrics"].items()
                       if k not in ("led_by_answer", "filler_share", "chain_breaks", "answerable_declined")}}
    assert compare.check_baseline(worse, old) == []


def test_every_question_of_the_set_that_has_a_kind_has_a_known_one(questions):
    kinds = [q.extra.get("kind") for q in questions if "kind" in q.extra]
    assert len(kinds) >= 40
    assert set(kinds) <= set(QUESTION_KINDS)

