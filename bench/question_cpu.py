"""``python -m bench.question_cpu [--root DIR] [--repeat 5]``: what one question costs the
server, and whether one slow question holds up the others.

Part 1, the cost of a question. It indexes corpus/ like ``bench.load`` (same folder rules),
builds a ``Pipeline`` in this process and asks ``bench.load.QUESTIONS``: with no vectors kept
(``embed_cache_size=0``: every candidate sentence goes to the model every time), the first
time with the cache on (cold), and again (warm). Printed per mode: CPU and wall milliseconds
a question (medians over ``--repeat`` rounds) and the texts the model embedded a question.

Part 2, one slow question beside quick ones. A session's script runs in a thread; a slow
question is mostly its model call (onnxruntime, which releases the GIL while it runs) over
the passages' sentences. The quick warm questions are timed alone, then while another
thread keeps the model busy embedding sentences never seen (what a new question costs),
then while another thread runs pure Python for as long (which holds the GIL, the case a
blocking call would be). If the model held the GIL, the second would look like the third.

Left out: Streamlit itself (``bench.load`` drives the app), chat models, the other chooser
settings. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from .load import QUESTIONS, app_env, index


def build(root: Path, cache_size: int):
    os.environ.update(app_env(root))  # the benchmark's own folder, as the app's process gets it
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    return Pipeline(Settings(embed_cache_size=cache_size))


def timed(pipeline, questions) -> tuple[float, float, float]:
    """Median CPU ms, wall ms and model texts for one question of ``questions``."""
    cpu, wall, texts = [], [], []
    for q in questions:
        n, c, w = pipeline.embed.model_texts, time.process_time(), time.perf_counter()
        pipeline.ask(q)
        cpu.append(1000 * (time.process_time() - c))
        wall.append(1000 * (time.perf_counter() - w))
        texts.append(pipeline.embed.model_texts - n)
    return statistics.median(cpu), statistics.median(wall), statistics.median(texts)


def cost(root: Path, repeat: int) -> list[tuple[str, tuple[float, float, float]]]:
    rows = []
    uncached = build(root, 0)
    uncached.ask(QUESTIONS[0])  # loads the model and the index
    rows.append(("no cache (size 0)", timed(uncached, QUESTIONS * repeat)))
    cached = build(root, 20_000)
    cached.ask("What is scleroderma?")  # loads; its sentences are not the ones measured
    rows.append(("cache on, first time", timed(cached, QUESTIONS)))
    rows.append(("cache on, warm", timed(cached, QUESTIONS * repeat)))
    return rows


def beside(pipeline, busy, rounds: int) -> float:
    """Median wall ms of a warm question while ``busy`` runs in another thread (None: alone)."""
    stop, times = threading.Event(), []
    worker = threading.Thread(target=lambda: [busy() for _ in iter(stop.is_set, True)]) if busy else None
    if worker:
        worker.start()
        time.sleep(0.2)
    try:
        for q in QUESTIONS * rounds:
            start = time.perf_counter()
            pipeline.ask(q)
            times.append(1000 * (time.perf_counter() - start))
    finally:
        stop.set()
        if worker:
            worker.join()
    return statistics.median(times)


def slow_beside_quick(root: Path, rounds: int) -> list[tuple[str, float]]:
    pipeline = build(root, 20_000)
    for q in QUESTIONS:
        pipeline.ask(q)
    model, counter = pipeline.embed.loaded(), iter(range(10**9))
    sentences = lambda: [f"Sentence {next(counter)} about stiff hands, tight skin and cold fingers in winter."  # noqa: E731
                         for _ in range(60)]

    def spin() -> None:  # pure Python for about as long as one model call on 60 sentences
        end = time.perf_counter() + 0.3
        while time.perf_counter() < end:
            sum(i * i for i in range(1000))

    return [("alone", beside(pipeline, None, rounds)),
            ("beside a model call on 60 new sentences (GIL released)", beside(pipeline, lambda: model.embed(sentences()), rounds)),
            ("beside pure Python (GIL held)", beside(pipeline, spin, rounds))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.question_cpu", description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, help="keep the index and model export here (default: a temporary folder)")
    ap.add_argument("--repeat", type=int, default=5, help="rounds of the questions for the warm figures")
    args = ap.parse_args(argv)
    root = args.root or Path(tempfile.mkdtemp(prefix="rag-question-cpu-"))
    try:
        index(root)
        print(f"{len(QUESTIONS)} questions, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
        print(f"{'one question':<24}  {'CPU ms':>7}  {'wall ms':>7}  {'texts embedded':>14}")
        for name, (cpu, wall, texts) in cost(root, args.repeat):
            print(f"{name:<24}  {cpu:7.1f}  {wall:7.1f}  {texts:14.0f}")
        print("\na warm question's wall ms, median:")
        for name, ms in slow_beside_quick(root, args.repeat):
            print(f"  {name:<56} {ms:7.1f}")
        print(f"load average {os.getloadavg()[0]:.1f}")
        return 0
    finally:
        if args.root is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
