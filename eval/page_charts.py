"""The educator Evaluation page's charts, as Altair (Vega-Lite) charts built from a run's
``summary.json``: scores by topic, reading level of the answers, and time to answer.

Streamlit draws them natively (``st.altair_chart``; Vega-Lite ships inside Streamlit's
frontend, so nothing is fetched): readable type at any width, and a tooltip on every bar.
Every function here is pure (summary data in, a chart or table rows out). ``charts`` gives
each chart with something to draw as a ``PageChart``: its heading, a paragraph on how to
read it, and the chart. ``confusion_rows`` gives the "what the bot did" table in words, with
short column labels (``OUTCOME_SHORT``) and ``outcome_help`` their meanings.

Left out: the PNG charts of the Markdown report (``eval.report_charts``), which stays a file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt

from .report_labels import EXPECTED_WORDS, OUTCOME_WORDS, how_many, label

# The figures drawn per topic, from ``summary["per_category"]``.
TOPIC_FIGURES = ("decision_accuracy", "citation_recall")
# The school grades patient materials aim for.
TARGET_GRADES = (6, 8)
# Reading-level measures drawn, from ``summary["readability"]``; all on a school-grade scale.
GRADES = {"fk_grade": "Reading grade (Flesch-Kincaid)", "smog": "SMOG grade (long words)"}
# What the bot did, in words short enough for a table column.
OUTCOME_SHORT = {"answered": "answered", "advice": "info + referral", "not_found": "said not found",
                 "urgent": "urgent care", "invalid": "refused", "error": "failed"}
_OUTCOME_HELP = {"answered": "answered from the documents",
                 "advice": "gave general information and a referral to the care team",
                 "not_found": "said the documents don't cover it", "urgent": "sent the patient to urgent care",
                 "invalid": "refused the message (empty, too long or not in English)",
                 "error": "failed with an error"}
KIND_COLUMN = "kind of question"


@dataclass(frozen=True)
class PageChart:
    """A chart with its heading and one paragraph on how to read it, in plain words."""
    title: str
    explanation: str
    chart: alt.TopLevelMixin


_LABELS = {"labelFontSize": 13, "titleFontSize": 14}
# An axis label in milliseconds under a second, in seconds from one second up.
_SECONDS = "datum.value >= 1000 ? format(datum.value / 1000, ',') + ' s' : format(datum.value, ',') + ' ms'"
_COLORS = ["#1f6f8b", "#99c24d"]


def topic_name(category: str) -> str:
    """A topic as people read it: "clinical-trials-basics" -> "clinical trials basics"."""
    return category.replace("-", " ").replace("_", " ")


def topic_rows(per_category: dict) -> list[dict]:
    """One row per topic and figure with a value; a figure a topic has no questions for
    (no answerable question to cite evidence for) is left out rather than drawn as 0."""
    rows = []
    for category, c in per_category.items():
        for name in TOPIC_FIGURES:
            if c.get(name) is None:
                continue
            rows.append({"topic": f"{topic_name(category)} ({how_many(c.get('questions', 0))})",
                         "figure": label(name), "share": c[name], "value": f"{100 * c[name]:.0f}%"})
    return rows


def topic_scores(per_category: dict | None) -> PageChart | None:
    """Horizontal bars: for each topic, the share of its questions given the right kind of
    reply and the share whose answer cites the evidence, side by side."""
    rows = topic_rows(per_category or {})
    if not rows:
        return None
    topics = list(dict.fromkeys(r["topic"] for r in rows))
    figures = [label(n) for n in TOPIC_FIGURES]
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("topic:N", sort=topics, title=None, axis=alt.Axis(labelLimit=360, **_LABELS)),
        yOffset=alt.YOffset("figure:N", sort=figures),
        tooltip=[alt.Tooltip("topic:N", title="Topic"), alt.Tooltip("figure:N", title="Figure"),
                 alt.Tooltip("value:N", title="Share")])
    inside = alt.datum.share >= 0.15  # the number fits inside its bar; else it follows the bar
    chart = alt.layer(
        # a pale track to 100% behind every bar, so 0% reads as an empty track, not a gap
        base.mark_bar(color="#e8eef1").encode(x=alt.X("full:Q"), x2=alt.X2("share:Q")).transform_calculate(full="1"),
        base.mark_bar().encode(
            x=alt.X("share:Q", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%", title="Share of the topic's questions", **_LABELS)),
            color=alt.Color("figure:N", sort=figures, scale=alt.Scale(domain=figures, range=_COLORS),
                            legend=alt.Legend(title=None, orient="top", labelFontSize=13, labelLimit=400))),
        base.mark_text(align="right", dx=-4, fontSize=12, color="white").encode(
            x="share:Q", text="value:N").transform_filter(inside),
        base.mark_text(align="left", dx=4, fontSize=12, color="#333333").encode(
            x="share:Q", text="value:N").transform_filter(~inside),
    ).properties(height=100 + 36 * len(topics))
    return PageChart("Scores by topic", "For each topic (number of questions in brackets), the share of "
                     "its questions given the right kind of reply, and of those the documents answer, "
                     "the share whose answer cites a passage holding the evidence. A topic with no "
                     "question the documents answer has no evidence bar.", chart)


def spread_rows(distributions: dict, names: dict) -> list[dict]:
    """One row per measure from ``eval.metrics_summary.distribution`` figures (n, min, p10,
    median, p90, max); a measure with no values is left out."""
    return [{"measure": title, "lowest": d["min"], "p10": d["p10"], "median": d["median"],
             "p90": d["p90"], "highest": d["max"], "answers": d["n"]}
            for key, title in names.items() if (d := distributions.get(key) or {}).get("n")]


def _spread(rows: list[dict], fmt: str, scale: alt.Scale, axis: alt.Axis, unit: str,
            suffix: str = "") -> alt.LayerChart:
    """Each measure as a thin line from lowest to highest, a thick bar over the middle 80%
    (10th to 90th percentile) and a dark mark with its number at the typical (median) value."""
    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("measure:N", sort=[r["measure"] for r in rows], title=None,
                axis=alt.Axis(labelLimit=260, **_LABELS)),
        tooltip=[alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("median:Q", title="Typical (median)", format=fmt),
                 alt.Tooltip("p10:Q", title="Middle 80% from", format=fmt),
                 alt.Tooltip("p90:Q", title="Middle 80% to", format=fmt),
                 alt.Tooltip("lowest:Q", title="Lowest", format=fmt),
                 alt.Tooltip("highest:Q", title="Highest", format=fmt),
                 alt.Tooltip("answers:Q", title=unit)])
    x = alt.X("lowest:Q", scale=scale, axis=axis)
    return alt.layer(
        base.mark_rule(color="#7a7a7a", strokeWidth=2).encode(x=x, x2="highest:Q"),
        base.mark_bar(color=_COLORS[0], opacity=0.75, size=22).encode(x=alt.X("p10:Q"), x2="p90:Q"),
        base.mark_tick(color="#14213d", thickness=4, size=32).encode(x=alt.X("median:Q")),
        base.mark_text(dy=-24, fontSize=13, fontWeight="bold", color="#14213d").encode(
            x=alt.X("median:Q"), text="typical:N").transform_calculate(
            typical=f"format(datum.median, '{fmt}') + '{suffix}'"),
    )


def reading_level(readability: dict | None) -> PageChart | None:
    """The answers' school grades (Flesch-Kincaid, SMOG) as spreads, over a shaded band at
    grades 6 to 8, what patient materials aim for."""
    rows = spread_rows(readability or {}, GRADES)
    if not rows:
        return None
    low, high = TARGET_GRADES
    top = max(16, max(r["highest"] for r in rows))
    band = alt.Chart(alt.Data(values=[{"from": low, "to": high, "aim": f"aim: grade {low} to {high}"}]))
    target = alt.layer(
        band.mark_rect(color="#2a9d8f", opacity=0.18).encode(x=alt.X("from:Q"), x2="to:Q"),
        band.mark_text(align="left", baseline="bottom", dx=4, dy=-4, fontSize=13, color="#1b6e64").encode(
            x=alt.X("from:Q"), y=alt.value({"expr": "height"}), text="aim:N"),
    )
    chart = alt.layer(target, _spread(rows, ".1f", alt.Scale(domain=[0, top], nice=False),
                                      alt.Axis(title="School grade needed to follow the answer", **_LABELS),
                                      "Answers"))
    return PageChart("Reading level of the answers", (
        f"The school grade a reader needs to follow each of the {how_many(rows[0]['answers'], 'answer')}. "
        "The number marks the typical answer, the thick bar the middle 80% of answers, the thin "
        f"line the easiest to the hardest. Green: grade {low} to {high}, what patient materials "
        "aim for. Lower is easier."), chart.properties(height=70 + 80 * len(rows)))


def time_to_answer(latency_ms: dict | None) -> PageChart | None:
    """How long the questions took to answer, as a spread in milliseconds on a scale that
    grows tenfold at each step (most take tens of milliseconds, a few over a second)."""
    d = dict(latency_ms or {})
    if not d.get("n"):
        return None
    for key in ("min", "p10", "median", "p90", "max"):
        d[key] = max(d[key], 0.1)  # a tenfold scale has no 0; 0.1 ms reads as "no time at all"
    rows = spread_rows({"all": d}, {"all": "All questions"})
    low, high = 10 ** math.floor(math.log10(d["min"])), 10 ** math.ceil(math.log10(d["max"]))
    steps = [10 ** k for k in range(round(math.log10(low)), round(math.log10(high)) + 1)]
    chart = _spread(rows, ",.0f", alt.Scale(type="log", domain=[low, high]),
                    alt.Axis(title="Time to answer one question", values=steps, labelExpr=_SECONDS, **_LABELS),
                    "Questions", suffix=" ms")
    return PageChart("Time to answer", (
        f"How long each of the {how_many(d['n'])} took to answer, on this machine. The number "
        "marks the typical question (in milliseconds: 1,000 ms is a second), the thick bar the "
        "middle 80% of questions, the thin line the fastest to the slowest. Each step of the "
        "scale is ten times longer than the one before."), chart.properties(height=150))


def charts(summary: dict) -> list[PageChart]:
    """The run's charts that have something to draw, in the order the page shows them."""
    made = (topic_scores(summary.get("per_category")), reading_level(summary.get("readability")),
            time_to_answer(summary.get("latency_ms")))
    return [c for c in made if c is not None]


def confusion_rows(confusion: dict) -> list[dict]:
    """The "what the bot did" table: a row per kind of question (in words), a column per
    thing the bot did (``OUTCOME_SHORT``), each cell a number of questions."""
    return [{KIND_COLUMN: EXPECTED_WORDS.get(e, e),
             **{OUTCOME_SHORT.get(k, k): confusion["counts"][e][k] for k in confusion["observed"]}}
            for e in confusion.get("expected", [])]


def outcome_help(confusion: dict) -> dict[str, str]:
    """Each short column label with what it means in full, for the column's tooltip."""
    return {OUTCOME_SHORT.get(k, k): f"Questions where the bot {_OUTCOME_HELP.get(k, OUTCOME_WORDS.get(k, k))}"
            for k in confusion.get("observed", [])}
