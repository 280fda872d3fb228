"""One process at a time on an embedded store: a second one is told clearly, and told how
to run several (a Chroma server). Uses real second processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.settings import PROJECT_ROOT, Settings
from rag.store import StoreError, lock_store, open_client

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}

HOLDER = """
import sys
from pathlib import Path
from rag.settings import Settings
from rag.store import open_client
open_client(Settings(store_dir=Path(sys.argv[1])))
print("holding", flush=True)
sys.stdin.read()  # hold the store until the test closes our stdin
"""


def rag_docs(store):
    return subprocess.run([sys.executable, "-m", "rag", "docs", "--store", str(store)],
                          capture_output=True, text=True, env=ENV, cwd=PROJECT_ROOT, timeout=120)


@pytest.fixture
def holder(tmp_path):
    """A separate process that has the store at tmp_path/store open."""
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            cwd=PROJECT_ROOT)
    try:
        assert proc.stdout.readline().strip() == "holding", proc.stderr.read()
        yield store, proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_second_process_is_refused_with_the_holder_and_the_way_out(holder):
    store, proc = holder
    r = rag_docs(store)
    assert r.returncode == 1
    assert "in use by another process" in r.stderr
    assert f"pid {proc.pid}" in r.stderr
    assert "RAG_CHROMA_HOST" in r.stderr and "chroma run" in r.stderr


def test_the_store_is_free_again_once_the_holder_exits(holder):
    store, proc = holder
    assert rag_docs(store).returncode == 1
    proc.stdin.close()
    proc.wait(timeout=30)
    r = rag_docs(store)
    assert r.returncode == 0, r.stderr


def test_this_process_can_open_its_own_store_again(tmp_path):
    settings = Settings(store_dir=tmp_path / "store")
    first = open_client(settings)
    second = open_client(settings)  # tests and the app open one store several times
    assert first.heartbeat() and second.heartbeat()
    r = rag_docs(tmp_path / "store")  # ...but another process still cannot
    assert r.returncode == 1 and f"pid {os.getpid()}" in r.stderr


def test_this_process_is_refused_a_store_another_holds(holder):
    store, proc = holder
    with pytest.raises(StoreError, match=f"pid {proc.pid}"):
        lock_store(store)
