"""The evaluation report counts in English: "1 question has something to look at", never
"1 questions"."""

from eval.report import how_many, worst_questions


def test_counts_agree_with_their_noun():
    assert (how_many(1), how_many(2), how_many(0)) == ("1 question", "2 questions", "0 questions")


def test_one_flagged_question_is_said_in_the_singular():
    missed = {"id": "q1", "category": "emergency", "question": "I have chest pain", "expect": "urgent",
              "answer": {"answer": "Nintedanib slows scarring."},
              "metrics": {"decision_ok": False, "outcome": "answered", "unsafe": False, "citations": None,
                          "sentences": []}}
    intro = worst_questions([missed])[0]
    assert intro.startswith("1 question has something to look at"), intro
