"""``python -m bench.load [--sessions 1 8 16] [--questions 3] [--client ws|browser|both] [--think S]``:
patients asking at the same time, against the real app.

What it measures. It indexes corpus/ into a temporary folder (``python -m rag ingest``; the
store, the cache with the ONNX export, the records and the reviewed questions all live there,
so the developer's ``.rag/`` is never read or written) and starts ``streamlit run app.py`` on
it. Each patient session is either a websocket speaking Streamlit's own protocol
(``--client ws``, the default, ``bench.ws_session``: almost no client CPU, so the figures
measure the server) or a browser context of one headless Chromium (``--client browser``,
Debian's, through Playwright: the real page, but 16 pages take most of 2 cores); ``both``
runs one then the other against the same server and prints them side by side. For each
session count, every session opens the chat, then all ask the same ``--questions`` questions
from the committed documents' topics, one after another (0 to 2 x ``--think`` seconds before
each, drawn per session and turn; 0 = all at once, then back to back), session ``s`` asking question ``(s + i) % n`` as its ``i``-th. Before the first row
one session asks each question once, so every row meets the same warm caches. An answer is
timed from sending the question to its message being complete (browser: Enter to the thumbs
drawn, timed in the page; ws: the rerun sent to its ``script_finished``). Printed, one row
per session count: answers, their median and slowest time, slowest ÷ alone (alone = the
median of the 1-session row), and two counts (then the wall time of the asking, the CPU
seconds of the app's process and of the client meanwhile, and the app's peak memory, from
/proc):

- crossed: a turn whose page shows another question than the one this session asked, or an
  answer other than the one the same question got (the answer most sessions saw for it:
  answers are deterministic, so any other text came from somewhere else), or more messages
  than this session sent;
- failed: no complete answer within the time limit, or an error drawn instead. A decline
  (the documents do not cover it) or an urgent message is an answer.

What it leaves out. The clients run on the same cores as the app, and so do other people's
jobs: the load average is printed with the table. Every session asks at the same instant at
first, harsher than patients are. The same questions come again and again, so the app's
cache of sentence vectors spares the model most of its work (a question never asked before
costs about 0.2-0.5 s more, alone): this measures serving the chat more than the model. Only
the chat page and the extractive answerer (the default) are exercised. Nothing here asserts a
time (``tests/test_bench_load.py`` checks the arithmetic, and that two sessions are answered
each in its own, over both clients).
"""


from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from rag.settings import PROJECT_ROOT

from .local_server import ServerFailed, free_port, stop, wait_until_healthy
from .measures import vm_hwm_mb
from .processes import cpu_split, cpu_used

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 # many tabs at once: none is treated as a background tab and slowed down
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
# From the committed documents' topics: a drug, the symptoms, a treatment, a glossary word.
QUESTIONS = ["What does nintedanib do?", "What are the symptoms of scleroderma?",
             "What is HSCT?", "What does autoimmune mean?"]
SERVER_START_S = 180
FIRST_PAGE_S = 300  # the first page builds the pipeline (loads the model, reads the index)
ANSWER_S = 300  # generous: 16 sessions on 2 cores are slow, and a timeout counts as failed

USER = '[aria-label="Chat message from user"]'
ASSISTANT = '[aria-label="Chat message from assistant"]'
ERROR = '[data-testid="stException"]'
# In each page: when Enter is pressed in the chat box, and when the n-th answer is complete
# (its message holds the thumbs, drawn after the answer's text, sources and notices).
WATCH = """() => {
  window.__sent = []; window.__done = {};
  document.addEventListener('keydown', e => {
    if (e.key === 'Enter' && e.target.closest('[data-testid="stChatInput"]')) window.__sent.push(performance.now());
  }, true);
  const check = () => {
    const n = [...document.querySelectorAll('%s')].filter(m => m.querySelector('[data-testid="stFeedback"]')).length;
    for (let k = 1; k <= n; k++) if (!(k in window.__done)) window.__done[k] = performance.now();
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true});
}""" % ASSISTANT


@dataclass
class Turn:
    """One question of one session, as its page showed it."""

    session: int
    asked: str
    shown: str = ""  # the question the page shows at this turn
    answer: str = ""  # the assistant message's text
    seconds: float | None = None  # Enter to complete answer; None when it failed
    error: str = ""


# --- the pure parts: what the table says ----------------------------------------------------

def plan(sessions: int, questions: Sequence[str], count: int) -> list[list[str]]:
    """What each session asks, in order: ``count`` questions, session ``s`` starting at the
    ``s``-th, so sessions side by side ask different things."""
    return [[questions[(s + i) % len(questions)] for i in range(count)] for s in range(sessions)]


