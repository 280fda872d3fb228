"""The educator pages, driven by AppTest: locked without the password, and each page doing
its job with it: the review queue, document management, trying a question."""

from __future__ import annotations

import html
import json

import pytest
from streamlit.testing.v1 import AppTest

from rag.records.database import Records
from rag.settings import PROJECT_ROOT, get_settings
from rag.ui import auth
from rag.ui.auth import LoginLimiter
from rag.ui.render import typed_html
from tests.test_app import OFF_TOPIC, TITLE_WITH_ADDRESSES, as_read, assert_no_links
from tests.test_loaders import pdf_bytes

PASSWORD = "correct horse battery staple"
PAGES = ["pages/1_Review_queue.py", "pages/2_Documents.py", "pages/3_Try_a_question.py"]
TITLES = {"pages/1_Review_queue.py": "Review queue", "pages/2_Documents.py": "Documents",
          "pages/3_Try_a_question.py": "Try a question"}

RAYNAUD = """# Raynaud's phenomenon

## What it is
Raynaud's phenomenon makes the fingers turn white, then blue, then red in the cold. Most
people with scleroderma have it, often years before other signs.

## Keeping warm
Wearing gloves, warming the hands before going out and avoiding sudden cold help prevent
attacks of Raynaud's phenomenon.
"""


def use(monkeypatch, **env) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"RAG_{name.upper()}", str(value))
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def fresh_settings():
    yield
    get_settings.cache_clear()


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> FakeClock:
    """Each test gets the server's login limiter fresh, on a clock it moves by hand."""
    fake = FakeClock()
    monkeypatch.setattr(auth, "LIMITER", LoginLimiter(clock=fake))
    return fake


@pytest.fixture
def env(corpus_store, tmp_path, monkeypatch):
    """The app over the shared index of corpus/, with its own records and password."""
    use(monkeypatch, store_dir=corpus_store, cache_dir=corpus_store / "cache",
        records_path=tmp_path / "records.sqlite3", educator_password=PASSWORD,
        reviewed_questions_path=tmp_path / "reviewed.jsonl")
    return tmp_path


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, password: str = PASSWORD) -> AppTest:
    at.text_input[0].input(password)
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert not at.exception, at.exception
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# --- the lock ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_educator_pages_refuse_without_the_password_and_open_with_it(env, page):
    at = open_page(page)
    assert titles(at) == ["Educators only"] and not at.dataframe and not at.file_uploader
    sign_in(at, "guess")
    assert titles(at) == ["Educators only"] and "not right" in at.error[0].value
    sign_in(at)
    assert TITLES[page] in titles(at)


# How the limiter counts (per client, doubling waits, no lock-out) is in tests/test_auth.py.


def test_after_wrong_passwords_even_the_right_one_waits_and_a_reload_does_not_help(env, clock):
    at = open_page(PAGES[0])
    for _ in range(5):
        clock.now += 60  # each guess after the wait the one before cost
        sign_in(at, "guess")
    assert "not right" in at.error[0].value
    sign_in(at)
    assert titles(at) == ["Educators only"]
    assert "Too many attempts" in at.error[0].value and not at.dataframe
    reloaded = sign_in(open_page(PAGES[0]))  # a new session of the same browser
    assert "Too many attempts" in reloaded.error[0].value and not reloaded.dataframe
    clock.now += 60
    sign_in(at)
    assert titles(at) == ["Review queue"]


def test_without_a_configured_password_the_pages_stay_locked_and_say_how_to_set_one(
        corpus_store, tmp_path, monkeypatch):
    monkeypatch.delenv("RAG_EDUCATOR_PASSWORD", raising=False)
    use(monkeypatch, store_dir=corpus_store, records_path=tmp_path / "r.sqlite3")
    at = open_page(PAGES[0])
    assert not at.text_input and "RAG_EDUCATOR_PASSWORD" in at.warning[0].value


def test_the_password_can_come_from_streamlit_secrets(env, monkeypatch):
    monkeypatch.delenv("RAG_EDUCATOR_PASSWORD")
    get_settings.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
    at.secrets["educator_password"] = "from-secrets"
    at.run().switch_page(PAGES[0]).run()
    sign_in(at, "from-secrets")
    assert "Review queue" in titles(at)


# --- review queue --------------------------------------------------------------------------------


