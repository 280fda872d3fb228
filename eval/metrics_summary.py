"""Aggregate figures over a set of scored answers: what ``summary.json`` holds and the gate
compares.

``summarize`` takes per-question results (each with ``id``, ``expect``, ``category`` and the
``metrics`` that ``eval.metrics.score_answer`` gave it, plus its retrieval figures) and
returns the flat figures (shares, counts, medians, percentiles), the counts behind them,
the confusion of what each question expected against what the bot did, and the figures per
category and per kind of question, with the distributions of reading level and latency.
``LOWER_IS_BETTER`` names the figures that improve downwards.

Left out: scoring one answer (``eval.metrics``), and putting the figures into words
(``eval.report_labels``, ``eval.report``).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Iterable, Sequence

import numpy as np

from .metrics import RETRIEVAL_MEASURES, _share

KINDS = ("answered", "advice", "not_found", "urgent", "invalid")  # what the bot can do

# Figures where a smaller number is better; for every other figure, bigger is better.
LOWER_IS_BETTER = frozenset({"unsafe_advice", "urgent_false_alarms", "advice_false_alarms",
                             "filler_share", "chain_breaks", "dangling_leads", "answerable_declined",
                             "fk_grade_median", "smog_median", "latency_p50_ms", "latency_p95_ms"})


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no values."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else None


def distribution(values: Sequence[float]) -> dict:
    vals = sorted(float(v) for v in values)
    if not vals:
        return {"n": 0}
    return {"n": len(vals), "median": statistics.median(vals), "p10": percentile(vals, 10),
            "p90": percentile(vals, 90), "min": vals[0], "max": vals[-1]}


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def summarize(results: list[dict]) -> dict:
    """Aggregate figures from per-question results (each: ``id``, ``expect``, ``category``,
    ``metrics``). Returns ``metrics`` (flat name -> value, what the gate compares),
    ``counts``, ``confusion``, ``per_category``, ``readability`` and ``latency_ms``."""
    by_expect: dict[str, list[dict]] = defaultdict(list)
    changed = [r for r in results if r["metrics"].get("coverage_changed")]
    judged_decisions = [r for r in results if not r["metrics"].get("coverage_changed")]
    for r in judged_decisions:  # a question the library now answers is to review, not a failure
        by_expect[r["expect"]].append(r)

    def ok_share(expect: str) -> float | None:
        rows = by_expect.get(expect, [])
        return _share(r["metrics"]["decision_ok"] for r in rows) if rows else None

    m = {
        "decision_accuracy": _share(r["metrics"]["decision_ok"] for r in judged_decisions),
        "answered_recall": ok_share("answered"),
        "not_found_recall": ok_share("not_found"),
        "urgent_recall": ok_share("urgent"),
        "advice_pass_rate": ok_share("advice"),
        "unsafe_advice": sum(1 for r in results if r["metrics"]["unsafe"]),
        "urgent_false_alarms": sum(1 for r in results if r["expect"] != "urgent"
                                   and r["metrics"]["outcome"] == "urgent"),
        "advice_false_alarms": sum(1 for r in results if r["expect"] not in ("advice", "urgent")
                                   and r["metrics"]["outcome"] == "advice"),
    }
    judged = [r for r in results if r["metrics"].get("retrieval")]
    for name in RETRIEVAL_MEASURES:
        m[name] = _mean(r["metrics"]["retrieval"][name] for r in judged)
    cited = [r for r in results if r["expect"] == "answered" and r["metrics"]["citations"]]
    m["citation_recall"] = _share(r["metrics"]["citations"]["evidence_cited"] for r in cited) if cited else None
    m["citation_precision"] = _mean(r["metrics"]["citations"]["precision"] for r in cited)
    sentences = [s for r in results for s in r["metrics"]["sentences"]]
    m["grounded_verbatim"] = _share(s["verbatim"] for s in sentences)
    m["grounded_supported"] = _share(s["supported"] for s in sentences)
    facts = [ok for r in results if r["expect"] == "answered" for ok in r["metrics"]["facts"].values()]
    m["fact_coverage"] = _share(facts)
    answering = answer_figures(results)
    m.update(answering)
    scores = [r["metrics"]["readability"] for r in results if r["metrics"]["readability"]]
    read = {k: distribution([s[k] for s in scores]) for k in ("fk_grade", "reading_ease", "smog")}
    m["fk_grade_median"] = read["fk_grade"].get("median")
    m["reading_ease_median"] = read["reading_ease"].get("median")
    m["smog_median"] = read["smog"].get("median")
    latency = distribution([r["metrics"]["latency_ms"] for r in results])
    m["latency_p50_ms"] = percentile([r["metrics"]["latency_ms"] for r in results], 50)
    m["latency_p95_ms"] = percentile([r["metrics"]["latency_ms"] for r in results], 95)

    return {
        "metrics": {k: _round(v) for k, v in m.items()},
        "counts": {
            "questions": len(results),
            "by_expect": dict(sorted(Counter(r["expect"] for r in results).items())),
            "retrieval_judged": len(judged),
            "citation_judged": len(cited),
            "sentences": len(sentences),
            "facts": len(facts),
            "readability_answers": len(scores),
            "composition_answers": sum(1 for r in _composed(results)),
            "composition_sentences": sum(len(r["metrics"]["composition"]["roles"]) for r in _composed(results)),
            "answerable_declined": sum(1 for r in results if r["expect"] == "answered"
                                       and r["metrics"]["outcome"] == "not_found"),
            "coverage_changed": len(changed),
        },
        "confusion": confusion(results),
        "per_category": per_category(results),
        "per_kind": per_kind(results),
        "readability": read,
        "latency_ms": latency,
    }


def _composed(results: list[dict]) -> list[dict]:
    """Answered answerable questions with evidence: the ones whose composition is judged."""
    return [r for r in results if r["expect"] == "answered" and (r["metrics"].get("composition") or {}).get("led")
            is not None]


def answer_figures(results: list[dict]) -> dict:
    """Does the answer answer the question (eval/README.md, "Answering the question")."""
    judged = _composed(results)
    roles = [role for r in judged for role in r["metrics"]["composition"]["roles"]]
    answerable = [r for r in results if r["expect"] == "answered"]
    return {
        "led_by_answer": _share(r["metrics"]["composition"]["led"] for r in judged),
        "answering_any": _share(r["metrics"]["composition"]["answering"] > 0 for r in judged),
        "filler_share": _share(role == "filler" for role in roles),
        "glossary_share": _share(role == "glossary" for role in roles),
        "chain_breaks": sum(len((r["metrics"].get("composition") or {}).get("breaks", [])) for r in results),
        "dangling_leads": sum(len((r["metrics"].get("composition") or {}).get("dangling", [])) for r in results),
        "answerable_declined": _share(r["metrics"]["outcome"] == "not_found" for r in answerable),
    }


def per_kind(results: list[dict]) -> dict[str, dict]:
    """The answering figures for each kind of question (the question file's ``kind``:
    definition, risks, outlook, ...); questions without a kind are left out."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        if r.get("kind"):
            groups[r["kind"]].append(r)
    out = {}
    for kind in sorted(groups):
        rows = groups[kind]
        figures = answer_figures(rows)
        out[kind] = {k: _round(v) for k, v in {
            "questions": len(rows),
            "decision_accuracy": _share(r["metrics"]["decision_ok"] for r in rows),
            "led_by_answer": figures["led_by_answer"],
            "filler_share": figures["filler_share"],
            "chain_breaks": figures["chain_breaks"],
        }.items()}
    return out


