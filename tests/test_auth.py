"""The educator login: guessing is slowed per client, a reload or a new tab does not start
afresh, and nobody can lock the educators out from elsewhere; a sign-in belongs to the
browser that made it (a signed token checked on every rerun), not to the session id."""

from __future__ import annotations

import inspect

import pytest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from rag.ui import auth
from rag.ui.auth import LoginLimiter, browser_binding, client_key, sign_in_token, token_holds, xsrf_token
from tests.test_pages import (PAGES, clock, env, fresh_settings, open_page, sign_in,  # noqa: F401 - fixtures
                              titles)

GUESSER = client_key("203.0.113.7", {}, {})
EDUCATOR = client_key("198.51.100.20", {}, {})


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter() -> tuple[LoginLimiter, FakeClock]:
    clock = FakeClock()
    return LoginLimiter(clock=clock), clock


def guess_until_refused(limiter: LoginLimiter, clock: FakeClock, client: str, tries: int) -> list[float]:
    """``tries`` wrong passwords from ``client``, each as soon as it may; the waits after each."""
    waits = []
    for _ in range(tries):
        clock.now += limiter.wait(client)
        assert limiter.wait(client) == 0.0
        limiter.failed(client)
        waits.append(limiter.wait(client))
    return waits


def test_a_clients_wait_doubles_from_the_third_wrong_password_up_to_a_minute():
    lim, clock = limiter()
    waits = guess_until_refused(lim, clock, GUESSER, 12)
    assert waits[:2] == [0.0, 0.0], "a typo or two costs nothing"
    assert waits[2:9] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0], "then 1 s, 2 s, 4 s..."
    assert set(waits[9:]) == {60.0}, "capped: a wait, never a lock-out"


def test_the_wait_belongs_to_the_client_so_a_reload_or_new_tab_does_not_reset_it():
    lim, clock = limiter()
    guess_until_refused(lim, clock, GUESSER, 5)
    # A new browser session from the same client has the same key: nothing is per tab.
    same_client_new_tab = client_key("203.0.113.7", {"User-Agent": "another tab"}, {})
    assert same_client_new_tab == GUESSER
    assert lim.wait(same_client_new_tab) == 4.0
    clock.now += 4.0
    lim.failed(same_client_new_tab)
    assert lim.wait(GUESSER) == 8.0, "and it keeps growing"


def test_another_client_is_not_slowed_by_a_guesser_and_the_right_password_gets_in():
    lim, clock = limiter()
    guess_until_refused(lim, clock, GUESSER, 9)
    for n in range(20):  # and a crowd of others, past the server's twenty in ten minutes
        lim.failed(client_key(f"192.0.2.{n}", {}, {}))
    assert lim.wait(GUESSER) == 60.0
    assert lim.wait(EDUCATOR) == 0.0, "the educator may try at once"
    assert 0 < lim.slowdown() <= 2.0, "many wrong passwords only slow every try a little"
    lim.succeeded(EDUCATOR)  # what the page does once the right password matched
    assert lim.wait(EDUCATOR) == 0.0 and lim.wait(GUESSER) == 60.0


def test_the_right_password_starts_the_client_afresh():
    lim, clock = limiter()
    guess_until_refused(lim, clock, GUESSER, 4)
    clock.now += lim.wait(GUESSER)
    lim.succeeded(GUESSER)
    assert guess_until_refused(lim, clock, GUESSER, 2) == [0.0, 0.0]


def test_the_servers_slowdown_ends_with_its_window():
    lim, clock = limiter()
    for n in range(20):  # twenty visitors, one guess each: none is slowed on its own
        lim.failed(client_key(f"192.0.2.{n}", {}, {}))
    assert lim.slowdown() == 2.0
    clock.now += 600
    assert lim.slowdown() == 0.0


def test_a_quiet_client_is_forgotten_and_made_up_clients_cannot_fill_the_memory():
    clock = FakeClock()
    lim = LoginLimiter(clock=clock, max_clients=100)
    guess_until_refused(lim, clock, GUESSER, 5)
    clock.now += 3600
    assert lim.wait(GUESSER) == 0.0 and not lim._clients, "forgotten after an hour of quiet"
    for n in range(500):
        lim.failed(f"made-up-{n}")
    assert len(lim._clients) == 100


