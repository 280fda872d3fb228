"""One process at a time on an embedded store: a second one is told clearly, and told how
to run several (a Chroma server). Uses real second processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.settings import PROJECT_ROOT, Settings
from rag.indexing.chroma_client import StoreError, lock_store, open_client

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}

HOLDER = """
import sys
from pathlib import Path
from rag.settings import Settings
from rag.indexing.chroma_client import open_client
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


# --- a store this process cannot write --------------------------------------------------
# Tests run as root, whom file modes do not stop, so these make the failure real by other
# means: a store path under a file (the OS refuses to make the folder), or the OS refusing
# the lock file at the one place the store opens it (what a folder owned by another user
# gives an ordinary account). They prove the refusal is one line that names the folder; they
# do not prove that Chroma could read a store it may not write (it cannot: it writes on open).


def test_a_store_under_a_file_is_refused_in_one_line_with_exit_2(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's parent folder should be\n")
    r = rag_docs(blocker / "store")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert str(blocker / "store") in lines[0] and "cannot write there" in lines[0]


def test_a_store_this_user_may_not_write_is_refused_in_one_line_with_exit_2(tmp_path, monkeypatch, capsys):
    import builtins

    import rag.indexing.chroma_client as store_module
    from rag.cli import main

    store = tmp_path / "store"
    open_client(Settings(store_dir=store))  # built earlier by its owner...
    store_module._held_locks.pop(str(store.resolve()))  # ...in another process

    def refuse_writes(path, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, mode, *args, **kwargs)

    monkeypatch.setattr(store_module, "open", refuse_writes, raising=False)
    for command in (["docs"], ["ask", "What is Raynaud's phenomenon?"]):
        code = main([*command, "--store", str(store)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith("error: The index at ")
        assert "Permission denied" in err and str(store / "rag.lock") in err


def test_a_store_held_by_another_process_is_a_typed_error_naming_the_holder(holder):
    from rag.indexing.chroma_client import StoreInUse

    store, proc = holder
    with pytest.raises(StoreInUse) as err:
        open_client(Settings(store_dir=store))
    assert err.value.holder == str(proc.pid)
