"""The command line and its JSON contract, run as a user would (real subprocesses)."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import CORPUS

CITATION_FIELDS = {"n", "doc_id", "title", "location", "text", "score"}


def rag(*args, stdin=None, store=None, check=True):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "rag", *args] + (["--store", str(store)] if store else [])
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = tmp_path_factory.mktemp("cli-store")
    r = rag("ingest", str(CORPUS), "--json", store=s)
    report = json.loads(r.stdout)
    assert len(report["added"]) == len(list(CORPUS.iterdir())) and report["passages_written"] > 0
    # the summary tells the whole time: indexing, then the starter questions, within the wall time
    # (each figure is rounded to 0.01 s, so their sum may pass the rounded wall time by that much)
    assert 0 < report["starter_seconds"] and report["seconds"] + report["starter_seconds"] <= report["wall_seconds"] + 0.01
    return s


def test_ask_json_contract(store):
    out = json.loads(rag("ask", "What is nintedanib used for?", "--json", store=store).stdout)
    assert {"question", "kind", "answer", "citations", "notices", "timings_ms"} <= set(out)
    assert out["kind"] == "answered"
    assert out["citations"] and CITATION_FIELDS <= set(out["citations"][0])
    assert "[1]" in out["answer"]
    assert out["timings_ms"]["total"] > 0


def test_search_json_contract(store):
    out = json.loads(rag("search", "HSCT risks", "--k", "4", "--json", store=store).stdout)
    assert out["query"] == "HSCT risks" and len(out["results"]) == 4
    assert [r["n"] for r in out["results"]] == [1, 2, 3, 4]
    assert CITATION_FIELDS <= set(out["results"][0])


def test_stdin_batch_reads_lines_and_json_lines(store):
    lines = "\n".join([
        "what is methotrexate",
        json.dumps({"question": "is it safe?", "history": [{"role": "user", "content": "what is a stem cell transplant?"}]}),
        "",
        "{broken json",
        "I have chest pain right now",
    ])
    out = [json.loads(l) for l in rag("ask", stdin=lines, store=store).stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["kind"] == "answered"
    assert "stem cell" in out[1]["query"].lower()
    assert "error" in out[2]
    assert out[3]["kind"] == "urgent"


def test_search_batch(store):
    out = [json.loads(l) for l in rag("search", "--k", "2", stdin="nintedanib\n{\"query\": \"gene therapy\"}\n", store=store).stdout.splitlines()]
    assert [o["query"] for o in out] == ["nintedanib", "gene therapy"]
    assert all(len(o["results"]) == 2 for o in out)


def test_readable_output_shows_sources_and_notice(store):
    text = rag("ask", "what does occupational therapy do?", store=store).stdout
    assert "Sources:" in text and "[1]" in text and "not medical advice" in text


def test_an_empty_question_is_a_usage_error(store):
    r = rag("ask", "   ", "--json", store=store, check=False)
    assert r.returncode == 2 and json.loads(r.stdout)["kind"] == "invalid"


def test_docs_lists_the_index_and_ingest_again_changes_nothing(store):
    docs = json.loads(rag("docs", "--json", store=store).stdout)
    assert sorted(d["doc_id"] for d in docs) == ["glossary.md", "scleroderma-clinical-trials-overview.txt",
                                                "scleroderma-treatment-review.txt"]
    again = json.loads(rag("ingest", str(CORPUS), "--json", store=store).stdout)
    assert again["unchanged"] == 3 and again["passages_written"] == 0


def test_bad_files_are_reported_by_name(tmp_path):
    (tmp_path / "good.txt").write_text("Physical therapy keeps joints moving and muscles strong in scleroderma.")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7 nothing else")
    r = rag("ingest", str(tmp_path), store=tmp_path / "store", check=False)
    assert r.returncode == 0
    assert "not indexed: bad.pdf" in r.stdout and "1 added" in r.stdout


def test_check_validates_settings_and_prompts():
    assert "valid" in rag("check").stdout


def test_history_that_is_not_json_is_a_one_line_usage_error(tmp_path):
    for bad in ("notjson", '{"role": "user"}'):
        r = rag("ask", "what is scleroderma?", "--history", bad, store=tmp_path, check=False)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "--history" in r.stderr


@pytest.mark.parametrize("k", ["-5", "0", "two"])
def test_search_refuses_a_k_that_is_not_a_positive_whole_number(k, tmp_path):
    r = rag("search", "nintedanib", "--k", k, store=tmp_path, check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--k" in r.stderr


def test_a_reader_that_stops_early_ends_the_command_quietly(store):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "rag", "search", "nintedanib", "--k", "5", "--store", str(store)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # like `| head` exiting before the results are printed
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_stdin_that_is_not_utf8_comes_back_as_valid_utf8(store):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-m", "rag", "search", "--k", "1", "--store", str(store)],
                       input=b"nintedanib \xff\xfe lung\n", capture_output=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.decode("utf-8"))  # strict: fails on invalid UTF-8
    assert out["query"] == "nintedanib \ufffd\ufffd lung"


def test_check_masks_the_chroma_token():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_CHROMA_TOKEN": "s3cret-chroma-token"}
    r = subprocess.run([sys.executable, "-m", "rag", "check"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "s3cret-chroma-token" not in r.stdout
    line = next(l for l in r.stdout.splitlines() if "RAG_CHROMA_TOKEN" in l)
    assert "set, hidden" in line


def test_the_files_the_readme_says_hold_secrets_are_git_ignored():
    from tests.conftest import PROJECT_ROOT

    for secret_file in (".env", ".streamlit/secrets.toml"):
        r = subprocess.run(["git", "check-ignore", "-q", secret_file], cwd=PROJECT_ROOT)
        assert r.returncode == 0, f"{secret_file} is not git-ignored"


def test_a_batch_line_whose_history_is_not_a_list_is_an_error_line_and_the_batch_goes_on(store):
    lines = "\n".join([json.dumps({"question": "what is nintedanib?", "history": 5}),
                       "what is methotrexate"])
    out = [json.loads(l) for l in rag("ask", stdin=lines, store=store).stdout.splitlines()]
    assert len(out) == 2
    assert "history" in out[0]["error"]
    assert out[1]["kind"] == "answered"
