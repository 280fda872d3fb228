"""eval.long_messages: the patient-style messages built around a held-out question."""

import random

from eval.long_messages import casual, message, typo
from rag.text.message import question_part


def test_a_typo_changes_one_letter_slip_and_keeps_the_words_ends():
    rng = random.Random(0)
    for word in ("treatment", "symptoms", "diagnosed"):
        slipped = typo(word, rng)
        assert slipped != word or len(set(word)) < len(word)
        assert abs(len(slipped) - len(word)) <= 1 and slipped[0] == word[0] and slipped[-1] == word[-1]


def test_a_message_tells_a_story_around_the_questions_and_still_asks_them():
    rng = random.Random(3)
    text = message("Gout", ["What are the symptoms of gout?", "How is gout treated?"], rng)
    assert len(text.split()) > 15
    assert "Also, " in text, "a second question is asked as patients add one"
    asked = question_part(text)
    assert asked is not None and len(asked) < len(text), "the asking sentences stand apart from the story"


def test_casual_questions_stay_recognisable_to_a_reader():
    rng = random.Random(5)
    for _ in range(20):
        q = casual("What are the treatments for kidney stones?", rng)
        assert q.lower().startswith("what are the") and len(q.split()) == 7
