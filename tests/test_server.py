"""Server mode: the same pipeline against a real `chroma run` server, chosen by settings only.

Starts the venv's ``chroma`` CLI on a free local port with a temporary data folder, waits
(bounded) for its heartbeat, and always stops it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.local_server import free_port, stop, wait_until_healthy
from conftest import CORPUS, cites_evidence
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.indexing.chroma_client import StoreError

pytestmark = pytest.mark.server

STARTUP_LIMIT_S = 60


def chroma_cli() -> str:
    local = Path(sys.executable).with_name("chroma")
    found = str(local) if local.exists() else shutil.which("chroma")
    if not found:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    return found


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """(host, port) of a fresh `chroma run` server, stopped after the module."""
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([chroma_cli(), "run", "--path", str(data / "db"), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(f"http://localhost:{port}/api/v2/heartbeat", proc, data / "server.log",
                           STARTUP_LIMIT_S, "chroma run")
        yield "localhost", port
    finally:
        stop(proc, group=True)
        log.close()


def server_settings(server, tmp_path: Path, **overrides) -> Settings:
    host, port = server
    return Settings(chroma_host=host, chroma_port=port, store_dir=tmp_path / "unused",
                    cache_dir=tmp_path / "cache", **overrides)


def test_ingest_answer_and_reingest_against_a_server(chroma_server, tmp_path, embedder):
    settings = server_settings(chroma_server, tmp_path, collection="server-test")
    pipeline = Pipeline(settings, embedder=embedder)
    first = pipeline.ingest([CORPUS])
    assert first.added and not first.failed and first.passages_written > 0
    assert not (tmp_path / "unused").exists()  # nothing embedded was opened

    answer = pipeline.ask("What is nintedanib used for?").to_json()
    assert answer["kind"] == "answered"
    assert cites_evidence(answer, ["nintedanib"])

    again = pipeline.ingest([CORPUS])
    assert not again.changed and again.passages_written == 0
    assert sorted(again.unchanged) == sorted(first.added)
    assert [e.doc_id for e in pipeline.documents()] == sorted(first.added)


def test_another_process_sees_the_same_index_and_ranking(chroma_server, tmp_path, embedder):
    """Two clients of one server (here two pipelines with separate caches, as two machines
    would have) get the same ranking: the lexical index is rebuilt from the server's
    contents, keyed by its revision."""
    writer = Pipeline(server_settings(chroma_server, tmp_path / "a", collection="shared"), embedder=embedder)
    writer.ingest([CORPUS])
    reader = Pipeline(server_settings(chroma_server, tmp_path / "b", collection="shared"), embedder=embedder)
    query = "how is Raynaud's treated"
    ranked = lambda p: [(x.chunk.chunk_id, round(x.score, 5)) for x in p.search(query, 5).passages]
    assert ranked(reader) == ranked(writer) and len(ranked(reader)) == 5

    removed = writer.documents()[0].doc_id
    writer.remove(removed)  # a change made through one client...
    assert all(x.chunk.doc_id != removed for x in reader.search(query, 20).passages)  # ...reaches the other


def test_an_unreachable_server_is_a_clear_error(tmp_path, embedder):
    settings = Settings(chroma_host="localhost", chroma_port=free_port(), cache_dir=tmp_path)
    with pytest.raises(StoreError, match="Cannot reach the Chroma server"):
        Pipeline(settings, embedder=embedder)