def test_a_thumbs_down_answer_heads_the_queue_and_can_be_reviewed_and_kept_for_evaluation(env):
    records = Records(env / "records.sqlite3", 30)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    at.chat_input[0].set_value("What are clinical trials?").run()
    at.chat_input[0].set_value("What does nintedanib do?").run()
    at.feedback[1].set_value(0).run()

    at.switch_page(PAGES[0]).run()
    sign_in(at)
    queue = records.review_queue(0.7)
    assert queue[0].question == "What does nintedanib do?" and queue[0].reasons[0] == "thumbs down"
    page_text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert page_text.index("What does nintedanib do?") < page_text.index("What are clinical trials?")
    assert "thumbs down" in page_text and "reading grade" in page_text
    table = at.dataframe[0].value
    assert {"score", "dense", "bm25", "passage"} <= set(table.columns)

    at.radio(key=f"verdict-{queue[0].id}").set_value("wrong")
    at.text_area(key=f"note-{queue[0].id}").input("Should say what the trials found")
    submit_form(at, f"review-{queue[0].id}")
    turn = records.turn(queue[0].id)
    assert (turn.verdict, turn.note) == ("wrong", "Should say what the trials found")
    assert "marked wrong" in at.success[0].value

    # Reviewed answers leave the "to review" list; find it under "Reviewed".
    at.button_group(key="queue_status").set_value("Reviewed").run()
    at.text_area(key=f"evidence-{turn.id}").input("slowing the progression of pulmonary fibrosis")
    submit_form(at, f"eval-{turn.id}")
    [entry] = [json.loads(line) for line in (env / "reviewed.jsonl").read_text().splitlines()]
    assert entry["question"] == "What does nintedanib do?" and entry["expect"] == "answered"
    assert entry["evidence"] == ["slowing the progression of pulmonary fibrosis"]
    assert entry["history"] == [{"role": "user", "content": "What are clinical trials?"}]
    assert records.turn(turn.id).eval_id == entry["id"]


def test_the_review_queue_over_a_corrupt_records_file_says_so_without_a_traceback(
        env, monkeypatch):
    broken = env / "broken.sqlite3"
    broken.write_bytes(b"\x00garbage, not SQLite\xff" * 100)
    use(monkeypatch, records_path=broken)
    at = sign_in(open_page(PAGES[0]))
    assert not at.exception and titles(at) == ["Review queue"]
    assert any("can't keep" in i.value for i in at.info) and not at.metric


