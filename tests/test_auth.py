"""The educator login's limiter: guessing is slowed per client, a reload or a new tab does
not start afresh, and nobody can lock the educators out from elsewhere."""

from __future__ import annotations

import inspect

from rag.ui import auth
from rag.ui.auth import LoginLimiter, client_key

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
