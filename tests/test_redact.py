"""What is blanked out of what patients type before it is stored (rag.redact): e-mails,
long numbers and a stated name, whole, and nothing else."""

from __future__ import annotations

import pytest

from rag.redact import redact


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
