"""The load benchmark's arithmetic, its crossing check and its websocket client's reading of
a page, on made-up turns and messages; and, against a real server, in a real browser and over
Streamlit's websocket protocol, two patients asking at once each get their own answer (the
timed run itself is `python -m bench.load`, never part of the tests; nothing here asserts a
time)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.load import (QUESTIONS, Turn, alone_by_question, cpu_table, cpu_used, crossed, drive, figures, free_port,
                        index, pause, plan, row, serve, side_by_side, table, worst_ratio)
from bench.ws_session import Run, element_text, read_delta, shown_and_answer

ANSWERS = {"q1": "A1 [1]", "q2": "A2 [1]"}


def answered(session: int, asked: str, answer: str | None = None, shown: str | None = None,
             seconds: float = 1.0) -> Turn:
    return Turn(session, asked, shown if shown is not None else asked,
                answer if answer is not None else ANSWERS[asked], seconds)


def test_the_figures_are_the_median_the_slowest_and_the_slowest_over_the_time_alone():
    assert figures([3.0, 1.0, 2.0, 10.0], alone=2.0) == {"median": 2.5, "slowest": 10.0, "ratio": 5.0}
    assert figures([0.5])["ratio"] is None  # nothing to compare with
    assert figures([]) == {"median": None, "slowest": None, "ratio": None}


def test_a_row_counts_failed_turns_apart_and_times_only_the_answered():
    turns = [answered(0, "q1", seconds=1.0), answered(1, "q2", seconds=3.0),
             Turn(2, "q1", error="TimeoutError")]
    r = row(3, turns, crossings=0, alone=0.5)
    assert (r["answers"], r["asked"], r["failed"]) == (2, 3, 1)
    assert (r["median"], r["slowest"], r["ratio"]) == (2.0, 3.0, 6.0)
    printed = table([r, row(1, [], 0, None)])
    assert "2/3" in printed and "6.0x" in printed and printed.splitlines()[-1].split()[2] == "-"


def test_think_time_spreads_arrivals_the_same_way_every_run():
    assert pause(3, 0, 0.0) == 0.0  # no think time: all at once
    waits = [pause(s, i, 1.0) for s in range(16) for i in range(3)]
    assert all(0 <= w <= 2.0 for w in waits) and len(set(waits)) == len(waits)
    assert waits == [pause(s, i, 1.0) for s in range(16) for i in range(3)]


def test_sessions_side_by_side_start_at_different_questions():
    assert plan(3, ["a", "b"], 3) == [["a", "b", "a"], ["b", "a", "b"], ["a", "b", "a"]]
    assert len({asks[0] for asks in plan(4, QUESTIONS, 1)}) == 4


def test_no_crossing_when_every_session_shows_its_own_questions_and_their_usual_answers():
    sessions = [[answered(0, "q1"), answered(0, "q2")], [answered(1, "q2"), answered(1, "q1")]]
    assert crossed(sessions) == []


def test_another_sessions_answer_or_question_or_an_extra_message_is_a_crossing():
    swapped = answered(1, "q2", answer=ANSWERS["q1"])  # q1's answer drawn in the session that asked q2
    foreign = answered(2, "q1", shown="q2")  # the page shows a question this session never asked
    sessions = [[answered(0, "q1"), answered(0, "q2")], [swapped], [foreign],
                [answered(3, "q2")], [answered(4, "q2")]]
    assert crossed(sessions) == [swapped, foreign]
    extra = [0, 0, 0, 1, 0]  # session 3 showed one message more than it sent
    assert crossed(sessions, extra)[-1] is sessions[3][-1]


def test_a_failed_turn_is_not_counted_as_crossed():
    sessions = [[answered(0, "q1")], [Turn(1, "q1", shown="q1", error="TimeoutError")]]
    assert crossed(sessions) == []


def test_cpu_used_is_counted_per_side_and_a_process_started_meanwhile_from_zero():
    before = {10: ("server", 1.0), 20: ("browser", 4.0)}
    after = {10: ("server", 3.5), 20: ("browser", 5.0), 21: ("browser", 0.5)}
    assert cpu_used(before, after) == {"server": 2.5, "browser": 1.5}
    printed = cpu_table([{"sessions": 2, "wall": 3.0, "server_cpu": 0.5, "browser_cpu": 2.0, "asked": 5,
                          "server_mb": 612.4}])
    assert printed.splitlines()[1].split() == ["2", "3.0", "0.5", "100", "2.0", "612"]  # 100 ms of the app's CPU an answer


def test_each_answer_is_also_measured_against_its_own_question_alone():
    alone = alone_by_question([answered(0, "q1", seconds=0.2), answered(0, "q1", seconds=0.4),
                               answered(0, "q2", seconds=1.0)])
    assert alone == pytest.approx({"q1": 0.3, "q2": 1.0})
    busy = [answered(0, "q1", seconds=0.9), answered(1, "q2", seconds=2.0), Turn(2, "q1", error="x")]
    assert worst_ratio(busy, {"q1": 0.3, "q2": 1.0}) == pytest.approx(3.0)  # q1: 0.9 / 0.3; q2 only 2x
    assert worst_ratio(busy, {}) is None and row(3, busy, 0, 0.5, {"q1": 0.3})["own"] == pytest.approx(3.0)
    printed = side_by_side({"ws": [row(1, busy[:1], 0, 0.9)], "browser": [row(1, busy[1:2], 0, 1.0)]})
    assert printed.splitlines()[1].split() == ["1", "0.90", "s", "/", "0.90", "s", "/", "1.0x",
                                               "2.00", "s", "/", "2.00", "s", "/", "2.0x"]


def delta(path, **element):
    """A ForwardMsg drawing one element at ``path``, as the app's server sends it."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.metadata.delta_path[:] = path
    (kind, fields), = element.items()
    getattr(msg.delta.new_element, kind).MergeFrom(type(getattr(msg.delta.new_element, kind))(**fields))
    return msg


