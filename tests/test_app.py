"""The patient chat: the real Streamlit script (app.py) driven by AppTest, over a real index
of corpus/ and a real records database in a temporary folder."""

from __future__ import annotations

import html
import re

import pytest
from streamlit.testing.v1 import AppTest

from rag.records.database import Records
from rag.settings import PROJECT_ROOT, get_settings
from rag.ui.render import (WORD_JOINER, answer_pieces, paced, passage_html, typed_html,
                           urgent_markdown)

OFF_TOPIC = "who won the world cup in 2018"
TITLE_WITH_ADDRESSES = "Visit www.evil.example or https://evil.example/x"

# GitHub-flavoured Markdown's own links ("autolink literals"), as remark-gfm finds them in
# Streamlit: in the text once backslash escapes are undone (mdast-util-gfm-autolink-literal),
# not inside an HTML block (up to a blank line), which it leaves as it is.
_GFM_AUTOLINK = re.compile(r"(?i)(?:https?://|www(?=\.))[-.\w]+|[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_HTML_BLOCK = re.compile(r"\s*</?(?:div|p)[\s/>]")


def autolinks(markdown: str) -> list[str]:
    """The web and e-mail addresses Streamlit's Markdown would make live links of."""
    return [address for block in re.split(r"\n\s*\n", markdown) if not _HTML_BLOCK.match(block)
            for address in _GFM_AUTOLINK.findall(_ESCAPE.sub(r"\1", block))]


def as_read(markdown: str) -> str:
    """What a reader sees of escaped Markdown: the escapes undone, the word joiners invisible."""
    return _ESCAPE.sub(r"\1", markdown).replace(WORD_JOINER, "")


def assert_no_links(values: list[str]) -> None:
    """No link of any kind: no HTML anchor, no Markdown link, no address made a link."""
    for value in values:
        assert "<a" not in value and "](" not in value and not autolinks(value), value


@pytest.fixture
def records_path(tmp_path):
    return tmp_path / "records.sqlite3"


@pytest.fixture
def app_env(corpus_store, records_path, monkeypatch):
    monkeypatch.setenv("RAG_STORE_DIR", str(corpus_store))
    monkeypatch.setenv("RAG_CACHE_DIR", str(corpus_store / "cache"))
    monkeypatch.setenv("RAG_RECORDS_PATH", str(records_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def new_session() -> AppTest:
    return AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()


@pytest.fixture
def app(app_env) -> AppTest:
    at = new_session()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def last_answer(at: AppTest):
    message = [m for m in at.chat_message if m.name == "assistant"][-1]
    return message, " ".join(md.value for md in message.markdown).replace("\\", "")


def starters(at: AppTest) -> list:
    return [b for b in at.button if b.key and b.key.startswith(("starter-", "instead-"))]


def test_the_empty_chat_offers_questions_the_documents_answer(app):
    offered = starters(app)
    assert len(offered) >= 2
    offered[0].click().run()
    message, text = last_answer(app)
    assert "[1]" in text and message.expander, "a starter question gets a cited answer"
    assert not starters(app), "starters give way to the conversation"


def test_a_question_gets_a_cited_answer_with_the_passage_highlighted(app):
    ask(app, "What does nintedanib do?")
    message, text = last_answer(app)
    assert "Nintedanib" in text and "[1]" in text
    sources = [e for e in message.expander if e.label.replace("\\", "").startswith("[1]")]
    assert sources, "each [n] has a source labelled [n] with its title and location"
    passage = sources[0].markdown[0].value
    assert passage.startswith('<div class="passage">') and "<mark>" in passage
    assert message.caption and "not medical advice" in " ".join(c.value for c in message.caption)


def test_a_follow_up_question_uses_the_conversation(app):
    ask(app, "what is a stem cell transplant?")
    ask(app, "is it safe?")
    _, text = last_answer(app)
    assert "[1]" in text
    assert any(w in text for w in ("risks", "infections", "side effects"))


def test_not_found_says_so_and_offers_the_starter_questions(app):
    offered = [b.label for b in starters(app)]
    ask(app, OFF_TOPIC)
    message, text = last_answer(app)
    assert "couldn't find" in text and not message.expander
    assert [b.label for b in starters(app)] == offered


def test_an_emergency_is_an_unmistakable_alert_with_what_to_do(app, records_path):
    ask(app, "I have crushing chest pain right now")
    message, _ = last_answer(app)
    assert message.error, "shown as an error alert"
    alert = message.error[0].value.replace("\\", "")
    assert "emergency" in alert.lower() and "call" in alert.lower()
    assert not message.expander, "nothing was looked up"
    [turn] = Records(records_path, 30).review_queue(0.7)
    assert turn.kind == "urgent" and turn.reasons[0] == "urgent"


def test_thumbs_down_with_a_comment_is_stored(app, records_path):
    ask(app, "What does nintedanib do?")
    assert len(app.feedback) == 1, "every answer has thumbs up/down"
    app.feedback[0].set_value(0).run()
    records = Records(records_path, 30)
    [turn] = records.review_queue(0.7)
    assert turn.rating == 0 and turn.comment == ""
    app.text_input[0].input("It did not say whether it is safe")
    next(b for b in app.button if b.label == "Send comment").click().run()
    assert not app.exception
    assert records.turn(turn.id).comment == "It did not say whether it is safe"
    assert "Thank you" in " ".join(c.value for c in app.caption)


def test_new_conversation_empties_the_chat_and_gets_a_new_id(app, records_path):
    ask(app, "What does nintedanib do?")
    first_id = app.session_state["conversation_id"]
    next(b for b in app.button if b.label == "New conversation").click().run()
    assert not app.chat_message and starters(app)
    ask(app, "What is HSCT?")
    ids = {t.session_id for t in Records(records_path, 30).review_queue(0.7)}
    assert ids == {first_id, app.session_state["conversation_id"]} and len(ids) == 2


@pytest.mark.parametrize("question", [
    "<script>alert('x')</script> what is HSCT?",
    "[click me](http://evil.example) **bold** `code` $x^2$ :red[red] what is HSCT?",
    "what is HSCT? " + "<b>very long</b> " * 200,  # 3,414 characters: under what the chat box takes
])
def test_markup_in_a_question_is_shown_as_text(app, question):
    ask(app, question)
    user = [m for m in app.chat_message if m.name == "user"][-1]
    shown = user.markdown[0].value
    assert shown == typed_html(question)
    inside = shown.removeprefix('<div class="typed">').removesuffix("</div>")
    assert not set("<>[]()*`$:\"'") & set(inside), "every markup character is an entity"
    assert html.unescape(inside) == question.strip(), "and reads as typed"


def test_an_over_long_message_is_stopped_at_the_chat_box(app):
    limit = get_settings().max_question_chars
    assert app.chat_input[0].proto.max_chars == limit  # the browser stops typing and pasting there
    ask(app, "is it safe? " * 500)  # 6,000 characters sent anyway: the server keeps the first `limit`
    assert app.session_state.turns[-2]["content"] == ("is it safe? " * 500)[:limit]
    assert app.session_state.turns[-1]["answer"]["kind"] != "invalid"


def test_a_message_with_no_question_in_it_gets_a_clear_message(app):
    ask(app, "<script>alert(1)</script>")
    message, _ = last_answer(app)
    assert message.warning and "Please type a question" in message.warning[0].value


def test_a_patient_never_sees_another_patients_questions(app_env):
    first, second = new_session(), new_session()
    ask(first, "My name is Jane Doe. What does nintedanib do?")
    page = " ".join(str(e.value) for e in second.markdown) + " ".join(
        b.label for b in second.button)
    assert "nintedanib" not in page.lower() and not second.chat_message


def test_the_privacy_note_says_what_is_kept_where_and_how_long(app):
    note = next(e for e in app.expander if "keeps" in e.label).markdown[0].value
    assert f"{get_settings().retention_days} days" in note
    assert "IP address" in note and "server" in note


# --- how answers and passages are drawn (rag.ui.render, pure functions) -----------------------


def test_a_passage_highlights_the_used_sentences_and_escapes_everything_else():
    text = "Intro <b>bold</b>. Used [link](http://x) sentence. Also *this* one. End."
    used = [(18, 50), (45, 66), (500, 600)]  # overlapping and out-of-range spans are tidied
    out = passage_html(text, used)
    assert out.count("<mark>") == 1 and "<b>" not in out and "[link]" not in out
    inner = out.removeprefix('<div class="passage">').removesuffix("</div>")
    marked = inner.split("<mark>")[1].split("</mark>")[0]
    assert html.unescape(marked) == text[18:66]
    assert html.unescape(inner.replace("<mark>", "").replace("</mark>", "")) == text


def test_an_answer_is_streamed_one_cited_sentence_at_a_time():
    answer = {"sentences": [{"text": "One.", "citation": 1}, {"text": "Two.", "citation": 2}],
              "answer": "One. [1] Two. [2]"}
    assert list(answer_pieces(answer)) == ["One. [1] ", "Two. [2] "]
    assert "".join(answer_pieces({"answer": "First. Second one."})).split() == ["First.", "Second", "one."]


class _Clock:
    """A clock that moves only when slept on, or when told to."""
    def __init__(self):
        self.now, self.slept = 100.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_a_ready_answer_is_paced_a_sentence_at_a_time():
    clock = _Clock()
    shown = list(paced(["One. ", "Two. ", "Three. "], seconds=0.12, clock=clock, sleep=clock.sleep))
    assert shown == ["One. ", "Two. ", "Three. "] and clock.slept == [0.12, 0.12]


def test_the_pauses_come_out_of_the_wait_already_spent_finding_the_answer_down_to_a_beat():
    clock = _Clock()
    asked_at = clock.now
    clock.now += 0.05  # found in 50 ms: the rest of the first pause is still kept
    assert list(paced(["a", "b", "c"], seconds=0.12, since=asked_at, clock=clock, sleep=clock.sleep))
    assert clock.slept == [0.07, 0.12]
    clock = _Clock()
    asked_at = clock.now
    clock.now += 0.6  # a busy server took longer than all the pauses: only a short beat is left
    assert list(paced(["a", "b", "c"], seconds=0.12, since=asked_at, clock=clock, sleep=clock.sleep))
    assert clock.slept == [0.04, 0.04]


def test_an_urgent_alert_leads_with_its_first_sentence_in_bold():
    out = urgent_markdown("This may be an emergency. Call 911 now.")
    assert out.startswith("**This may be an emergency\\.**") and "911" in out


def test_a_list_answer_is_shown_as_bullets_and_its_words_stay_text():
    from rag.ui.render import answer_pieces, as_text, piece_markdown

    answer = {"kind": "answered", "answer": "", "sentences": [
        {"text": "Complications include:", "citation": 1},
        {"text": "High *blood* pressure.", "citation": 1, "list_item": True},
        {"text": "Kidney failure.", "citation": 1, "list_item": True}]}
    shown = "".join(piece_markdown(p) for p in answer_pieces(answer))
    lines = [line for line in shown.split("\n") if line.strip()]
    assert lines[0].startswith("Complications include")
    assert lines[1].startswith("- High \\*blood\\* pressure") and lines[2].startswith("- Kidney failure")
    # a patient's "- " is only a bullet at the start of a line; everything else is escaped
    assert as_text("a - b") == "a \\- b"


def test_web_addresses_in_titles_and_answers_read_as_written_but_are_never_links():
    from rag.schema import Chunk, Citation
    from rag.ui.render import as_text, piece_markdown, source_label

    assert autolinks(TITLE_WITH_ADDRESSES) == ["www.evil.example", "https://evil.example"], \
        "escaped or not, Streamlit would link these"
    assert autolinks(re.sub(r"([.:/])", r"\\\1", TITLE_WITH_ADDRESSES)), "escaping alone does not stop it"
    chunk = Chunk(chunk_id="c1", doc_id="evil.md", title=TITLE_WITH_ADDRESSES, location="Page 2",
                  text="Gloves help.", start=0, end=12, source_start=0, source_end=12, ordinal=0)
    label = as_text(source_label(Citation(n=1, chunk=chunk, score=0.9)))
    topics = f"I couldn't find that. I can answer questions on the topics in “{TITLE_WITH_ADDRESSES}”."
    email = "Write to bob@evil.example or mailto:bob@evil.example."
    shown = [label, as_text(topics), piece_markdown(topics + " "), as_text(email),
             urgent_markdown(f"Call 911 now. Then see {TITLE_WITH_ADDRESSES}.")]
    assert_no_links(shown[:-1])
    assert autolinks(shown[-1]) == [] and "](tel:911)" in shown[-1], "only the phone number is a link"
    assert as_read(label) == f"[1] {TITLE_WITH_ADDRESSES} — Page 2"
    assert as_read(shown[1]) == topics and as_read(shown[3]) == email
    typed = typed_html(TITLE_WITH_ADDRESSES)  # an HTML block: Markdown leaves its text alone
    assert_no_links([typed])
    assert TITLE_WITH_ADDRESSES in html.unescape(typed)
    assert autolinks(f"{typed}\n\n{TITLE_WITH_ADDRESSES}"), "but not what follows a blank line"


# --- when the records file fails -------------------------------------------------------------


def test_a_corrupt_records_file_still_answers_calmly_and_tells_the_operator(
        corpus_store, tmp_path, monkeypatch, caplog):
    broken = tmp_path / "records.sqlite3"
    broken.write_bytes(b"this is not a database \x00\xff" * 200)
    monkeypatch.setenv("RAG_STORE_DIR", str(corpus_store))
    monkeypatch.setenv("RAG_CACHE_DIR", str(corpus_store / "cache"))
    monkeypatch.setenv("RAG_RECORDS_PATH", str(broken))
    get_settings.cache_clear()
    try:
        at = new_session()
        with caplog.at_level("ERROR", logger="rag.ui.records"):
            ask(at, "What does nintedanib do?")
    finally:
        get_settings.cache_clear()
    message, text = last_answer(at)
    assert "Nintedanib" in text and "[1]" in text, "the answer does not need the records"
    assert not at.exception
    assert any("can't keep" in i.value for i in at.info), "a calm word instead of a traceback"
    assert not at.feedback, "no rating that could not be saved"
    assert any(r.levelname == "ERROR" and r.exc_info and str(broken) in r.getMessage()
               for r in caplog.records), "the operator finds the error in the log"


def test_records_locked_past_the_busy_timeout_give_nothing_back_and_say_so(
        records_path, monkeypatch, caplog):
    import sqlite3

    import rag.records.connection
    from rag.ui import state

    monkeypatch.setenv("RAG_RECORDS_PATH", str(records_path))
    get_settings.cache_clear()
    Records(records_path, 30).close()
    monkeypatch.setattr(rag.records.connection, "BUSY_TIMEOUT_MS", 50)  # not ten seconds in a test
    holder = sqlite3.connect(records_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        guarded = state.records()
        with caplog.at_level("ERROR", logger="rag.ui.records"):
            turn_id = guarded.record_turn("s1", {"kind": "not_found", "question": "q",
                                                 "answer": "a"})
        assert turn_id is None and guarded.failed
        assert any("locked" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
        holder.execute("ROLLBACK")
        fresh = state.records()
        assert fresh.record_turn("s1", {"kind": "not_found", "question": "q", "answer": "a"})
        assert not fresh.failed, "once the lock is gone the records work again"
    finally:
        holder.close()
        get_settings.cache_clear()


# --- when the index can't be opened ----------------------------------------------------------


def test_an_index_held_by_another_process_gets_a_calm_word_not_a_traceback(
        tmp_path, records_path, monkeypatch, caplog):
    import subprocess
    import sys

    from tests.test_store_lock import ENV, HOLDER

    store = tmp_path / "store"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                              cwd=PROJECT_ROOT)
    monkeypatch.setenv("RAG_STORE_DIR", str(store))
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("RAG_RECORDS_PATH", str(records_path))
    get_settings.cache_clear()
    try:
        assert holder.stdout.readline().strip() == "holding"
        with caplog.at_level("ERROR", logger="rag.ui.store"):
            at = new_session()
        assert not at.exception, "no traceback for the patient"
        assert any("can't be opened right now" in w.value for w in at.warning)
        assert "emergency" in " ".join(w.value for w in at.warning)
        assert any(r.exc_info and "in use by another process" in str(r.exc_info[1]) for r in caplog.records), \
            "the operator finds the reason, and the way out, in the log"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        get_settings.cache_clear()
