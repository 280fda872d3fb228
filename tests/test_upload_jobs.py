"""rag.ui.upload_jobs: an upload is checked and indexed off the page's script thread; the
Documents page shows its progress with a Cancel button, and cancelling before a file is
written changes nothing."""

from __future__ import annotations

import threading

import pytest

from rag.pipeline import Pipeline
from rag.settings import get_settings
from rag.ui import uploads
from rag.ui.upload_jobs import UploadJob
from tests.test_app import as_read
from tests.test_pages import (RAYNAUD, clock, documents_page, fresh_settings, listed, own_corpus,  # noqa: F401
                              submit_form)

MAX_BYTES = 5_000_000


@pytest.fixture
def pipeline(own_corpus, embedder):  # noqa: F811
    return Pipeline(get_settings(), embedder=embedder)


@pytest.fixture
def held_check(monkeypatch):
    """The check of every file waits until the test lets it go (``checking`` is set while it waits)."""
    checking, go = threading.Event(), threading.Event()
    real = uploads.check_upload

    def slow(*args, **kwargs):
        checking.set()
        go.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "check_upload", slow)
    yield checking, go
    go.set()


def test_files_are_added_and_refused_one_by_one_and_each_outcome_is_told(pipeline, own_corpus):  # noqa: F811
    job = UploadJob(pipeline, [("notes.exe", b"MZ" * 100), ("raynauds.md", RAYNAUD.encode())], MAX_BYTES,
                    when_added=lambda p: None).start()
    assert job.wait(120)
    levels = [level for level, _ in job.messages()]
    assert levels == ["error", "success"], job.messages()
    assert "notes.exe" in job.messages()[0][1] and "raynauds.md" in job.messages()[1][1]
    assert (own_corpus / "raynauds.md").is_file() and not (own_corpus / "notes.exe").exists()
    assert job.progress()[0] == 1.0


def test_a_file_still_being_checked_when_cancelled_is_never_written(pipeline, own_corpus, held_check):  # noqa: F811
    checking, go = held_check
    job = UploadJob(pipeline, [("raynauds.md", RAYNAUD.encode()), ("more.md", b"# More\n\nText.\n")],
                    MAX_BYTES, when_added=lambda p: None).start()
    assert checking.wait(60)
    job.cancel()
    go.set()
    assert job.wait(120)
    assert [level for level, _ in job.messages()] == ["info", "info"], job.messages()
    assert all(text.startswith("Cancelled") for _, text in job.messages())
    assert sorted(p.name for p in own_corpus.iterdir()) == ["treatments.txt"]
    assert [d.doc_id for d in pipeline.documents()] == ["treatments.txt"]


def test_the_page_shows_a_running_upload_with_a_cancel_button_and_then_its_outcome(own_corpus, held_check):  # noqa: F811
    checking, go = held_check
    at = documents_page()
    at.file_uploader[0].set_value(("raynauds.md", RAYNAUD.encode(), "text/markdown"))
    submit_form(at, "upload")  # returns while the file is still being checked
    assert checking.wait(60)
    cancel = next(b for b in at.button if b.label == "Cancel the upload")
    assert at.get("progress"), "its progress is drawn"
    cancel.click().run()
    assert next(b for b in at.button if b.label == "Cancel the upload").disabled, "cancelling"
    go.set()
    at.session_state["upload_job"].wait(120)
    at.run()
    assert not at.exception
    assert [as_read(m.value) for m in at.info] == ["Cancelled: “raynauds.md” was not added."]
    assert listed(at) == {"treatments.txt": 1}
    assert not any(b.label == "Cancel the upload" for b in at.button)
