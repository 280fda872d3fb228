"""Which browser sessions may hand this server a file, and for how long it holds the bytes.

Streamlit's upload endpoint (``/_stcore/upload_file/<session>/<file>``) takes a file for any
live browser session, whether or not its page shows a file uploader, and keeps the bytes in
memory until that session ends: an anonymous chat tab, or a script posing as one, could park
hundreds of megabytes on the server. Each file is already capped by ``server.maxUploadSize``
(``.streamlit/config.toml``, equal to the app's ``RAG_UPLOAD_MAX_MB``). On top of that,
``install`` (run by every page) puts a gate in front of the server's store of uploaded files:

- a file is kept only for a session whose educator Documents page is open and unlocked
  (``allow``; ``deny`` when a session shows the password form again, e.g. after signing out);
  any other session's file is dropped as it arrives, and the operator's log says so;
- an allowed session holds at most ``MAX_HELD_FILES`` files at a time (the oldest is let go);
- the Documents page lets go of each file (``release``) as soon as it is indexed or refused,
  instead of when the session ends.

Left out: limits per IP address (the app records none: put it behind a proxy that limits).
Relies on Streamlit's ``MemoryUploadedFileManager`` (``add_file``, ``remove_file``,
``get_files``) as Streamlit 1.67 has it.
"""

from __future__ import annotations

import logging
import threading

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

MAX_HELD_FILES = 5  # files one educator session may have uploaded and not yet added

log = logging.getLogger("rag.ui.uploads")
_lock = threading.Lock()
_allowed: set[str] = set()  # ids of sessions on the unlocked Documents page


class _Gate:
    """Wraps a manager's ``add_file``: keeps a file only for an allowed session, and at most
    ``MAX_HELD_FILES`` of them."""

    def __init__(self, manager):
        self.manager = manager
        self.add_file = manager.add_file

    def __call__(self, session_id: str, file) -> None:
        with _lock:
            allowed = session_id in _allowed
        if not allowed:
            log.warning("upload of %d bytes dropped: session %s is not an unlocked educator "
                        "Documents page", len(file.data), session_id[:8])
            return
        self.add_file(session_id=session_id, file=file)
        held = list(getattr(self.manager, "file_storage", {}).get(session_id, {}))  # oldest first
        for file_id in held[:max(0, len(held) - MAX_HELD_FILES)]:
            self.manager.remove_file(session_id, file_id)


def install(manager=None) -> None:
    """Put the gate in front of ``manager`` (default: this script run's, which on a server is
    the one the upload endpoint stores into). Does nothing the second time."""
    if manager is None:
        ctx = get_script_run_ctx()
        manager = ctx.uploaded_file_mgr if ctx is not None else None
    if manager is None or isinstance(getattr(manager, "add_file", None), _Gate):
        return
    manager.add_file = _Gate(manager)


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def allow(session_id: str | None = None) -> None:
    """This session may upload files (call it where the uploader is drawn). Sessions that
    have ended are forgotten here."""
    if sid := session_id or _session_id():
        live = runtime.get_instance().is_active_session if runtime.exists() else None
        with _lock:
            if live is not None:
                _allowed.intersection_update({s for s in _allowed if live(s)})
            _allowed.add(sid)


def deny(session_id: str | None = None) -> None:
    """This session may no longer upload files."""
    if sid := session_id or _session_id():
        with _lock:
            _allowed.discard(sid)


def release(files, manager=None) -> None:
    """Let go of uploaded files' bytes now (``UploadedFile`` objects of this session)."""
    ctx = get_script_run_ctx()
    manager = manager or (ctx.uploaded_file_mgr if ctx is not None else None)
    session_id = ctx.session_id if ctx is not None else None
    if manager is None or session_id is None:
        return
    for f in files:
        manager.remove_file(session_id, f.file_id)
