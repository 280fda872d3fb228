"""Plain language, measured: the question set answered with and without the plain-language
stage in one run, the figures side by side.

The target (issue 6): the median Flesch-Kincaid grade of answered questions at most 8, with
no loss in cited evidence against the same run without simplification. Both runs use the
same index, model and questions; only ``plain_language`` differs.

Left out: per-question output (``python -m eval run`` writes that for the default settings).
"""

from __future__ import annotations

from pathlib import Path

from rag.pipeline import Pipeline
from rag.settings import Settings

from .questions import load_questions
from .runner import Progress, evaluate, evaluation_settings

# (metric in summary["metrics"], label, format)
ROWS = [
    ("fk_grade_median", "Reading grade of answers, median (Flesch-Kincaid)", "{:.1f}"),
    ("reading_ease_median", "Reading ease, median (higher is easier)", "{:.0f}"),
    ("smog_median", "SMOG grade, median", "{:.1f}"),
    ("citation_recall", "Answers that cite a passage with the evidence", "{:.0%}"),
    ("citation_precision", "Cited passages that hold evidence", "{:.0%}"),
    ("grounded_supported", "Answer sentences supported by their passage", "{:.0%}"),
    ("decision_accuracy", "Right kind of reply", "{:.0%}"),
    ("fact_coverage", "Expected facts conveyed", "{:.0%}"),
    ("led_by_answer", "Answers whose first two sentences answer the question", "{:.0%}"),
    ("filler_share", "Answer sentences that are filler", "{:.0%}"),
    ("chain_breaks", "Sentences pointing back to the wrong sentence", "{}"),
]


def compare_plain(settings: Settings, questions_path: Path, store: Path | None = None,
                  progress: Progress | None = None, corpus: Path | None = None) -> dict[str, dict]:
    """Evaluate ``questions_path`` twice, with and without plain language. Returns
    {"plain": summary, "quoted": summary} plus the count of answered questions whose
    evidence was cited in each ("evidence_cited")."""
    questions = load_questions(Path(questions_path))
    settings = evaluation_settings(settings, store, corpus)
    pipeline = Pipeline(settings)
    pipeline.ingest([settings.corpus_dir])
    out = {}
    for name, plain in (("quoted", False), ("plain", True)):
        pipeline.settings = settings.model_copy(update={"plain_language": plain})
        results, summary = evaluate(pipeline, questions, progress)
        summary["evidence_cited"] = sum(
            1 for r in results if r["expect"] == "answered" and (r["metrics"]["citations"] or {}).get("evidence_cited"))
        summary["answered"] = sum(1 for r in results if r["answer"].get("kind") == "answered")
        out[name] = summary
    return out


def format_comparison(runs: dict[str, dict]) -> str:
    """A plain table: one row per figure, the run without and with plain language."""
    quoted, plain = runs["quoted"], runs["plain"]
    width = max(len(label) for _, label, _ in ROWS) + 2
    lines = [f"{'':<{width}}{'quoted':>10}{'plain':>10}"]

    def cell(value, form):
        return "-" if value is None else form.format(value)

    for key, label, form in ROWS:
        lines.append(f"{label:<{width}}{cell(quoted['metrics'].get(key), form):>10}"
                     f"{cell(plain['metrics'].get(key), form):>10}")
    for key, label in (("answered", "Questions answered"), ("evidence_cited", "Answers citing the evidence (count)")):
        lines.append(f"{label:<{width}}{quoted[key]:>10}{plain[key]:>10}")
    grade = plain["metrics"].get("fk_grade_median")
    kept = plain["evidence_cited"] >= quoted["evidence_cited"]
    lines.append("")
    lines.append(f"target: median grade <= 8 ({'met' if grade is not None and grade <= 8 else 'not met'}); "
                 f"cited evidence kept ({'yes' if kept else 'no'})")
    return "\n".join(lines)
