"""The educator pages' lock: a password form that stops the page until it is passed.

The password comes from settings (``RAG_EDUCATOR_PASSWORD``) or, when that is unset, from
``educator_password`` in ``.streamlit/secrets.toml``. Passing it unlocks the educator pages
for this browser session only. The password is compared in constant time, and guessing is
slowed then stopped (``LoginLimiter``): from the third wrong password in a browser session
each try waits longer, after five the session is locked out for a quarter of an hour, and
after twenty wrong passwords across the whole server within ten minutes every login waits
until that window has room again (a new browser session per guess gains nothing). A refused
try does not look at the password, so even the right one waits.

Left out on purpose: user accounts and roles (one shared educator password is what the team
asked for), and limits per IP address (the app records none; bind it to localhost or put it
behind a proxy that limits, as the README says).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
import time
from collections import deque
from typing import Callable, MutableMapping

import streamlit as st

from rag.settings import PROJECT_ROOT, Settings, get_settings
from rag.ui import upload_gate

_STATE_KEY = "educator_unlocked"  # holds a digest of the password that unlocked the session


def configured_password(settings: Settings | None = None) -> str | None:
    """The educator password, or None when none is configured anywhere."""
    settings = settings or get_settings()
    if settings.educator_password is not None and settings.educator_password.get_secret_value():
        return settings.educator_password.get_secret_value()
    try:
        secret = st.secrets["educator_password"]
    except (KeyError, FileNotFoundError):  # no secrets file, or no such key in it
        return None
    return str(secret) or None


class LoginLimiter:
    """How long a login must wait, per browser session and across this server process.

    ``session`` is any mapping kept per browser session (``st.session_state``; a dict in
    tests); ``clock`` gives seconds and is injectable so tests need not sleep. Thread-safe:
    every Streamlit session runs in its own thread of the one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, free_tries: int = 2,
                 session_limit: int = 5, session_lockout_s: float = 900.0,
                 server_limit: int = 20, server_window_s: float = 600.0):
        self.clock = clock
        self.free_tries = free_tries
        self.session_limit = session_limit
        self.session_lockout_s = session_lockout_s
        self.server_limit = server_limit
        self.server_window_s = server_window_s
        self._lock = threading.Lock()
        self._server: deque[float] = deque()  # times of recent failures, oldest first

    _KEY = "educator_login_failures"  # (count, time of the last failure) in the session

    def wait(self, session: MutableMapping) -> float:
        """Seconds before this session may try a password again (0: it may now)."""
        now = self.clock()
        count, last = session.get(self._KEY, (0, now))
        if count >= self.session_limit:
            own = last + self.session_lockout_s - now
        elif count > self.free_tries:
            own = last + 2.0 ** (count - self.free_tries) - now  # 2 s, 4 s...
        else:
            own = 0.0
        with self._lock:
            self._forget_old(now)
            server = (self._server[-self.server_limit] + self.server_window_s - now
                      if len(self._server) >= self.server_limit else 0.0)
        return max(0.0, own, server)

    def failed(self, session: MutableMapping) -> None:
        """A wrong password was given in this session."""
        now = self.clock()
        count, _ = session.get(self._KEY, (0, now))
        session[self._KEY] = (count + 1, now)
        with self._lock:
            self._forget_old(now)
            self._server.append(now)

    def succeeded(self, session: MutableMapping) -> None:
        """The right password: this session starts afresh (the server's count stays)."""
        session.pop(self._KEY, None)

    def _forget_old(self, now: float) -> None:
        while self._server and self._server[0] <= now - self.server_window_s:
            self._server.popleft()


LIMITER = LoginLimiter()  # one per server process, shared by every session


def _in_words(seconds: float) -> str:
    if seconds < 90:
        return f"{math.ceil(seconds)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def is_educator() -> bool:
    """True when this session has entered the current password (a changed password locks
    every session again)."""
    password = configured_password()
    unlocked = st.session_state.get(_STATE_KEY)
    return bool(password and unlocked and hmac.compare_digest(unlocked, _digest(password)))


def require_educator() -> None:
    """Show the password form and stop the page until this session has the right password.

    Call it at the top of every educator page, before anything else is drawn or read. Once
    unlocked it also draws the educator navigation in the sidebar (the app hides Streamlit's
    own page list from patients), so every page in ``pages/`` is reachable from every other.
    """
    upload_gate.install()
    if is_educator():
        _educator_sidebar()
        return
    upload_gate.deny()  # signed out, or the password changed: no more uploads
    password = configured_password()
    st.title("Educators only")
    st.page_link("app.py", label="Back to the patient chat", icon=":material/chat:")
    if not password:
        st.warning(
            "The educator pages are locked because no educator password is set. "
            "Set one in the environment before starting the app "
            "(`RAG_EDUCATOR_PASSWORD=...` or a `.env` line), or add "
            '`educator_password = "..."` to `.streamlit/secrets.toml`, then restart the app.'
        )
        st.stop()
    with st.form("educator_login", clear_on_submit=True):
        given = st.text_input("Educator password", type="password")
        submitted = st.form_submit_button("Unlock")
    if submitted:
        if wait := LIMITER.wait(st.session_state):
            st.error(f"Too many attempts with a wrong password. Nothing was checked; try "
                     f"again in {_in_words(wait)}.")
            st.stop()
        if hmac.compare_digest(_digest(given), _digest(password)):
            LIMITER.succeeded(st.session_state)
            st.session_state[_STATE_KEY] = _digest(password)
            st.rerun()
        LIMITER.failed(st.session_state)
        st.error("That password is not right. Nothing was unlocked.")
    st.stop()


def sign_out() -> None:
    """Lock the educator pages again for this session."""
    st.session_state.pop(_STATE_KEY, None)


def educator_pages() -> list[tuple[str, str]]:
    """(path relative to the app, label) of every page in ``pages/``, in their order."""
    folder = PROJECT_ROOT / "pages"
    out = []
    for page in sorted(folder.glob("*.py")):
        label = re.sub(r"^\d+[_ -]*", "", page.stem).replace("_", " ").strip() or page.stem
        out.append((f"pages/{page.name}", label[:1].upper() + label[1:]))
    return out


def _educator_sidebar() -> None:
    with st.sidebar:
        st.markdown("**Educators**")
        for path, label in educator_pages():
            st.page_link(path, label=label)
        st.page_link("app.py", label="Patient chat (as patients see it)")
        st.button("Sign out", on_click=sign_out, key="educator_sign_out")
