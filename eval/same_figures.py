"""Did a change move any evaluation figure? For refactors that must not change behaviour.

    python -m eval.same_figures collect OUT          # every figure of this checkout into OUT
    python -m eval.same_figures compare BEFORE AFTER # exit 1 if any answer or figure differs

``collect`` runs, one after the other (the embedded store is one process's at a time), the
evaluation of both committed corpora (``eval run``), the triage table, the conversations,
long messages, approved-answer matching and the patient-page benchmark, each into OUT.
``compare`` reads two such folders: every answer of both runs, every summary, the JSON
figures and the printed tables, with times, dates, code versions and paths left out.

To compare two commits, check the earlier one out in a worktree (``git worktree add``) and
run ``collect`` from each. Left out: the benchmarks in ``bench/``, which measure speed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

IGA = "eval/corpora/iga-nephropathy"
COMMANDS = {  # name -> arguments after ``python -m`` ({out} is the output folder)
    "run-scl": ["eval", "run", "--quiet", "--store", "{out}/store-scl", "--out", "{out}/run-scl"],
    "run-iga": ["eval", "run", "--quiet", "--corpus", IGA, "--questions", f"{IGA}/questions.jsonl",
                "--store", "{out}/store-iga", "--out", "{out}/run-iga"],
    "triage": ["eval.triage", "--no-timing"],
    "conv": ["eval.conversation", "--json", "{out}/conv.json", "--store", "{out}/store-scl"],
    "long": ["eval.long_messages"],
    "approved": ["eval.approved"],
    "pages": ["eval.pages", "--json", "{out}/pages.json"],
}
# Keys whose values are times, dates, versions or paths: never behaviour.
NOT_BEHAVIOUR = re.compile(r"latency|timing|_ms$|^ms$|seconds|elapsed|provenance|^when$|^code$|^store$|^at$|^out$")
# Printed lines that report a time.
TIMED_LINE = re.compile(r"(?i)time to answer|took|elapsed|per second")


def collect(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for name, args in COMMANDS.items():
        argv = [sys.executable, "-m", *(a.format(out=out) for a in args)]
        print(f"{name}: {' '.join(argv[1:])}", flush=True)
        with open(out / f"{name}.log", "w", encoding="utf-8") as log:
            subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)


def behaviour(value):
    """``value`` with every time, date, version and path left out."""
    if isinstance(value, dict):
        return {k: behaviour(v) for k, v in value.items() if not NOT_BEHAVIOUR.search(k)}
    if isinstance(value, list):
        return [behaviour(v) for v in value]
    return value


def printed(path: Path, folder: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if TIMED_LINE.search(line):
            continue
        line = re.sub(r"\brag/[\w/]+\.py\b", "MODULE", line.replace(str(folder), "OUT"))  # a file moved, not a figure
        lines.append(re.sub(r"\b\d+(?:\.\d+)?\s*(?:ms|s)\b", "T", line))
    return lines


def differences(before: Path, after: Path) -> list[str]:
    """What differs between two ``collect`` folders, one line each (none: the same)."""
    found = []
    for run in ("run-scl", "run-iga"):
        a = [behaviour(json.loads(x)) for x in (before / run / "results.jsonl").read_text().splitlines()]
        b = [behaviour(json.loads(x)) for x in (after / run / "results.jsonl").read_text().splitlines()]
        if len(a) != len(b):
            found.append(f"{run}: {len(a)} answers before, {len(b)} after")
        found += [f"{run}: the answer to {x.get('id')} differs" for x, y in zip(a, b) if x != y]
        sa, sb = (behaviour(json.loads((f / run / "summary.json").read_text())) for f in (before, after))
        found += [f"{run}: summary figure {k} differs" for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)]
    for name in ("conv.json", "pages.json"):
        if behaviour(json.loads((before / name).read_text())) != behaviour(json.loads((after / name).read_text())):
            found.append(f"{name} differs")
    for name in COMMANDS:
        a, b = printed(before / f"{name}.log", before), printed(after / f"{name}.log", after)
        found += [f"{name}.log: {x!r} -> {y!r}" for x, y in zip(a, b) if x != y]
        if len(a) != len(b):
            found.append(f"{name}.log: {len(a)} lines before, {len(b)} after")
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.same_figures", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("collect").add_argument("out", type=Path)
    cmp = sub.add_parser("compare")
    cmp.add_argument("before", type=Path)
    cmp.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.command == "collect":
        collect(args.out.resolve())
        return 0
    found = differences(args.before, args.after)
    print("\n".join(found) if found else "the same: every answer and every figure")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