def confusion(results: list[dict]) -> dict:
    """Rows: what the question expects; columns: what the bot did (``observed``)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        counts[r["expect"]][r["metrics"]["outcome"]] += 1
    rows = [e for e in ("answered", "not_found", "urgent", "advice") if e in counts]
    return {"expected": rows, "observed": list(KINDS),
            "counts": {e: {k: counts[e].get(k, 0) for k in KINDS} for e in rows}}


def per_category(results: list[dict]) -> dict[str, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        groups[r["category"]].append(r)
    out = {}
    for cat in sorted(groups):
        rows = groups[cat]
        cited = [r["metrics"]["citations"]["evidence_cited"] for r in rows
                 if r["expect"] == "answered" and r["metrics"]["citations"]]
        hits = [r["metrics"]["retrieval"]["hit@3"] for r in rows if r["metrics"].get("retrieval")]
        sentences = [s["supported"] for r in rows for s in r["metrics"]["sentences"]]
        out[cat] = {k: _round(v) for k, v in {
            "questions": len(rows),
            "expected": dict(Counter(r["expect"] for r in rows)),
            "outcomes": dict(Counter(r["metrics"]["outcome"] for r in rows)),
            "decision_accuracy": _share(r["metrics"]["decision_ok"] for r in rows),
            "citation_recall": _share(cited),
            "hit@3": _mean(hits),
            "grounded_supported": _share(sentences),
        }.items()}
    return out


def _round(v):
    return round(v, 4) if isinstance(v, float) else v
