"""Approved answers in the browser app, driven by AppTest: an educator signs in with their
name, fixes an answer on "Try a question" and approves it; a patient asking the same thing
in other words then gets it, marked as reviewed; the Approved answers page lists it with how
often it was served and its thumbs, and can remove it."""

from __future__ import annotations

from rag.records.database import Records
from tests.test_app import ask, last_answer, new_session
from tests.test_pages import PASSWORD, env, fresh_settings, clock, open_page, submit_form, titles  # noqa: F401

APPROVED_PAGE = "pages/5_Approved_answers.py"
FIXED = "Nintedanib slows down scarring of the lungs."


def sign_in_as(at, name: str):
    at.text_input[0].input(PASSWORD)
    at.text_input[1].input(name)
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert not at.exception, at.exception
    return at


def approve_on_try_a_question(question: str, text: str, name: str = "Dana"):
    at = sign_in_as(open_page("pages/3_Try_a_question.py"), name)
    at.text_area(key="try_question").input(question)
    submit_form(at, "try")
    assert at.text_input(key="approve-name-try").value == name, "the name given at sign-in"
    at.text_area(key="approve-text-try").input(text)
    submit_form(at, "approve-try")
    return at


def test_an_educator_fixes_an_answer_and_a_patient_then_receives_it(env):
    at = approve_on_try_a_question("What is nintedanib used for?", FIXED + " [1]")
    assert "Approved" in at.success[0].value and not at.error

    patient = new_session()
    ask(patient, "what is nintedanib used for")
    message, text = last_answer(patient)
    assert FIXED in text and "[1]" in text
    assert any("Reviewed by an educator on" in c.value for c in message.caption)

    [kept] = Records(env / "records.sqlite3", 30).approved_answers()
    assert (kept.latest.educator, kept.served) == ("Dana", 1)


def test_a_sentence_without_a_passage_number_is_refused_and_nothing_is_approved(env):
    at = approve_on_try_a_question("What is nintedanib used for?", "Nintedanib is great.")
    assert "end each sentence with the [number]" in at.error[0].value
    assert Records(env / "records.sqlite3", 30).approved_answers() == []


def test_the_approved_answers_page_lists_served_and_thumbs_and_removes(env):
    approve_on_try_a_question("What is nintedanib used for?", FIXED + " [1]")
    patient = new_session()
    ask(patient, "what is nintedanib used for")
    patient.feedback[0].set_value(1).run()

    at = sign_in_as(open_page(APPROVED_PAGE), "Sam")
    assert "Approved answers" in titles(at)
    row = at.dataframe[0].value.iloc[0]
    assert (row["question"], row["times served"], row["thumbs up"], row["approved by"]) == \
        ("What is nintedanib used for?", 1, 1, "Dana")
    next(b for b in at.button if b.label == "Remove this approved answer").click().run()
    assert not at.exception and Records(env / "records.sqlite3", 30).approved_answers() == []


def test_from_the_review_queue_an_educator_approves_a_better_answer(env):
    patient = new_session()
    ask(patient, "What is nintedanib used for?")
    at = sign_in_as(open_page("pages/1_Review_queue.py"), "Sam")
    [turn] = Records(env / "records.sqlite3", 30).review_queue(0.7, status="all")
    key = f"turn-{turn.id}"
    assert at.text_area(key=f"approve-text-{key}").value.endswith("]"), "the answer's sentences to edit"
    at.text_area(key=f"approve-text-{key}").input(FIXED + " [1]")
    submit_form(at, f"approve-{key}")
    assert "Approved" in at.success[0].value
    [kept] = Records(env / "records.sqlite3", 30).approved_answers()
    assert (kept.question, kept.latest.educator, kept.latest.sentences[0].text) == \
        ("What is nintedanib used for?", "Sam", FIXED)
