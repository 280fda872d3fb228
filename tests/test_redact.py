"""What is blanked out of what patients type before it is stored (rag.redact): e-mails,
dates, street addresses, long numbers and a stated name, whole, and nothing else."""

from __future__ import annotations

import pytest

from rag.redact import redact, stated_names


def test_small_numbers_and_years_are_kept():
    assert redact("I have 2 ulcers since 2019") == "I have 2 ulcers since 2019"


def test_emails_and_phone_numbers_are_blanked():
    assert redact("write to jane.doe@example.org or +1 (555) 123-4567") == "write to [e-mail] or [number]"


@pytest.mark.parametrize("question, stored", [
    ("my name is jane doe", "my name is [name]"),
    ("my name is jane doe and i have ulcers", "my name is [name] and i have ulcers"),
    ("My name is Jane Doe, is it safe?", "My name is [name], is it safe?"),
    ("my name is Jane and I take nintedanib", "my name is [name] and I take nintedanib"),
    ("call me on 555-123-4567", "call me on [number]"),
    ("call me Jane", "call me [name]"),
    ("can the nurse call me back tomorrow?", "can the nurse call me back tomorrow?"),
    ("what is scleroderma?", "what is scleroderma?"),
])
def test_a_stated_name_is_blanked_whole_and_nothing_else(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question, stored", [
    ("I'm Jane Doe", "I'm [name]"),
    ("Hi, I’m Jane. Is nintedanib safe?", "Hi, I’m [name]. Is nintedanib safe?"),
    ("I am Jane Doe, 54, and I have ulcers", "I am [name], 54, and I have ulcers"),
    ("I am sorry, my name is Jane", "I am sorry, my name is [name]"),
    ("I am sorry my name is Jane", "I am sorry my name is [name]"),
    ("Name: John Smith", "Name: [name]"),
    ("name: john smith, is it safe?", "name: [name], is it safe?"),
])
def test_a_name_after_i_am_or_name_is_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "I'm diagnosed with scleroderma",
    "I am Diagnosed With Scleroderma",
    "I am worried about my lungs",
    "I'm on methotrexate",
    "I'm SO tired",
    "I am 54",  # an age, kept like any small number
    "I'm 54 and I have 2 ulcers",
    "Brand name: CellCept",  # a medicine's name, not a person's
])
def test_how_someone_is_their_age_and_medicines_are_kept(question):
    assert redact(question) == question


@pytest.mark.parametrize("written", [
    "12/03/1961", "12/3/61", "12-03-1961", "1961-03-12", "3 March 1961", "3rd of March 1961",
    "March 3, 1961", "Mar. 3rd '61",
])
def test_a_date_of_birth_is_blanked_however_it_is_written(written):
    assert redact(f"I was born {written}, is it safe?") == "I was born [date], is it safe?"


@pytest.mark.parametrize("question", [
    "my BP is 190/110", "since March 2019", "on 12/3 I started", "I take 2.5 mg",
])
def test_readings_doses_and_dates_without_a_day_month_and_year_are_kept(question):
    assert redact(question) == question


@pytest.mark.parametrize("question, stored", [
    ("I live at 12 Oak Street", "I live at [address]"),
    ("send it to 221B Baker St please", "send it to [address] please"),
    ("45 Elm Road, Springfield is where I live", "[address] is where I live"),
    ("12 oak street, is it near a clinic?", "[address], is it near a clinic?"),
])
def test_a_street_address_is_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "I can walk 2 miles down the road", "2 weeks ago Dr Patel said 15 mg", "I took 15 mg Dr Jones gave me",
])
def test_distances_and_doses_before_a_street_word_are_no_address(question):
    assert redact(question) == question


def test_a_stated_name_is_blanked_where_an_answer_repeats_it_without_the_words_before_it():
    question = "I'm Jane Doe born 12/03/1961, what helps Jane's fingers?"
    names = stated_names(question)
    assert names == ("Jane Doe",)
    assert redact(question, names) == "I'm [name] born [date], what helps [name]'s fingers?"
    assert redact("My documents don't cover “Jane Doe born 12/03/1961”, so…", names) == \
        "My documents don't cover “[name] born [date]”, so…"
    assert redact("Doe, J. and Janet", names) == "[name], J. and Janet"


def test_a_huge_message_is_redacted_whole():
    # An urgent message is kept however long it is; each pattern is tried once per run of
    # characters, not from every letter of a 100,000-letter word.
    word = "a" * 100_000
    assert redact(f"{word} jane@example.org I'm Jane") == f"{word} [e-mail] I'm [name]"
