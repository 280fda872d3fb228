"""An upload indexed off the page's script thread: progress, a Cancel button, the outcome.

The Documents page hands the files an educator chose to an ``UploadJob`` and returns at once;
the job checks, saves and indexes them one by one in a background thread with the same code
as before (``rag.ui.uploads.add_upload``), so a long file never holds the page or the
server's script thread, and the page polls the job to draw its progress. A refused file is
told as soon as its check ends.

Cancel: files not yet started are not added; a file still being checked is dropped before
anything is written; a file whose passages are being written finishes (the index is never
left half-written) and is reported as added, so the educator knows to remove it if unwanted.

No Streamlit here: the job holds plain data the page reads. Left out: jobs that outlive the
server process (a restart drops a running upload; the file is then either fully indexed or
not saved), and more than one job per browser session.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from rag.pipeline import Pipeline
from rag.ui import uploads

log = logging.getLogger("rag.ui.upload_jobs")

Message = tuple[str, str]  # (level: "success" | "error" | "warning" | "info", text)


class UploadJob:
    """Check, save and index uploaded files in a background thread; ``start`` returns at once."""

    def __init__(self, pipeline: Pipeline, files: list[tuple[str, bytes]], max_bytes: int,
                 replace: bool = False, when_added: Callable[[Pipeline], object] | None = None):
        self.pipeline, self.files, self.max_bytes, self.replace = pipeline, files, max_bytes, replace
        self.when_added = when_added  # run once after any file was added (the chat's starter questions)
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._status = "Waiting to start…"
        self._fraction = 0.0
        self._thread = threading.Thread(target=self._run, name="upload-job", daemon=True)

    # --- read by the page ------------------------------------------------------------------

    def start(self) -> "UploadJob":
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self._thread.ident is not None and not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (tests and the command line; the page polls instead)."""
        self._thread.join(timeout)
        return self.done

    def progress(self) -> tuple[float, str]:
        with self._lock:
            return self._fraction, self._status

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    # --- the background thread ---------------------------------------------------------------

    def _say(self, level: str, text: str) -> None:
        with self._lock:
            self._messages.append((level, text))

    def _step(self, fraction: float, status: str) -> None:
        with self._lock:
            self._fraction, self._status = min(max(fraction, 0.0), 1.0), status

    def _run(self) -> None:
        added_any, n = False, len(self.files)
        for i, (name, data) in enumerate(self.files):
            if self._cancel.is_set():
                self._say("info", f"Cancelled: “{name}” was not added.")
                continue
            self._step(i / n, f"Checking and indexing {name} ({i + 1} of {n})…")

            def moved(done: int, total: int, doc: str, i=i, name=name) -> None:
                self._step((i + done / max(total, 1)) / n, f"Indexing {name} ({i + 1} of {n})…")

            try:
                added = uploads.add_upload(self.pipeline, name, data, self.max_bytes, self.replace,
                                           moved, should_stop=self._cancel.is_set)
            except uploads.UploadCancelled:
                self._say("info", f"Cancelled: “{name}” was not added.")
            except uploads.UploadRefused as refused:
                self._say("error", f"Not added. {refused}")
            except uploads.INDEX_FAILURES as e:
                self._say("warning", uploads.not_changed(f"Adding {name}", e))
            except Exception:  # never a traceback to the educator; the details go to the log
                log.exception("adding %s failed", name)
                self._say("error", f"Adding “{name}” failed unexpectedly, so it was not added. "
                                   "The server log has the details.")
            else:
                added_any = True
                verb = "Replaced" if added.replaced else "Added"
                self._say("success", f"{verb} “{added.title}” ({added.doc_id}): {added.passages} passages.")
                for line in uploads.flag_lines(added.flagged):
                    self._say("warning", line)
        if added_any:
            self._step(1.0, "Updating the questions the chat suggests…")
            try:
                (self.when_added or uploads.refresh_starters)(self.pipeline)
            except Exception:  # the documents are in; the starter questions come back on the next change
                log.exception("the starter questions could not be updated")
        self._step(1.0, "Done.")
