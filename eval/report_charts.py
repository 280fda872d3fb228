"""The run's PNG charts: scores by topic, reading level of the answers, and time to answer.

``CHARTS`` names the files, which the report links. Charts are drawn with matplotlib's
object API on the Agg backend (no display, safe inside the Streamlit server's threads).

Left out: the text of the report (``eval.report``), and the educator page's charts, drawn
natively from the summary (``eval.page_charts``).
"""

from __future__ import annotations

from pathlib import Path

CHARTS = {
    "categories": "per_category.png",
    "readability": "readability.png",
    "latency": "latency.png",
}


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def draw_charts(out: Path, results: list[dict], summary: dict) -> None:
    _categories_chart(out / CHARTS["categories"], summary["per_category"])
    _readability_chart(out / CHARTS["readability"], results)
    _latency_chart(out / CHARTS["latency"], results)


def _categories_chart(path: Path, per_category: dict) -> None:
    cats = list(per_category)
    fig = _figure(8, 0.35 * max(len(cats), 4) + 1.2)
    ax = fig.add_subplot()
    y = range(len(cats))
    right = [100 * (per_category[c]["decision_accuracy"] or 0) for c in cats]
    cited = [100 * (per_category[c]["citation_recall"] or 0) if per_category[c]["citation_recall"] is not None
             else 0 for c in cats]
    ax.barh([i + 0.2 for i in y], right, height=0.4, label="Right kind of reply", color="#1f6f8b")
    ax.barh([i - 0.2 for i in y], cited, height=0.4, label="Cites the evidence", color="#99c24d")
    ax.set_yticks(list(y), [f"{c} ({per_category[c]['questions']})" for c in cats])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of questions in the topic")
    ax.set_title("Scores by topic (number of questions in brackets)")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path)


def _readability_chart(path: Path, results: list[dict]) -> None:
    scores = [r["metrics"]["readability"] for r in results if r["metrics"].get("readability")]
    fig = _figure(9, 3.2)
    for i, (key, title, target) in enumerate((("fk_grade", "Reading grade (Flesch-Kincaid)", 8),
                                              ("reading_ease", "Reading ease (Flesch)", 60),
                                              ("smog", "SMOG grade", 8)), 1):
        ax = fig.add_subplot(1, 3, i)
        values = [s[key] for s in scores]
        if values:
            ax.hist(values, bins=12, color="#1f6f8b")
            ax.axvline(target, color="#d1495b", linestyle="--", label=f"target {target}")
            ax.legend(fontsize="x-small")
        ax.set_title(title, fontsize="small")
        ax.set_xlabel("score", fontsize="small")
    fig.axes[0].set_ylabel("answers")
    fig.tight_layout()
    fig.savefig(path)


def _latency_chart(path: Path, results: list[dict]) -> None:
    import numpy as np

    values = [r["metrics"]["latency_ms"] for r in results if r["metrics"]["latency_ms"]]
    fig = _figure(6, 3.2)
    ax = fig.add_subplot()
    if values:
        # Log-spaced bins: most answers take tens of milliseconds, a few take seconds.
        lo, hi = max(min(values), 1.0), max(max(values), 2.0)
        ax.hist(values, bins=np.geomspace(lo, hi * 1.01, 25), color="#1f6f8b")
        ax.set_xscale("log")
        for q, style in ((50, "-"), (95, "--")):
            v = float(np.percentile(values, q))
            ax.axvline(v, color="#d1495b", linestyle=style, label=f"p{q}: {v:.0f} ms")
        ax.legend(fontsize="small")
    ax.set_xlabel("milliseconds per question (log scale)")
    ax.set_ylabel("questions")
    ax.set_title("Time to answer")
    fig.tight_layout()
    fig.savefig(path)
