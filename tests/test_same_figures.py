"""eval.same_figures: two collected folders compare the same unless an answer or a figure
differs; times, dates, versions and paths never count."""

import json

from eval.same_figures import COMMANDS, differences


def collected(folder, answer="Methotrexate calms the immune system. [1]", ms=12.0, lines=("led 60%",)):
    for run in ("run-scl", "run-iga"):
        (folder / run).mkdir(parents=True)
        (folder / run / "results.jsonl").write_text(json.dumps(
            {"id": "q1", "answer": {"answer": answer, "timings_ms": {"total": ms}}}) + "\n")
        (folder / run / "summary.json").write_text(json.dumps(
            {"metrics": {"hit@1": 0.9}, "latency_ms": {"p50": ms}, "provenance": {"code": str(folder)}}))
    for name in ("conv.json", "pages.json"):
        (folder / name).write_text(json.dumps({"figures": {"led": 0.6}, "elapsed": ms}))
    for name in COMMANDS:
        (folder / f"{name}.log").write_text("\n".join([*lines, f"took {ms} s", f"report: {folder}/report.md",
                                                       "as shipped in rag/x/y.py"]) + "\n")
    return folder


def test_times_dates_versions_and_paths_never_count(tmp_path):
    before = collected(tmp_path / "a", ms=12.0)
    after = collected(tmp_path / "b", ms=99.0)
    assert differences(before, after) == []


def test_a_changed_answer_or_printed_figure_is_reported(tmp_path):
    before = collected(tmp_path / "a")
    after = collected(tmp_path / "b", answer="Something else. [1]", lines=("led 61%",))
    found = differences(before, after)
    assert "run-scl: the answer to q1 differs" in found and "run-iga: the answer to q1 differs" in found
    assert any(f.startswith("triage.log:") and "led 61%" in f for f in found)
