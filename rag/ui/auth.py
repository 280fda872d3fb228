"""The educator pages' lock: a password form that stops the page until it is passed.

The password comes from settings (``RAG_EDUCATOR_PASSWORD``) or, when that is unset, from
``educator_password`` in ``.streamlit/secrets.toml``. Passing it unlocks the educator pages
for this browser session only. The password is compared in constant time, and guessing is
slowed per client (``LoginLimiter``): from the third wrong password a client must wait before
its next try, 1 s, then 2 s, 4 s... up to a minute, counted on the server under a key for the
client (``client_key``), so a reload or a new tab starts nothing afresh. A refused try does
not look at the password, so even the right one waits, but only on the client that guessed:
nobody can lock the educators out from elsewhere. Many wrong passwords across the server
(twenty in ten minutes) only slow every try down by a couple of seconds.

A sign-in is bound to the browser that made it, not only to Streamlit's session id. Anyone
who learns a session id can attach their own browser to that session (the id is sent in the
websocket handshake to resume it), and would then share its session state. So the session
state holds no "unlocked" flag but a token: an HMAC (SHA-256) of its expiry time, a digest of
the password and what only the signing-in browser sends with every connection
(``browser_binding``): the random token inside Streamlit's XSRF cookie (the cookie's mask
changes with each page load, the token in it never; the attacker's browser has its own), with
the browser's user agent and the connection's address. Every rerun of an educator page
recomputes it from the connection the session has now (``st.context``, which is the
attacker's after a takeover) and signs the session out when it differs, when it is past
``educator_session_hours``, or when the password changed. The key is random, made once per
server process and never written anywhere: Streamlit's session state lives in the process's
memory only, so a key that lives exactly as long is all the token needs, and there is no key
file to steal or share. Why not a cookie of our own: Streamlit cannot set one from Python
(``st.context.cookies`` is read-only), and one set by a script in the page would be readable
by that script, no stronger than the XSRF cookie, which Streamlit already keeps per browser.
Its limits: the XSRF cookie is readable by JavaScript in the page (it has to be), so script
injected into the app could copy it, and with XSRF protection turned off
(``server.enableXsrfProtection = false``) only the user agent and address are left, which an
attacker on the same network could copy: keep XSRF protection on.

Left out on purpose: user accounts and roles (one shared educator password is what the team
asked for); a hard lock-out (it would be a way to keep the educators out); and a limit on
many clients guessing at once (a client that changes its address, or browser and cookies on
a local connection, is a new client: put the app behind a proxy that limits, as the README
says). Behind a proxy on another machine every client has the proxy's address and so shares
one back-off; the back-off is capped at a minute so that costs a wait, never a lock-out.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Mapping

import streamlit as st

from rag.settings import PROJECT_ROOT, Settings, get_settings
from rag.ui import upload_gate

_STATE_KEY = "educator_unlocked"  # holds the sign-in token (``sign_in_token``)
XSRF_COOKIE = "_streamlit_xsrf"
SESSION_KEY = secrets.token_bytes(32)  # signs this process's sign-in tokens; never stored
clock: Callable[[], float] = time.time  # wall time: a token's expiry (a seam for tests)
NAME_KEY = "educator_name"  # the name given at sign-in, kept with the answers they approve


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


def client_key(ip: object, headers: Mapping[str, str], cookies: Mapping[str, str]) -> str:
    """A name for the client that survives reloads and new tabs: a hash (the address itself
    is not kept) of, in this order,

    - the address of the connection, when it is not local: the client can't choose it;
    - on a local connection, the address the proxy in front added last to
      ``X-Forwarded-For`` (earlier entries are whatever the client sent);
    - else the browser's user agent and the token in Streamlit's XSRF cookie (local
      development; the cookie's mask changes with every page load, the token never).
    """
    if ip := _text(ip):
        who = f"ip:{ip}"
    elif forwarded := _text(headers.get("X-Forwarded-For")).split(",")[-1].strip():
        who = f"forwarded:{forwarded}"
    else:
        who = (f"browser:{_text(headers.get('User-Agent'))}"
               # the token, not its per-load mask (a cookie of another shape, as it is)
               f"|{xsrf_token(cookies.get(XSRF_COOKIE)) or _text(cookies.get(XSRF_COOKIE))}")
    return hashlib.sha256(who.encode("utf-8")).hexdigest()[:32]


def _text(value: object) -> str:
    """A header's, cookie's or address's text; "" for anything else (none, or the stand-ins
    a test run of Streamlit gives)."""
    return value if isinstance(value, str) else ""


def this_client() -> str:
    """``client_key`` of the browser running this script (from ``st.context``)."""
    return client_key(st.context.ip_address, st.context.headers, st.context.cookies)


class LoginLimiter:
    """How long a client must wait before its next password, and how much every try is
    slowed down when the whole server sees many wrong passwords.

    Clients are named by ``client_key``; what is kept per client is a count of wrong
    passwords and the time of the last, forgotten after ``forget_after_s`` of quiet (and the
    oldest first beyond ``max_clients``, so made-up clients can't fill the memory).
    ``clock`` gives seconds and is injectable so tests need not sleep. Thread-safe: every
    Streamlit session runs in its own thread of the one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, free_tries: int = 2,
                 first_wait_s: float = 1.0, max_wait_s: float = 60.0,
                 forget_after_s: float = 3600.0, max_clients: int = 10_000,
                 server_limit: int = 20, server_window_s: float = 600.0,
                 server_delay_s: float = 2.0):
        self.clock = clock
        self.free_tries = free_tries
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self.forget_after_s = forget_after_s
        self.max_clients = max_clients
        self.server_limit = server_limit
        self.server_window_s = server_window_s
        self.server_delay_s = server_delay_s
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, tuple[int, float]] = OrderedDict()  # oldest first
        self._server: deque[float] = deque()  # times of recent failures, oldest first

    def back_off(self, count: int) -> float:
        """Seconds a client waits after ``count`` wrong passwords: none for the free tries,
        then 1 s, 2 s, 4 s... never more than ``max_wait_s``."""
        if count <= self.free_tries:
            return 0.0
        return min(self.max_wait_s, self.first_wait_s * 2.0 ** (count - self.free_tries - 1))

    def wait(self, client: str) -> float:
        """Seconds before this client may try a password again (0: it may now)."""
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            count, last = self._clients.get(client, (0, now))
        return max(0.0, last + self.back_off(count) - now)

    def slowdown(self) -> float:
        """Seconds every try is held before its password is looked at: ``server_delay_s``
        while the server has seen ``server_limit`` wrong passwords in its window, else 0.
        A delay, never a refusal: the right password still gets in."""
        with self._lock:
            self._forget_old(self.clock())
            return self.server_delay_s if len(self._server) >= self.server_limit else 0.0

    def failed(self, client: str) -> None:
        """A wrong password came from this client."""
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            count, _ = self._clients.pop(client, (0, now))
            self._clients[client] = (count + 1, now)  # now the newest
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            self._server.append(now)

    def succeeded(self, client: str) -> None:
        """The right password: this client starts afresh (the server's count stays)."""
        with self._lock:
            self._clients.pop(client, None)

    def _forget_old(self, now: float) -> None:
        while self._server and self._server[0] <= now - self.server_window_s:
            self._server.popleft()
        while self._clients:
            oldest, (_, last) = next(iter(self._clients.items()))
            if last > now - self.forget_after_s:
                break
            del self._clients[oldest]