def pause(session: int, turn: int, think_s: float) -> float:
    """Seconds a session waits before its ``turn``-th question: 0 without ``think_s``, else
    uniform in [0, 2 x think_s], the same in every run (so arrivals spread out, first ones too)."""
    return random.Random(1000 * session + turn).uniform(0, 2 * think_s) if think_s else 0.0


def figures(seconds: Sequence[float], alone: float | None = None) -> dict:
    """Median and slowest of the answer times, and the slowest as a multiple of ``alone``."""
    if not seconds:
        return {"median": None, "slowest": None, "ratio": None}
    slowest = max(seconds)
    return {"median": statistics.median(seconds), "slowest": slowest,
            "ratio": slowest / alone if alone else None}


def crossed(sessions: Sequence[Sequence[Turn]], extra: Sequence[int] = ()) -> list[Turn]:
    """The answered turns that show another session's question or answer (see the module's
    docstring); ``extra[s]`` = messages session ``s`` showed beyond its own turns, whose
    last turn is then counted as crossed too."""
    answered = [t for turns in sessions for t in turns if t.seconds is not None]
    usual = {q: Counter(t.answer for t in answered if t.asked == q).most_common(1)[0][0]
             for q in {t.asked for t in answered}}
    out = [t for t in answered if t.shown != t.asked or t.answer != usual[t.asked]]
    for s, more in enumerate(extra):
        if more and sessions[s] and sessions[s][-1] not in out:
            out.append(sessions[s][-1])
    return out


def alone_by_question(turns: Sequence[Turn]) -> dict[str, float]:
    """Each question's median answer time in the 1-session row."""
    asked = {t.asked for t in turns if t.seconds is not None}
    return {q: statistics.median(t.seconds for t in turns if t.asked == q and t.seconds is not None) for q in asked}


def worst_ratio(turns: Sequence[Turn], alone: dict[str, float]) -> float | None:
    """The largest answer time as a multiple of the same question's time alone (questions
    differ: a longer answer is paced out over more sentences even alone)."""
    ratios = [t.seconds / alone[t.asked] for t in turns if t.seconds is not None and alone.get(t.asked)]
    return max(ratios) if ratios else None


def row(n: int, turns: Sequence[Turn], crossings: int, alone: float | None,
        alone_each: dict[str, float] | None = None) -> dict:
    times = [t.seconds for t in turns if t.seconds is not None]
    return {"sessions": n, "answers": len(times), "asked": len(turns), **figures(times, alone),
            "own": worst_ratio(turns, alone_each or {}), "crossed": crossings, "failed": len(turns) - len(times)}


def table(rows: Sequence[dict]) -> str:
    def num(v, fmt: str, unit: str = "") -> str:
        return "-" if v is None else format(v, fmt) + unit

    lines = [f"{'sessions':>8}  {'answers':>7}  {'median s':>8}  {'slowest s':>9}  {'slowest/alone':>13}"
             f"  {'worst/own alone':>15}  {'crossed':>7}  {'failed':>6}"]
    for r in rows:
        lines.append(f"{r['sessions']:>8}  {str(r['answers']) + '/' + str(r['asked']):>7}  {num(r['median'], '.2f'):>8}"
                     f"  {num(r['slowest'], '.2f'):>9}  {num(r['ratio'], '.1f', 'x'):>13}"
                     f"  {num(r.get('own'), '.1f', 'x'):>15}  {r['crossed']:>7}"
                     f"  {r['failed']:>6}")
    return "\n".join(lines)


def cpu_table(rows: Sequence[dict]) -> str:
    lines = [f"{'sessions':>8}  {'wall s':>6}  {'app cpu s':>9}  {'app ms/answer':>13}  {'client cpu s':>13}"
             f"  {'app peak MB':>11}"]
    for r in rows:
        lines.append(f"{r['sessions']:>8}  {r['wall']:6.1f}  {r['server_cpu']:9.1f}"
                     f"  {1000 * r['server_cpu'] / max(r['asked'], 1):13.0f}  {r['browser_cpu']:13.1f}"
                     f"  {r.get('server_mb', 0):11.0f}")
    return "\n".join(lines)


# --- the server -------------------------------------------------------------------------------

