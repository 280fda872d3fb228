"""CPU seconds of the processes a benchmark started, read from /proc (Linux): the app's
process and everything else under this one (a browser and its driver), for ``bench.load``.

Left out: other systems (no /proc: nothing is counted), threads apart, CPU of processes that
exited between two readings (their last reading is lost).
"""

from __future__ import annotations

import os
from pathlib import Path

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