LIMITER = LoginLimiter()  # one per server process, shared by every session


def _in_words(seconds: float) -> str:
    if seconds < 90:
        return "1 second" if seconds <= 1 else f"{math.ceil(seconds)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def xsrf_token(cookie: str) -> str:
    """The random token inside Streamlit's XSRF cookie, in hex ("" when there is none):
    version 2 is "2|mask|masked token|time", whose mask changes with every page load while
    the token stays; version 1 is the token itself."""
    parts = _text(cookie).strip("\"'").split("|")
    try:
        if len(parts) == 4 and parts[0] == "2":
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked)).hex() if mask else ""
        return bytes.fromhex(parts[0]).hex() if len(parts) == 1 else ""
    except ValueError:
        return ""


def browser_binding(ip: object, headers: Mapping[str, str], cookies: Mapping[str, str]) -> str:
    """What only the browser that signed in sends with each connection: its XSRF token,
    its user agent and its address (an empty part where it has none)."""
    return "|".join((xsrf_token(cookies.get(XSRF_COOKIE)), _text(headers.get("User-Agent")), _text(ip)))


def this_browser() -> str:
    """``browser_binding`` of the connection this session has now (from ``st.context``)."""
    return browser_binding(st.context.ip_address, st.context.headers, st.context.cookies)


def sign_in_token(key: bytes, binding: str, password_digest: str, expires: float) -> str:
    """"<expiry>:<HMAC-SHA256 of the expiry, the password's digest and the browser>"."""
    message = f"{int(expires)}|{password_digest}|{binding}".encode("utf-8")
    return f"{int(expires)}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"


def token_holds(key: bytes, token: object, binding: str, password_digest: str, now: float) -> bool:
    """True when ``token`` was signed with ``key`` for this browser and this password and
    has not expired."""
    if not isinstance(token, str) or ":" not in token:
        return False
    expires, _ = token.split(":", 1)
    if not expires.isdigit() or now >= int(expires):
        return False
    return hmac.compare_digest(token, sign_in_token(key, binding, password_digest, int(expires)))


def is_educator() -> bool:
    """True when this session signed in with the current password, from the browser it is
    connected to now, less than ``educator_session_hours`` ago. A session that fails this
    with a token is signed out (another browser took it over, it expired, or the password
    changed)."""
    password = configured_password()
    token = st.session_state.get(_STATE_KEY)
    if not (password and token):
        return False
    if token_holds(SESSION_KEY, token, this_browser(), _digest(password), clock()):
        return True
    st.session_state.pop(_STATE_KEY, None)
    st.session_state["educator_signed_out"] = True
    return False


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
    if st.session_state.pop("educator_signed_out", False):
        st.info("You were signed out: the sign-in expired, the password changed, or this "
                "session was opened from another browser. Enter the password again.")
    with st.form("educator_login", clear_on_submit=True):
        given = st.text_input("Educator password", type="password")
        name = st.text_input("Your name (shown with the answers you approve)")
        submitted = st.form_submit_button("Unlock")
    if submitted:
        client = this_client()
        if wait := LIMITER.wait(client):
            st.error(f"Too many attempts with a wrong password. Nothing was checked; try "
                     f"again in {_in_words(wait)}.")
            st.stop()
        time.sleep(LIMITER.slowdown())  # a couple of seconds while many guesses arrive
        if hmac.compare_digest(_digest(given), _digest(password)):
            LIMITER.succeeded(client)
            expires = clock() + get_settings().educator_session_hours * 3600
            st.session_state[_STATE_KEY] = sign_in_token(SESSION_KEY, this_browser(),
                                                         _digest(password), expires)
            st.session_state[NAME_KEY] = " ".join(name.split())
            st.rerun()
        LIMITER.failed(client)
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