def test_the_client_is_named_by_what_it_cannot_choose_first():
    forged = {"X-Forwarded-For": "10.9.9.9"}
    assert client_key("203.0.113.7", forged, {}) == GUESSER, "a remote address beats any header"
    # On a local connection (a proxy on this machine) the proxy's own entry names the client,
    # not what the client put before it.
    behind_proxy = client_key(None, {"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}, {})
    assert behind_proxy == client_key(None, {"X-Forwarded-For": "203.0.113.7"}, {})
    assert behind_proxy != client_key(None, {"X-Forwarded-For": "198.51.100.20"}, {})
    browser = client_key(None, {"User-Agent": "Firefox"}, {"_streamlit_xsrf": "abc"})
    assert browser == client_key(None, {"User-Agent": "Firefox"}, {"_streamlit_xsrf": "abc"})
    assert browser != client_key(None, {"User-Agent": "Firefox"}, {"_streamlit_xsrf": "xyz"})
    assert "203.0.113.7" not in GUESSER, "the address itself is not kept"


def test_the_password_is_still_compared_in_constant_time():
    source = inspect.getsource(auth.require_educator)
    assert "hmac.compare_digest(_digest(given), _digest(password))" in source


# --- a sign-in belongs to the browser that made it ------------------------------------------------

KEY = b"k" * 32
PASSWORD_DIGEST = "d" * 64
EDUCATORS_TOKEN = b"\x01" * 16
ATTACKERS_TOKEN = b"\x02" * 16


def browser(token: bytes = EDUCATORS_TOKEN, agent: str = "Firefox", ip: str | None = "198.51.100.20") -> str:
    """The binding of a browser whose XSRF cookie holds ``token``, as Streamlit writes it
    (a fresh random mask each time, as on every page load)."""
    return browser_binding(ip, {"User-Agent": agent}, {"_streamlit_xsrf": generate_xsrf_token_string(token)})


def test_the_xsrf_token_is_read_through_the_mask_that_changes_with_every_page_load():
    first, second = generate_xsrf_token_string(EDUCATORS_TOKEN), generate_xsrf_token_string(EDUCATORS_TOKEN)
    assert first != second
    assert xsrf_token(first) == xsrf_token(second) == EDUCATORS_TOKEN.hex()
    assert xsrf_token(EDUCATORS_TOKEN.hex()) == EDUCATORS_TOKEN.hex()  # version 1
    assert xsrf_token("2|zz|00|1") == xsrf_token("") == xsrf_token(None) == ""


def test_a_sign_in_token_holds_for_its_browser_until_it_expires():
    token = sign_in_token(KEY, browser(), PASSWORD_DIGEST, expires=5000)
    assert token_holds(KEY, token, browser(), PASSWORD_DIGEST, now=4999)  # a reload: a new mask
    assert not token_holds(KEY, token, browser(), PASSWORD_DIGEST, now=5000), "expired"


@pytest.mark.parametrize("elsewhere", [
    browser(ATTACKERS_TOKEN),                     # another browser, same user agent and address
    browser(agent="curl"),                        # the cookie copied, not the browser
    browser(ip="203.0.113.7"),                    # the cookie and agent copied, from elsewhere
    browser_binding("198.51.100.20", {"User-Agent": "Firefox"}, {}),  # no cookie at all
])
def test_the_token_fails_on_any_other_browser(elsewhere):
    token = sign_in_token(KEY, browser(), PASSWORD_DIGEST, expires=5000)
    assert not token_holds(KEY, token, elsewhere, PASSWORD_DIGEST, now=1000)


def test_the_token_cannot_be_forged_or_stretched_without_the_key():
    token = sign_in_token(KEY, browser(), PASSWORD_DIGEST, expires=5000)
    _, mac = token.split(":")
    assert not token_holds(KEY, f"9999999999:{mac}", browser(), PASSWORD_DIGEST, now=1000), "a later expiry"
    assert not token_holds(KEY, sign_in_token(b"x" * 32, browser(), PASSWORD_DIGEST, 5000), browser(),
                           PASSWORD_DIGEST, now=1000), "another key"
    assert not token_holds(KEY, token, browser(), "e" * 64, now=1000), "the password changed"
    for junk in (None, True, "", "abc", ":", "-1:x", PASSWORD_DIGEST):
        assert not token_holds(KEY, junk, browser(), PASSWORD_DIGEST, now=1000)


def test_the_back_off_of_a_local_browser_survives_the_cookies_new_mask_on_reload():
    first = client_key(None, {"User-Agent": "Firefox"}, {"_streamlit_xsrf": generate_xsrf_token_string(EDUCATORS_TOKEN)})
    again = client_key(None, {"User-Agent": "Firefox"}, {"_streamlit_xsrf": generate_xsrf_token_string(EDUCATORS_TOKEN)})
    other = client_key(None, {"User-Agent": "Firefox"}, {"_streamlit_xsrf": generate_xsrf_token_string(ATTACKERS_TOKEN)})
    assert first == again != other


# The pages themselves (AppTest): a session taken over by another browser is signed out.


def test_a_session_taken_over_by_another_browser_is_signed_out_on_its_next_rerun(env, monkeypatch):
    monkeypatch.setattr(auth, "this_browser", lambda: browser())
    at = sign_in(open_page(PAGES[0]))
    assert titles(at) == ["Review queue"]
    at.run()
    assert titles(at) == ["Review queue"], "the same browser stays signed in"
    # Another browser attaches to this session (its id sent in the websocket handshake):
    # the session's connection, and so st.context, is now that browser's.
    monkeypatch.setattr(auth, "this_browser", lambda: browser(ATTACKERS_TOKEN))
    at.run()
    assert titles(at) == ["Educators only"] and not at.dataframe
    assert "signed out" in at.info[0].value
    # ... and the educator's own browser coming back must sign in again: nothing was left unlocked.
    monkeypatch.setattr(auth, "this_browser", lambda: browser())
    at.run()
    assert titles(at) == ["Educators only"]


def test_a_sign_in_expires_after_the_configured_hours(env, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(auth, "clock", lambda: now[0])
    monkeypatch.setenv("RAG_EDUCATOR_SESSION_HOURS", "2")
    at = sign_in(open_page(PAGES[0]))
    now[0] += 2 * 3600 - 1
    assert titles(at.run()) == ["Review queue"]
    now[0] += 1
    assert titles(at.run()) == ["Educators only"]
