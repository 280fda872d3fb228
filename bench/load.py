"""``python -m bench.load [--sessions 1 8 16] [--questions 3] [--port P] [--root DIR]``:
patients asking at the same time, in real browsers, against the real app.

What it measures. It indexes corpus/ into a temporary folder (``python -m rag ingest``; the
store, the cache with the ONNX export, the records and the reviewed questions all live there,
so the developer's ``.rag/`` is never read or written), starts ``streamlit run app.py`` on it,
and drives one headless Chromium (Debian's, through Playwright) with one browser context per
patient session. For each session count, every session opens the chat, and once all of them
show the starter questions they ask the same ``--questions`` questions from the committed
documents' topics, one after another, each session starting at a different one (session ``s``
asks question ``(s + i) % n`` as its ``i``-th), so sessions side by side ask different things.
Before the first row one session asks each question once, so every row meets the same warm
caches. An answer is timed in the page, from the Enter key that sends the question to the
moment its message is complete (its text, sources and notices drawn, then its thumbs: the last
thing the app draws for an answer). Printed, one row per session count: answers, their median
and slowest time, slowest ÷ alone (alone = the median of the 1-session row), and two counts
(then, for each row, the wall time of the asking, the CPU seconds the app's process and the
browser used meanwhile, and the app's peak memory so far, read from /proc):

- crossed: a turn whose page shows another question than the one this session asked, or an
  answer other than the one the same question got (the answer most sessions saw for it:
  answers are deterministic, so any other text came from somewhere else), or more messages
  than this session sent;
- failed: no complete answer within the time limit, or an error drawn instead. A decline
  (the documents do not cover it) or an urgent message is an answer.

What it leaves out. The browser runs on the same cores as the app (on a 2-core machine it takes
most of them: the CPU lines show how much, so the times are an upper bound), and so do other
people's jobs: the load average is printed with the table. Sessions ask back to back, with no
reading time between questions, which is harsher than patients are. The same questions come
again and again, so the app's cache of sentence vectors spares the model most of its work (a
question never asked before costs about 0.2-0.5 s more, alone): this measures serving the chat
more than the model. Only the chat page and the extractive answerer (the default) are
exercised; a chat model's answers are slower and mostly waiting on the model. Nothing here
asserts a time (``tests/test_bench_load.py`` checks the arithmetic, and that two sessions are
answered each in its own).
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


def row(n: int, turns: Sequence[Turn], crossings: int, alone: float | None) -> dict:
    times = [t.seconds for t in turns if t.seconds is not None]
    return {"sessions": n, "answers": len(times), "asked": len(turns), **figures(times, alone),
            "crossed": crossings, "failed": len(turns) - len(times)}


def table(rows: Sequence[dict]) -> str:
    def num(v, fmt: str, unit: str = "") -> str:
        return "-" if v is None else format(v, fmt) + unit

    lines = [f"{'sessions':>8}  {'answers':>7}  {'median s':>8}  {'slowest s':>9}  {'slowest/alone':>13}"
             f"  {'crossed':>7}  {'failed':>6}"]
    for r in rows:
        lines.append(f"{r['sessions']:>8}  {str(r['answers']) + '/' + str(r['asked']):>7}  {num(r['median'], '.2f'):>8}"
                     f"  {num(r['slowest'], '.2f'):>9}  {num(r['ratio'], '.1f', 'x'):>13}  {r['crossed']:>7}"
                     f"  {r['failed']:>6}")
    return "\n".join(lines)


def cpu_table(rows: Sequence[dict]) -> str:
    lines = [f"{'sessions':>8}  {'wall s':>6}  {'app cpu s':>9}  {'app ms/answer':>13}  {'browser cpu s':>13}"
             f"  {'app peak MB':>11}"]
    for r in rows:
        lines.append(f"{r['sessions']:>8}  {r['wall']:6.1f}  {r['server_cpu']:9.1f}"
                     f"  {1000 * r['server_cpu'] / max(r['asked'], 1):13.0f}  {r['browser_cpu']:13.1f}"
                     f"  {r.get('server_mb', 0):11.0f}")
    return "\n".join(lines)


# --- the server -------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> dict[int, tuple[int, float]]:
    """Every process's parent and CPU seconds so far (user + system), from /proc."""
    out = {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue  # gone meanwhile
            fields = stat[stat.rindex(")") + 2:].split()
            out[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return out


def cpu_split(server_pid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of each process this run started: the app's, and the browser's
    (Playwright's driver and Chromium, everything else under this process)."""
    procs, tree, todo = _processes(), {}, [(os.getpid(), "")]
    while todo:
        pid, side = todo.pop()
        for child, (parent, _) in procs.items():
            if parent == pid:
                tree[child] = "server" if child == server_pid or side == "server" else "browser"
                todo.append((child, tree[child]))
    return {pid: (side, procs[pid][1]) for pid, side in tree.items()}


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """Server and browser CPU seconds between two ``cpu_split`` readings (a process started
    in between counts from zero)."""
    used = {"server": 0.0, "browser": 0.0}
    for pid, (side, seconds) in after.items():
        used[side] += seconds - before.get(pid, (side, 0.0))[1]
    return used


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


async def ask_in_turn(page, session: int, questions: Sequence[str], answer_s: float) -> tuple[list[Turn], int]:
    """Ask each question once the previous answer is complete; the turns as the page shows
    them at the end, and how many messages it showed beyond them."""
    turns = [Turn(session, q, error="not asked: an earlier question failed") for q in questions]
    for i, turn in enumerate(turns):
        question, turn.error = turn.asked, ""
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
                       answer_s: float = ANSWER_S, server_pid: int | None = None) -> dict:
    """``n`` sessions side by side, each asking its ``count`` questions in turn: their turns,
    the messages each showed beyond them, and the wall and CPU seconds of the asking."""
    opened = await asyncio.gather(*(open_session(browser, url) for _ in range(n)))
    try:
        before, start = cpu_split(server_pid or 0), time.perf_counter()
        done = await asyncio.gather(*(ask_in_turn(page, s, asks, answer_s)
                                      for s, ((_, page), asks) in enumerate(zip(opened, plan(n, questions, count)))))
        wall, used = time.perf_counter() - start, cpu_used(before, cpu_split(server_pid or 0))
    finally:
        for context, _ in opened:
            await context.close()
    return {"sessions": [turns for turns, _ in done], "extra": [more for _, more in done], "wall": wall,
            "server_cpu": used["server"], "browser_cpu": used["browser"],
            "server_mb": vm_hwm_mb(server_pid) if server_pid else 0.0}


async def drive(url: str, session_counts: Sequence[int], count: int, questions: Sequence[str] = QUESTIONS,
                answer_s: float = ANSWER_S, warm: bool = True, server_pid: int | None = None) -> list[dict]:
    """One row per session count (``row``), with its turns under ``"turns"`` and the wall and
    CPU seconds of its asking."""
    from playwright.async_api import async_playwright

    rows, alone = [], None
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            if warm:  # each question once first: every row then meets the same warm caches
                await run_sessions(browser, url, 1, questions, len(questions), answer_s)
            for n in session_counts:
                run = await run_sessions(browser, url, n, questions, count, answer_s, server_pid)
                turns = [t for ts in run["sessions"] for t in ts]
                if n == 1:  # the time alone: what the other rows are measured against
                    alone = figures([t.seconds for t in turns if t.seconds is not None])["median"]
                r = row(n, turns, len(crossed(run["sessions"], run["extra"])), alone)
                rows.append({**r, "turns": turns, **{k: run[k] for k in ("wall", "server_cpu", "browser_cpu", "server_mb")}})
        finally:
            await browser.close()
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 8, 16],
                    help="session counts to run, in order; 1 first gives the 'alone' time")
    ap.add_argument("--questions", type=int, default=3, help=f"questions per session (of {len(QUESTIONS)})")
    ap.add_argument("--port", type=int, default=0, help="port of the app (default: a free one)")
    ap.add_argument("--root", type=Path, help="keep the index, model export and records here "
                    "(default: a temporary folder, removed afterwards)")
    args = ap.parse_args(argv)
    if not 1 <= args.questions <= len(QUESTIONS):
        ap.error(f"--questions is between 1 and {len(QUESTIONS)}")
    root = args.root or Path(tempfile.mkdtemp(prefix="rag-load-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        index(root)
        print(f"indexed corpus/ into {root} in {time.perf_counter() - t:.0f} s", flush=True)
        with serve(root, args.port or free_port()) as (url, pid):
            load = os.getloadavg()[0]
            rows = asyncio.run(drive(url, args.sessions, args.questions, QUESTIONS[:args.questions],
                                     server_pid=pid))
            load = f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"
        print(f"\n{args.questions} questions per session, {os.cpu_count()} cores, {load}")
        print(table(rows))
        print("\nwhile asking: wall seconds, CPU seconds of the app's process and of the browser (same cores), "
              "the app's peak memory so far")
        print(cpu_table(rows))
        for r in rows:
            for t in r["turns"]:
                if t.error:
                    print(f"  {r['sessions']} sessions, session {t.session}: {t.asked!r} failed: {t.error}")
        return 0 if all(r["failed"] == 0 and r["crossed"] == 0 for r in rows) else 1
    finally:
        if args.root is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
