"""The educator pages' lock: a password form that stops the page until it is passed.

The password comes from settings (``RAG_EDUCATOR_PASSWORD``) or, when that is unset, from
``educator_password`` in ``.streamlit/secrets.toml``. Passing it unlocks the educator pages
for this browser session only. Left out on purpose: user accounts, roles and lock-out after
repeated failures (one shared educator password is what the team asked for).
"""

from __future__ import annotations

import hashlib
import hmac
import re

import streamlit as st

from rag.settings import PROJECT_ROOT, Settings, get_settings

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
    if is_educator():
        _educator_sidebar()
        return
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
        if hmac.compare_digest(_digest(given), _digest(password)):
            st.session_state[_STATE_KEY] = _digest(password)
            st.rerun()
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