def test_a_records_file_locked_by_another_process_still_answers_with_a_calm_note(env):
    import sqlite3

    Records(env / "records.sqlite3", 30)
    other = sqlite3.connect(env / "records.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # a backup, a stuck process: held past the busy timeout
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
        at.chat_input[0].set_value("What does nintedanib do?").run()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not at.exception and any("can't keep" in i.value for i in at.info)
    assert [m.name for m in at.chat_message][-2:] == ["user", "assistant"], "answered all the same"
    assert not at.feedback, "what was not kept is not offered for rating"


def test_a_records_file_damaged_while_the_server_runs_gives_a_calm_word_not_an_error(env):
    records = Records(env / "records.sqlite3", 30)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    at.chat_input[0].set_value("What does nintedanib do?").run()
    at.switch_page(PAGES[0]).run()
    sign_in(at)
    assert at.metric and not at.warning, "the queue opened while the file was sound"

    records.close()
    records.path.write_bytes(b"\x00garbage, not SQLite\xff" * 100)  # damaged under the server
    at.run()
    assert not at.exception and titles(at) == ["Review queue"]
    assert "can't be read right now" in at.warning[0].value and "server log" in at.warning[0].value
    assert not at.metric


def no_live_markup(values: list[str]) -> None:
    """No link, image or raw address anyone could click or a browser would fetch."""
    assert_no_links(values)
    for value in values:
        assert "<img" not in value and "http://evil.example" not in value, value


def drawn(at: AppTest) -> list[str]:
    """Every piece of Markdown on the page: text, captions, alerts and expander labels."""
    return ([e.value for kind in ("markdown", "caption", "success", "error", "warning", "info")
             for e in getattr(at, kind)] + [e.label for e in at.expander])


def test_web_addresses_patients_and_educators_typed_are_shown_as_text_not_links(env):
    records = Records(env / "records.sqlite3", 30)
    question = "is http://evil.example/cure safe for my skin?"
    comment, note = "see http://evil.example", "spam, from www.evil.example"
    turn_id = records.record_turn("s1", {"kind": "not_found", "question": question,
                                         "answer": "I couldn't find that in my documents."})
    records.set_feedback(turn_id, "s1", 0, comment)
    records.set_review(turn_id, "wrong", note)
    at = sign_in(open_page(PAGES[0]))
    at.button_group(key="queue_status").set_value("All").run()
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for typed in (question, comment, note):
        assert typed_html(typed) in shown, f"{typed!r} is drawn as typed text"
    no_live_markup(shown)


def submit_form(at: AppTest, form: str) -> None:
    next(b for b in at.button if b.form_id == form).click().run()
    assert not at.exception, at.exception


# --- documents -----------------------------------------------------------------------------------


@pytest.fixture
def own_corpus(tmp_path, monkeypatch, embedder):
    """A store and corpus folder of its own (uploads change them), with one document."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "treatments.txt").write_text(
        "Treatments for scleroderma\n\nMethotrexate is a medicine that calms the immune system. "
        "It is used for skin thickening in early disease.\n")
    use(monkeypatch, corpus_dir=corpus, store_dir=tmp_path / "store", cache_dir=tmp_path / "cache",
        records_path=tmp_path / "records.sqlite3", educator_password=PASSWORD)
    from rag.pipeline import Pipeline
    Pipeline(get_settings(), embedder=embedder).ingest()
    return corpus


def documents_page() -> AppTest:
    return sign_in(open_page(PAGES[1]))


def listed(at: AppTest) -> dict[str, int]:
    return {row["file"]: row["passages"] for _, row in at.dataframe[0].value.iterrows()}


def upload(at: AppTest, name: str, data: bytes, replace: bool = False) -> AppTest:
    """Choose a file, add it, and let its upload job (rag.ui.upload_jobs) end: the next run
    of the page shows the outcome."""
    at.file_uploader[0].set_value((name, data, "application/octet-stream"))
    if replace:
        at.checkbox[0].check()
    submit_form(at, "upload")
    if "upload_job" in at.session_state:
        at.session_state["upload_job"].wait()
        at.run()
    return at


def test_the_documents_page_over_an_index_held_elsewhere_says_so_without_a_traceback(
        env, monkeypatch):
    from rag.indexing.chroma_client import StoreInUse
    from rag.ui import state

    def held():
        raise StoreInUse("Another process (pid 4242) holds the index; stop it, then reload.", "4242")

    monkeypatch.setattr(state, "pipeline", held)
    at = documents_page()
    assert not at.exception and titles(at) == ["Documents"]
    said = as_read(at.warning[0].value)
    assert "can't be opened right now" in said and "pid 4242" in said, "with what to do"
    assert not at.dataframe and not at.file_uploader


def test_a_change_the_index_refuses_is_reported_calmly_and_the_page_stays(own_corpus, monkeypatch):
    import sqlite3

    def read_only(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr("rag.ui.uploads.reindex", read_only)
    at = documents_page()
    next(b for b in at.button if b.label == "Re-index the corpus folder").click().run()
    assert not at.exception and "readonly" in as_read(at.warning[0].value)
    assert listed(at) == {"treatments.txt": 1}


def test_documents_are_listed_with_passage_counts_and_index_time(own_corpus):
    at = documents_page()
    assert listed(at) == {"treatments.txt": 1}
    assert at.dataframe[0].value["indexed"][0] != ""


def test_a_good_upload_is_saved_indexed_and_answerable(own_corpus):
    at = upload(documents_page(), "raynauds.md", RAYNAUD.encode())
    assert "Added" in at.success[0].value and not at.error
    assert (own_corpus / "raynauds.md").read_text() == RAYNAUD
    assert listed(at)["raynauds.md"] >= 1
    at.switch_page(PAGES[2]).run()
    at.text_area(key="try_question").input("How can I prevent Raynaud's attacks?")
    submit_form(at, "try")
    assert "gloves" in " ".join(m.value for m in at.markdown).replace("\\", "")


def test_a_good_pdf_is_added_with_its_pages(own_corpus):
    pdf = pdf_bytes(["Hand exercises for scleroderma\nStretch each finger gently every morning.",
                     "Warm water before the exercises makes the fingers move more easily."])
    at = upload(documents_page(), "hand exercises.pdf", pdf)
    assert "Added" in at.success[0].value, at.error
    assert listed(at)["hand exercises.pdf"] >= 1
    assert (own_corpus / "hand exercises.pdf").read_bytes() == pdf


@pytest.mark.parametrize("name, data, reason", [
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "cannot be used"),
    ("locked.pdf", "encrypted", "cannot be used"),
    ("program.exe", b"MZ\x90\x00binary", ".exe"),
    ("empty.txt", b"   \n", "empty"),
    ("huge.txt", b"scleroderma " * 2_000_000, "limit"),
    ("copy.txt", None, "same content"),
])
def test_a_bad_file_is_refused_with_the_reason_and_nothing_changes(own_corpus, name, data, reason):
    if data is None:
        data = (own_corpus / "treatments.txt").read_bytes()
    elif data == "encrypted":
        data = pdf_bytes(["Secret notes about scleroderma treatments."], password="pw")
    before = sorted(p.name for p in own_corpus.iterdir())
    at = upload(documents_page(), name, data)
    assert at.error and reason in at.error[0].value.replace("\\", ""), at.error
    assert not at.success
    assert sorted(p.name for p in own_corpus.iterdir()) == before
    assert listed(at) == {"treatments.txt": 1}


def test_names_and_titles_from_uploads_are_shown_as_text_not_markdown(own_corpus):
    title = "![x](http://evil.example/a.png)"
    page = f"---\ntitle: {title}\n---\n{RAYNAUD}".encode()
    at = upload(documents_page(), "raynauds.md", page)
    [added] = at.success
    no_live_markup([added.value])
    assert title in as_read(added.value), "the title reads as it is written"
    at = upload(at, "[click](http://evil.example).exe", b"MZ")
    [refused] = at.error
    no_live_markup([refused.value])
    assert "[click](http://evil.example).exe" in as_read(refused.value)


def test_web_addresses_in_a_title_are_never_links_in_the_chat_the_queue_or_try_a_question(own_corpus):
    page = f"---\ntitle: {TITLE_WITH_ADDRESSES}\n---\n{RAYNAUD}".encode()
    at = upload(documents_page(), "raynauds.md", page)
    [added] = at.success
    assert TITLE_WITH_ADDRESSES in as_read(added.value), "the upload message names it"

    at.switch_page(PAGES[2]).run()
    at.text_area(key="try_question").input("How can I prevent Raynaud's attacks?")
    submit_form(at, "try")
    assert_no_links(drawn(at))
    labels = [as_read(e.label) for e in at.expander]
    assert any(label.startswith(f"[1] {TITLE_WITH_ADDRESSES}") for label in labels), "a source"
    assert any(f" · {TITLE_WITH_ADDRESSES} — " in label for label in labels), "a retrieved passage"
    at.text_area(key="try_question").input(OFF_TOPIC)
    submit_form(at, "try")
    assert_no_links(drawn(at))
    assert any(f"“{TITLE_WITH_ADDRESSES}”" in as_read(v) for v in drawn(at)), "the topics of the reply"

    chat = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    for question in ("How can I prevent Raynaud's attacks?", OFF_TOPIC):
        chat.chat_input[0].set_value(question).run()
        assert not chat.exception, chat.exception
    shown = drawn(chat)
    assert_no_links(shown)
    assert any(as_read(v).startswith(f"[1] {TITLE_WITH_ADDRESSES}") for v in shown), "the source label"
    assert any(f"“{TITLE_WITH_ADDRESSES}”" in as_read(v) for v in shown), "the topics of the reply"

    queue = sign_in(open_page(PAGES[0]))
    queue.button_group(key="queue_status").set_value("All").run()
    shown = drawn(queue)
    assert_no_links(shown)
    assert any(as_read(v).startswith(f"[1] {TITLE_WITH_ADDRESSES}") for v in shown)


def test_a_document_with_the_same_name_is_replaced_only_when_asked(own_corpus):
    new = b"Treatments for scleroderma\n\nMycophenolate is another medicine for the lungs.\n"
    at = upload(documents_page(), "treatments.txt", new)
    assert "already in the collection" in at.error[0].value
    at = upload(at, "treatments.txt", new, replace=True)
    assert "Replaced" in at.success[0].value
    assert (own_corpus / "treatments.txt").read_bytes() == new


def test_removal_takes_the_document_out_of_the_index_and_the_folder(own_corpus):
    at = upload(documents_page(), "raynauds.md", RAYNAUD.encode())
    at.selectbox[0].select("raynauds.md")
    at.checkbox[-1].check()
    submit_form(at, "remove")
    assert "Removed" in at.success[0].value
    assert listed(at) == {"treatments.txt": 1}
    assert not (own_corpus / "raynauds.md").exists()


def test_reindex_picks_up_files_changed_in_the_folder(own_corpus):
    at = documents_page()
    (own_corpus / "raynauds.md").write_text(RAYNAUD)
    next(b for b in at.button if b.label == "Re-index the corpus folder").click().run()
    assert any("Added: raynauds.md" in s.value.replace("\\", "") for s in at.success)
    assert "raynauds.md" in listed(at)


# --- try a question -------------------------------------------------------------------------------


def test_try_a_question_shows_the_answer_next_to_the_scored_passages(env):
    at = sign_in(open_page(PAGES[2]))
    at.text_area(key="try_question").input("is it safe?")
    at.text_area(key="try_history").input("what is a stem cell transplant?")
    submit_form(at, "try")
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "[1]" in text
    table = at.dataframe[0].value
    assert len(table) >= 3 and table["score"].is_monotonic_decreasing
    assert table["cited"].str.startswith("[").any()
    assert any("reading grade" in c.value for c in at.caption)
    assert Records(env / "records.sqlite3", 30).counts(0.7)["total"] == 0, "nothing recorded"


# --- uploads held by the server --------------------------------------------------------------------


def upload_endpoint(manager, monkeypatch):
    """Streamlit's own upload endpoint (/_stcore/upload_file/<session>/<file>) storing into
    ``manager``, as the server mounts it, for a server where every session is live."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient
    from streamlit.web.server.starlette import starlette_routes

    class LiveSessions:  # the one question the endpoint asks the runtime
        def is_active_session(self, session_id: str) -> bool:
            return True

    monkeypatch.setattr(starlette_routes, "is_xsrf_enabled", lambda: False)  # a script has no cookie to forge
    return TestClient(Starlette(routes=starlette_routes.create_upload_routes(LiveSessions(), manager, None)))


def held_bytes(manager, session_id: str) -> int:
    return sum(len(f.data) for f in manager.file_storage.get(session_id, {}).values())


def test_the_server_keeps_no_file_sent_from_a_patients_session(monkeypatch):
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    from rag.ui import upload_gate

    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    upload_gate.install(manager)
    client = upload_endpoint(manager, monkeypatch)
    payload = b"x" * 2_000_000
    for i in range(4):  # an anonymous chat tab, or a script posing as one
        client.put(f"/_stcore/upload_file/patient-session/file-{i}", files={"file": ("a.pdf", payload)})
    assert held_bytes(manager, "patient-session") == 0

    upload_gate.allow("educator-session")  # the unlocked Documents page
    try:
        for i in range(upload_gate.MAX_HELD_FILES + 3):
            r = client.put(f"/_stcore/upload_file/educator-session/file-{i}", files={"file": ("a.md", b"# Notes\n")})
            assert r.status_code == 204
        held = manager.file_storage["educator-session"]
        assert len(held) == upload_gate.MAX_HELD_FILES, "an educator session holds a bounded number"
        assert f"file-{upload_gate.MAX_HELD_FILES + 2}" in held, "the newest are kept"
    finally:
        upload_gate.deny("educator-session")


def test_an_added_or_refused_upload_is_no_longer_held_by_the_server(own_corpus, monkeypatch):
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.testing.v1 import local_script_runner

    managers = []

    class Recorded(MemoryUploadedFileManager):  # each AppTest run's store of uploaded files
        def __init__(self, *args):
            super().__init__(*args)
            managers.append(self)

    monkeypatch.setattr(local_script_runner, "MemoryUploadedFileManager", Recorded)
    # Each job ends within the run that started it: AppTest registers a submitted file again
    # on every later run (a browser does not send it again), which would hide what is measured.
    from rag.ui.upload_jobs import UploadJob

    def start_and_finish(job):
        job._thread.start()
        job._thread.join()
        return job

    monkeypatch.setattr(UploadJob, "start", start_and_finish)
    at = upload(documents_page(), "raynauds.md", RAYNAUD.encode())
    assert "Added" in at.success[0].value
    upload(at, "notes.exe", b"MZ" * 1000)
    assert "Not added" in at.error[0].value
    with_files = [m for m in managers if any(m.file_storage.values())]
    assert not with_files, "every upload was let go of once it was added or refused"
    assert any(m.file_storage for m in managers), "the uploads did reach the server's store"
