"""Evaluation that follows the library: a question written as "not in the documents" that a
document added since now answers is "coverage changed: review", not a failure; a question
records the documents its expectation was written against."""

from eval import metrics as M
from eval.metrics_summary import summarize
from eval.questions import Question, load_questions
from eval.report import problems
from tests.test_eval_metrics import PHARMA, answer

WRITTEN_AGAINST = ("scleroderma-treatment-review.txt",)


def cited_from(doc_id: str) -> dict:
    a = answer("answered", sentences=[("Methotrexate calms the immune system.", 1)], citations=[("p", PHARMA)])
    a["citations"][0]["doc_id"] = doc_id
    return a


def result(qid: str, reply: dict, embedder, documents=WRITTEN_AGAINST) -> dict:
    q = Question(id=qid, question=qid, expect="not_found", category="nf", documents=documents)
    m = M.score_answer(q, reply, embedder.embed, set())
    m["retrieval"] = None
    return {"id": qid, "expect": "not_found", "category": "nf", "question": qid, "answer": reply, "metrics": m}


def test_an_answer_from_a_new_document_is_coverage_changed_not_a_failure(embedder):
    results = [result("raynaud", cited_from("raynauds-upload.md"), embedder),
               result("diet", cited_from("scleroderma-treatment-review.txt"), embedder),
               result("acupuncture", answer("not_found"), embedder)]
    assert [r["metrics"]["coverage_changed"] for r in results] == [True, False, False]
    s = summarize(results)
    assert s["counts"]["coverage_changed"] == 1 and s["counts"]["by_expect"] == {"not_found": 3}
    assert s["metrics"]["not_found_recall"] == 0.5, "the changed question is left out, the others count"
    assert problems(results[0])[0].startswith("coverage changed: review")


def test_without_recorded_documents_an_answer_is_still_a_failure(embedder):
    r = result("raynaud", cited_from("raynauds-upload.md"), embedder, documents=())
    assert not r["metrics"]["coverage_changed"] and not r["metrics"]["decision_ok"]


def test_the_kept_questions_say_which_documents_each_not_covered_expectation_was_written_against():
    questions = load_questions(M.__file__.replace("metrics.py", "questions.jsonl"))
    uncovered = [q for q in questions if q.expect == "not_found"]
    assert uncovered and all(q.documents for q in uncovered)


def test_a_question_kept_from_the_review_queue_records_the_documents_indexed_then():
    from rag.records.database import Turn
    from rag.ui.evalset import make_entry

    turn = Turn(id=7, session_id="s", created_at=0.0, question="Is acupuncture good?", kind="not_found",
                answer="", confidence=0.0, notices=(), detail={})
    entry = make_entry(turn, [], "not_found", [], documents=["b.txt", "a.md"])
    assert entry["documents"] == ["a.md", "b.txt"]