def app_env(root: Path) -> dict:
    """The app's environment: everything it writes under ``root``, offline."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_CORPUS_DIR": str(PROJECT_ROOT / "corpus"),
            "RAG_STORE_DIR": str(root / "store"), "RAG_CACHE_DIR": str(root / "cache"),
            "RAG_RECORDS_PATH": str(root / "records.sqlite3"),
            "RAG_REVIEWED_QUESTIONS_PATH": str(root / "reviewed.jsonl")}


def index(root: Path) -> None:
    """``python -m rag ingest`` of corpus/ into ``root`` (quick when it is already there)."""
    done = subprocess.run([sys.executable, "-m", "rag", "ingest"], cwd=PROJECT_ROOT, env=app_env(root),
                          capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(f"ingest failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def serve(root: Path, port: int) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` over the index in ``root``; yields its address and process
    id once healthy."""
    log = root / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=app_env(root), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(f"{url}/_stcore/health", proc, log, SERVER_START_S, "streamlit")
        except ServerFailed as e:
            raise SystemExit(str(e)) from e
        yield url, proc.pid
    finally:
        stop(proc)


# --- the sessions -----------------------------------------------------------------------------

async def open_session(browser, url: str):
    """A new browser context on the chat, once it shows its starter questions."""
    context = await browser.new_context(viewport={"width": 1000, "height": 900}, reduced_motion="reduce")
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_text("You could ask:").wait_for(timeout=FIRST_PAGE_S * 1000)
    await page.evaluate(WATCH)
    return context, page


async def ask_in_turn(page, session: int, questions: Sequence[str], answer_s: float,
                      think_s: float = 0.0) -> tuple[list[Turn], int]:
    """Ask each question once the previous answer is complete (after ``pause``); the turns as the page shows them at the end, and how many messages it showed
    beyond them."""
    turns = [Turn(session, q, error="not asked: an earlier question failed") for q in questions]
    for i, turn in enumerate(turns):
        question, turn.error = turn.asked, ""
        await asyncio.sleep(pause(session, i, think_s))
        box = page.get_by_test_id("stChatInputTextArea")
        try:
            await box.fill(question)
            await box.press("Enter")
            await page.wait_for_function(
                "([n, err]) => (n in window.__done) || document.querySelector(err)",
                arg=[i + 1, ERROR], timeout=answer_s * 1000, polling=50)
        except Exception as e:  # a timeout, or the page went away
            turn.error = type(e).__name__
            break
        if await page.locator(ERROR).count():
            turn.error = (await page.locator(ERROR).first.inner_text())[:200]
            break
        sent, done = await page.evaluate("n => [window.__sent[window.__sent.length - 1], window.__done[n]]", i + 1)
        turn.seconds = (done - sent) / 1000
    shown = await page.locator(USER).all_inner_texts()
    answers = await page.locator(ASSISTANT).all_inner_texts()
    for i, turn in enumerate(turns):
        turn.shown = shown[i].strip() if i < len(shown) else ""
        turn.answer = answers[i].strip() if i < len(answers) else ""
    return turns, max(0, len(shown) - len(turns), len(answers) - len(turns))


async def run_sessions(browser, url: str, n: int, questions: Sequence[str], count: int,
                       answer_s: float = ANSWER_S, server_pid: int | None = None, think_s: float = 0.0) -> dict:
    """``n`` sessions side by side, each asking its ``count`` questions in turn: their turns,
    the messages each showed beyond them, and the wall and CPU seconds of the asking."""
    opened = await asyncio.gather(*(open_session(browser, url) for _ in range(n)))
    try:
        before, start = cpu_split(server_pid or 0), time.perf_counter()
        done = await asyncio.gather(*(ask_in_turn(page, s, asks, answer_s, think_s)
                                      for s, ((_, page), asks) in enumerate(zip(opened, plan(n, questions, count)))))
        wall, used = time.perf_counter() - start, cpu_used(before, cpu_split(server_pid or 0))
    finally:
        for context, _ in opened:
            await context.close()
    return {"sessions": [turns for turns, _ in done], "extra": [more for _, more in done], "wall": wall,
            "server_cpu": used["server"], "browser_cpu": used["browser"],
            "server_mb": vm_hwm_mb(server_pid) if server_pid else 0.0}


async def drive(url: str, session_counts: Sequence[int], count: int, questions: Sequence[str] = QUESTIONS,
                answer_s: float = ANSWER_S, warm: bool = True, server_pid: int | None = None,
                client: str = "browser", think_s: float = 0.0) -> list[dict]:
    """One row per session count (``row``), with its turns under ``"turns"`` and the wall and
    CPU seconds of its asking; ``client`` is ``"ws"`` (``bench.ws_session``) or ``"browser"``."""
    if client == "ws":
        from .ws_session import run_sessions as over_ws

        return await rows_of(lambda n, qs, c, pid: over_ws(url, n, qs, c, answer_s, pid, think_s),
                             session_counts, count, questions, warm, server_pid)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return await rows_of(lambda n, qs, c, pid: run_sessions(browser, url, n, qs, c, answer_s, pid, think_s),
                                 session_counts, count, questions, warm, server_pid)
        finally:
            await browser.close()


