"""A server process on this machine, for the load benchmark and the tests that drive one:
a free port, waiting until its health address answers, and stopping it.

Used by ``bench.load`` (``streamlit run``), ``tests/test_browser.py`` (``streamlit run``) and
``tests/test_server.py`` (``chroma run``). Left out: starting the process, whose command,
environment and log differ in each.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


class ServerFailed(RuntimeError):
    """The server exited, or never answered its health address; the message holds its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(health_url: str, proc: subprocess.Popen, log: Path, limit_s: float, what: str) -> None:
    """Return once ``health_url`` answers 200; ``ServerFailed`` if ``proc`` exits first or
    ``limit_s`` seconds pass (a generous bound for a slow machine, not a measurement)."""
    deadline = time.monotonic() + limit_s
    while True:
        if proc.poll() is not None:
            raise ServerFailed(f"{what} exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(health_url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise ServerFailed(f"{what} was not healthy after {limit_s:g} s:\n{log.read_text()}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, group: bool = False) -> None:
    """Terminate ``proc`` (its whole process group with ``group``), killing it if it has not
    ended within 20 s."""
    if proc.poll() is not None:
        return

    def send(sig: int) -> None:
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=20)