def test_the_websocket_client_reads_the_last_question_and_the_message_after_it():
    run = Run()
    for msg in [delta([0, 0], markdown={"body": "# Questions"}),
                delta([0, 3, 0], markdown={"body": '<div class="typed">What is HSCT?</div>'}),
                delta([0, 4, 0], markdown={"body": "A transplant. [1]"}),
                delta([0, 5, 0], markdown={"body": '<div class="typed">What does &quot;mild&quot; mean?</div>'}),
                delta([0, 6, 0], markdown={"body": "Looking…"}),  # the spinner, then replaced
                delta([0, 6, 0], markdown={"body": "Not severe. [1]"}),
                delta([0, 6, 1], alert={"body": "Not medical advice."}),
                delta([0, 7], chat_input={"id": "$$ID-chat"})]:
        read_delta(msg, run)
    assert run.chat_input == "$$ID-chat" and not run.exception
    assert shown_and_answer(run.page) == ('What does "mild" mean?', "Not severe. [1]\nNot medical advice.")
    assert shown_and_answer({}) == ("", "")
    assert element_text(delta([0], chat_input={"id": "x"}).delta.new_element) == ""
    read_delta(delta([0, 8], exception={"type": "KeyError", "message": "turns"}), run)
    assert run.exception == "KeyError: turns"


@pytest.mark.parametrize("client", [pytest.param("browser", marks=pytest.mark.browser), "ws"])
def test_two_patients_asking_at_once_are_each_answered_in_their_own_session(tmp_path, client):
    if client == "browser" and not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is needed for the browser tests: run `make browser`")
    index(tmp_path)  # corpus/ into a store, cache and records of the test's own
    with serve(tmp_path, free_port()) as (url, _):
        [r] = asyncio.run(drive(url, [2], 1, QUESTIONS[:2], warm=False, client=client))
    turns = r["turns"]
    assert [t.error for t in turns] == ["", ""] and r["failed"] == 0
    assert [t.asked for t in turns] == QUESTIONS[:2]  # two different questions at once
    assert [t.shown for t in turns] == [t.asked for t in turns]
    assert "Nintedanib" in turns[0].answer and "Nintedanib" not in turns[1].answer
    assert r["crossed"] == 0
