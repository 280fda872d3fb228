"""``python -m rag approved add|list|remove|export|import``, run as an operator would, and
``rag ask --json`` carrying ``approved`` when it serves an approved answer."""

import json
import os
import subprocess
import sys

from tests.test_approved import RITUXIMAB


def rag(*args, env=None, check=True):
    r = subprocess.run([sys.executable, "-m", "rag", *args], capture_output=True, text=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, timeout=300)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_an_operator_adds_lists_exports_removes_and_imports_approved_answers(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "rituximab.md").write_text(RITUXIMAB)
    store, records = ["--store", str(tmp_path / "store")], ["--records", str(tmp_path / "records.sqlite3")]
    env = {"RAG_RECORDS_PATH": str(tmp_path / "records.sqlite3")}
    rag("ingest", str(tmp_path / "docs"), *store)
    chunk = json.loads(rag("search", "rituximab side effects", "--json", *store).stdout)["results"][0]["chunk_id"]

    approved_id = rag("approved", "add", "What are the side effects of rituximab?", "--educator", "Dana",
                      "--say", "Some people get chills or a rash during the drip.", "--cite", chunk,
                      *store, *records).stdout.strip()
    refused = rag("approved", "add", "What is rituximab?", "--educator", "Dana", "--say", "A medicine.",
                  "--cite", "no-such-passage", *store, *records, check=False)
    assert refused.returncode == 2 and "not an indexed passage" in refused.stderr

    out = json.loads(rag("ask", "What side effects can rituximab cause?", "--json", *store, env=env).stdout)
    assert out["approved"]["id"] == int(approved_id)
    assert out["approved"]["question"] == "What are the side effects of rituximab?" and out["approved"]["approved_on"]
    assert out["answer"] == "Some people get chills or a rash during the drip. [1]"

    listed = rag("approved", "list", *records).stdout
    assert "What are the side effects of rituximab?" in listed and "Dana" in listed and "0 times" in listed  # the command line records no answers

    exported = tmp_path / "approved.jsonl"
    rag("approved", "export", str(exported), *records)
    [line] = exported.read_text().splitlines()
    assert json.loads(line)["versions"][0]["educator"] == "Dana"

    rag("approved", "remove", approved_id, *records)
    assert rag("approved", "list", *records).stdout == ""
    assert json.loads(rag("ask", "What side effects can rituximab cause?", "--json", *store,
                          env=env).stdout)["approved"] is None
    rag("approved", "import", str(exported), *records)
    assert "What are the side effects of rituximab?" in rag("approved", "list", *records).stdout
