"""What the app builds once per server process, and what it keeps per browser session.

Per process (``st.cache_resource``, shared by every session): the pipeline over the index,
the records database and the starter questions of the current index (read from where
indexing kept them, ``rag.indexing.suggestions.stored_starters``; worked out here only when none are
kept, which the log says). Each is keyed by the settings it depends on, so tests that point
the app at another store get another pipeline, while the model is still loaded only once
(``rag.embeddings.shared_embedder`` holds it).

The records are reached only through ``records()``, which guards them: when the SQLite file
is locked for longer than its busy timeout, corrupt or cannot be opened, the error is logged
for the operator (``logging``, logger ``rag.ui.records``), the page shows a calm message
instead of a traceback, and the call gives back ``None``. Answering never needs the records,
so patients keep getting answers; what was not kept is simply not offered (no rating).

Per browser session (``st.session_state``): the conversation and its random id. Nothing
here identifies a person; a new conversation gets a new id.

Left out: anything per user across sessions (there are no accounts).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from typing import Any

import streamlit as st

from rag.indexing.chroma_client import StoreError
from rag.embeddings import EmbedderUnavailable, shared_embedder
from rag.pipeline import Pipeline
from rag.records.database import Records
from rag.settings import Settings, get_settings
from rag.indexing.suggestions import STARTERS, store_starters, stored_starters


@st.cache_resource(show_spinner="Getting ready…")
def _pipeline(settings_key: str, _settings: Settings) -> Pipeline:
    # The model is loaded here, under the spinner, rather than on the first question.
    return Pipeline(_settings, embedder=shared_embedder(_settings))


# Settings only the app's pages read: changing them needs no new pipeline.
_APP_ONLY = {"records_path", "retention_days", "educator_password", "upload_max_mb",
             "reviewed_questions_path"}


def _pipeline_key(settings: Settings) -> str:
    return settings.model_dump_json(exclude=_APP_ONLY)


def pipeline() -> Pipeline:
    """The pipeline for the current settings, built once per process."""
    settings = get_settings()
    p = _pipeline(_pipeline_key(settings), settings)
    p.records_path = settings.records_path  # its approved answers are in the app's records
    return p


store_log = logging.getLogger("rag.ui.store")
STORE_DOWN = ("The documents can't be opened right now, so no question can be answered at the "
              "moment. Please try again in a few minutes. In an emergency, call your local "
              "emergency number.")


def pipeline_or_none() -> Pipeline | None:
    """``pipeline()``, or ``None`` after a calm word to the patient when the index can't be
    opened (another process holds the embedded store, the folder is not writable, the Chroma
    server is down, the model is missing). The error, with what to do about it, goes to the
    log for the operator; nothing is cached, so the next question tries again."""
    try:
        return pipeline()
    except (StoreError, EmbedderUnavailable):
        store_log.exception("the index could not be opened")
        st.warning(STORE_DOWN, icon=":material/cloud_off:")
        return None


@st.cache_resource(show_spinner=False)
def _records(path: str, retention_days: int) -> Records:
    return Records(path, retention_days)  # opening purges what is past retention


log = logging.getLogger("rag.ui.records")
RECORDS_DOWN = ("Questions are still answered, but this chat can't keep them for the patient "
                "educators right now, so rating answers is off for the moment.")
# What the records' failures look like: locked past the busy timeout ("database is
# locked"), not a database ("file is not a database"), a folder or file that cannot be
# opened or created (sqlite3.OperationalError, OSError).
RECORD_FAILURES = (sqlite3.Error, OSError)


class GuardedRecords:
    """``Records`` as the pages use it: every call opens the database (once per process,
    purged at most hourly) and runs the method; a failure of the file is logged, shown as
    ``RECORDS_DOWN`` and the call returns ``None``. Refusals (``RecordError``) pass
    through, as they are answers, not failures."""

    failed = False  # set once a call of this object failed (its result is then None)

    def available(self) -> bool:
        """True when the records open; otherwise the failure is reported as above."""
        return self._call(lambda store: True) is not None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._call(
            lambda store: getattr(store, name)(*args, **kwargs), name)

    def _call(self, use, what: str = "open") -> Any:
        settings = get_settings()
        try:
            store = _records(str(settings.records_path), settings.retention_days)
            store.purge_if_due()
            return use(store)
        except RECORD_FAILURES:
            self.failed = True
            log.exception("records %s failed on %s", what, settings.records_path)
            st.info(RECORDS_DOWN, icon=":material/info:")
            return None


def records() -> GuardedRecords:
    """The records database, purged of anything past the retention period (checked at
    most hourly), with its failures logged and shown calmly (see ``GuardedRecords``)."""
    return GuardedRecords()


starters_log = logging.getLogger("rag.ui.starters")


@st.cache_resource(show_spinner="Finding questions the documents answer…", max_entries=8)
def _starters(settings_key: str, revision: str) -> list[str]:
    p = pipeline()
    stored, why = stored_starters(p)
    if stored is not None:
        starters_log.info("starter questions: %s", why)
        return stored
    # Indexing keeps them (python -m rag ingest, the Documents page); an index made another
    # way, or under other settings, costs this one wait, and they are kept for next time.
    starters_log.warning("starter questions: %s; working them out now", why)
    return store_starters(p, STARTERS)


def starter_questions() -> list[str]:
    """Questions the current index answers: the ones kept when it was indexed, else worked
    out (once per index revision and process) and kept."""
    p = pipeline()
    return _starters(_pipeline_key(get_settings()), p.store.revision())


def weak_below() -> float:
    """Answers with less confidence than this are "weak evidence" in the review queue:
    the lower part of the band between the not-found threshold and certainty."""
    low = get_settings().min_answer_confidence
    return low + (1.0 - low) * 0.4


def conversation_id() -> str:
    """A random id for this browser session's conversation, linked to no person."""
    if "conversation_id" not in st.session_state:
        st.session_state.conversation_id = secrets.token_hex(16)
    return st.session_state.conversation_id


def new_conversation() -> None:
    """Forget this session's conversation; what was recorded stays for the educators."""
    for key in [k for k in st.session_state if str(k).startswith(("rating-", "comment"))]:
        del st.session_state[key]
    st.session_state.turns = []
    st.session_state.conversation_id = secrets.token_hex(16)