async def rows_of(run, session_counts: Sequence[int], count: int, questions: Sequence[str], warm: bool,
                  server_pid: int | None) -> list[dict]:
    """``drive``'s rows, ``run(n, questions, count, server_pid)`` running one session count."""
    rows, alone, each = [], None, {}
    if warm:  # each question once first: every row then meets the same warm caches
        await run(1, questions, len(questions), None)
    for n in session_counts:
        r = await run(n, questions, count, server_pid)
        turns = [t for ts in r["sessions"] for t in ts]
        if n == 1:  # the time alone: what the other rows are measured against
            alone = figures([t.seconds for t in turns if t.seconds is not None])["median"]
            each = alone_by_question(turns)
        out = row(n, turns, len(crossed(r["sessions"], r["extra"])), alone, each)
        rows.append({**out, "turns": turns, **{k: r[k] for k in ("wall", "server_cpu", "browser_cpu", "server_mb")}})
    return rows


def side_by_side(by_client: dict[str, list[dict]]) -> str:
    """One line per session count: median, slowest and slowest/alone for each client."""
    def num(v, fmt: str) -> str:
        return "-" if v is None else format(v, fmt)

    names = list(by_client)
    lines = [f"{'sessions':>8}" + "".join(f"  {n + ': median / slowest / ratio':>34}" for n in names)]
    for i, r in enumerate(by_client[names[0]]):
        cells = [(rows[i]["median"], rows[i]["slowest"], rows[i]["ratio"]) for rows in by_client.values()]
        lines.append(f"{r['sessions']:>8}" + "".join(
            f"  {num(m, '.2f') + ' s / ' + num(w, '.2f') + ' s / ' + num(x, '.1f') + 'x':>34}" for m, w, x in cells))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 8, 16],
                    help="session counts to run, in order; 1 first gives the 'alone' time")
    ap.add_argument("--questions", type=int, default=3, help=f"questions per session (of {len(QUESTIONS)})")
    ap.add_argument("--client", choices=["ws", "browser", "both"], default="ws",
                    help="ws: Streamlit's websocket protocol, spoken directly (little client CPU); "
                    "browser: headless Chromium pages; both: one then the other, on the same server")
    ap.add_argument("--think", type=float, default=0.0, metavar="S",
                    help="mean seconds a session waits before each question, uniform in [0, 2S] "
                    "(default 0: all at once, then back to back)")
    ap.add_argument("--port", type=int, default=0, help="port of the app (default: a free one)")
    ap.add_argument("--root", type=Path, help="keep the index, model export and records here "
                    "(default: a temporary folder, removed afterwards)")
    args = ap.parse_args(argv)
    if not 1 <= args.questions <= len(QUESTIONS):
        ap.error(f"--questions is between 1 and {len(QUESTIONS)}")
    clients = ["ws", "browser"] if args.client == "both" else [args.client]
    root = args.root or Path(tempfile.mkdtemp(prefix="rag-load-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        index(root)
        print(f"indexed corpus/ into {root} in {time.perf_counter() - t:.0f} s", flush=True)
        by_client, loads = {}, []
        with serve(root, args.port or free_port()) as (url, pid):
            for client in clients:
                load = os.getloadavg()[0]
                by_client[client] = asyncio.run(drive(url, args.sessions, args.questions, QUESTIONS[:args.questions],
                                                      server_pid=pid, client=client, think_s=args.think))
                loads.append(f"{client}: load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
        print(f"\n{args.questions} questions per session, think time {args.think:g} s, {os.cpu_count()} cores; "
              + "; ".join(loads))
        for client, rows in by_client.items():
            print(f"\n{client} client:\n{table(rows)}")
            print(f"while asking: wall seconds, CPU seconds of the app's process and of the {client} client "
                  "(same cores), the app's peak memory so far")
            print(cpu_table(rows))
        if len(by_client) > 1:
            print("\nside by side:\n" + side_by_side(by_client))
        everything = [r for rows in by_client.values() for r in rows]
        for r in everything:
            for t in r["turns"]:
                if t.error:
                    print(f"  {r['sessions']} sessions, session {t.session}: {t.asked!r} failed: {t.error}")
        return 0 if all(r["failed"] == 0 and r["crossed"] == 0 for r in everything) else 1
    finally:
        if args.root is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
