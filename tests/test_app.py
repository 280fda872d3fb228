"""The real Streamlit script, driven by streamlit.testing.v1.AppTest."""

import pytest
from streamlit.testing.v1 import AppTest

from rag.settings import PROJECT_ROOT, get_settings


@pytest.fixture
def app(corpus_store, monkeypatch):
    monkeypatch.setenv("RAG_STORE_DIR", str(corpus_store))
    get_settings.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    yield at
    get_settings.cache_clear()


def test_a_question_gets_a_cited_answer(app):
    app.chat_input[0].set_value("What does nintedanib do?").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown).replace("\\", "")
    assert "Nintedanib" in text and "[1]" in text
    assert any(e.label.startswith("[1]") for e in app.expander)


def test_an_emergency_is_an_alert(app):
    app.chat_input[0].set_value("I have crushing chest pain").run()
    assert app.error and "emergency" in app.error[0].value.lower()


def test_markup_in_a_question_is_shown_as_text(app):
    app.chat_input[0].set_value("<b>bold</b> [link](http://x.example) what is HSCT?").run()
    user_text = app.chat_message[0].markdown[0].value
    assert "<b>" not in user_text.replace("\\<", "").replace("\\>", "") or "\\<" in user_text
    assert "](http" not in user_text.replace("\\]", "").replace("\\(", "")
