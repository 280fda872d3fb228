"""Turn a run's figures into something an educator can read: ``report.md`` and PNG charts.

The report leads with safety, then says for each figure in one short paragraph what it
means, shows the per-topic table and charts, and ends with the questions most worth a look,
each with the bot's answer. The words for each figure (labels, meanings, formats) are in
``eval.report_labels``; the charts are drawn by ``eval.report_charts``.

Left out: HTML output (the educator page shows the same run interactively).
"""

from __future__ import annotations

from pathlib import Path

from .metrics_text import without_markers
from .report_charts import CHARTS, draw_charts
from .report_labels import EXPECTED_WORDS, LABELS, OUTCOME_WORDS, fmt, how_many, label, safety_lines


# --- the markdown report ----------------------------------------------------------------------

def write_report(out: Path, results: list[dict], summary: dict) -> None:
    draw_charts(out, results, summary)
    (out / "report.md").write_text(render_markdown(results, summary), encoding="utf-8")


def render_markdown(results: list[dict], summary: dict) -> str:
    m = summary["metrics"]
    prov = summary.get("provenance", {})
    counts = summary["counts"]
    code = prov.get("code", {})
    lines = ["# How well the scleroderma question bot answers", ""]
    if prov:
        docs = ", ".join(d["title"] or d["doc_id"] for d in prov.get("corpus", []))
        lines += [
            f"Run of {prov.get('created_at', '?')} on {how_many(counts['questions'])} "
            f"(`{prov.get('questions', {}).get('path', '?')}`), code version "
            f"`{code.get('commit', '?')[:10]}`{' with uncommitted changes' if code.get('dirty') else ''}. "
            f"Documents: {docs or 'none'}.", ""]
    by_expect = counts["by_expect"]
    lines += [f"The questions: {by_expect.get('answered', 0)} the documents answer, "
              f"{by_expect.get('not_found', 0)} they don't, {by_expect.get('urgent', 0)} emergencies and "
              f"{by_expect.get('advice', 0)} requests for personal advice.", ""]

    lines += ["## Safety first", ""]
    marks = {"pass": "✅", "fail": "❌", "none": "➖"}
    for (status, sentence), name in zip(safety_lines(summary), ("urgent_recall", "unsafe_advice")):
        lines.append(f"- {marks[status]} **{sentence}** {LABELS[name][1]}")
    lines += [
        f"- {label('urgent_false_alarms')}: {m.get('urgent_false_alarms', 0)}. {label('advice_false_alarms')}: "
        f"{m.get('advice_false_alarms', 0)}.", ""]

    lines += ["## At a glance", "", "| Figure | Result |", "| --- | --- |"]
    for name in ("decision_accuracy", "answered_recall", "not_found_recall", "advice_pass_rate",
                 "citation_recall", "citation_precision", "grounded_supported", "grounded_verbatim",
                 "hit@3", "fact_coverage", "led_by_answer", "filler_share", "chain_breaks",
                 "fk_grade_median", "latency_p50_ms"):
        lines.append(f"| {label(name)} | {fmt(name, m.get(name))} |")
    lines.append("")

    lines += ["## Does the bot reply in the right way?", "",
              _para("decision_accuracy", m), _para("answered_recall", m), _para("not_found_recall", m),
              _para("advice_pass_rate", m), "",
              "What the bot did (columns) for each kind of question (rows):", ""]
    lines += _confusion_table(summary["confusion"]) + [""]

    lines += ["## Does it find and cite the right passages?", "",
              _para("hit@3", m), "",
              f"Other ranking figures: {label('hit@1')} {fmt('hit@1', m.get('hit@1'))}, "
              f"{label('hit@5')} {fmt('hit@5', m.get('hit@5'))}, "
              f"{label('recall@5')} {fmt('recall@5', m.get('recall@5'))}, "
              f"{label('mrr')} {fmt('mrr', m.get('mrr'))}, {label('ndcg@5')} {fmt('ndcg@5', m.get('ndcg@5'))} "
              f"(on {how_many(counts['retrieval_judged'])}).", "",
              _para("citation_recall", m), _para("citation_precision", m), ""]

    lines += ["## Does it stick to what the documents say?", "",
              _para("grounded_supported", m), _para("grounded_verbatim", m), "",
              f"({counts['sentences']} answer sentences judged.) " + _para("fact_coverage", m), ""]

    if m.get("led_by_answer") is not None:
        lines += ["## Does it answer what was asked?", "",
                  _para("led_by_answer", m), _para("answering_any", m), _para("filler_share", m),
                  _para("glossary_share", m), _para("chain_breaks", m), _para("dangling_leads", m),
                  _para("answerable_declined", m),
                  f"({counts.get('composition_answers', 0)} answers, {counts.get('composition_sentences', 0)} "
                  "sentences judged.)", ""]
        kinds = summary.get("per_kind") or {}
        if kinds:
            lines += ["By kind of question:", "", "| Kind | Questions | Right kind of reply | Opens with the answer | "
                      "Filler | Pointing back wrongly |", "| --- | --- | --- | --- | --- | --- |"]
            for kind, k in kinds.items():
                lines.append(f"| {kind} | {k['questions']} | {fmt('decision_accuracy', k['decision_accuracy'])} | "
                             f"{fmt('led_by_answer', k['led_by_answer'])} | {fmt('filler_share', k['filler_share'])} | "
                             f"{k['chain_breaks']} |")
            lines.append("")

    read = summary["readability"]
    lines += ["## Is it easy to read?", "",
              _para("fk_grade_median", m), _para("reading_ease_median", m), _para("smog_median", m), "",
              f"Across {counts['readability_answers']} answers, the reading grade ranged from "
              f"{_num(read['fk_grade'].get('min'))} to {_num(read['fk_grade'].get('max'))}; "
              f"one answer in ten needed grade {_num(read['fk_grade'].get('p90'))} or more.", "",
              f"![Reading level of the answers]({CHARTS['readability']})", ""]

    lines += ["## By topic", "", "| Topic | Questions | Right kind of reply | What the bot did | Cites the evidence | "
              "Right passage in top 3 | Sentences supported |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for cat, c in summary["per_category"].items():
        did = ", ".join(f"{OUTCOME_WORDS.get(k, k)} {n}" for k, n in sorted(c.get("outcomes", {}).items(), key=lambda kv: -kv[1]))
        lines.append(f"| {cat} | {c['questions']} | {fmt('decision_accuracy', c['decision_accuracy'])} | {did} | "
                     f"{fmt('citation_recall', c['citation_recall'])} | {fmt('hit@3', c['hit@3'])} | "
                     f"{fmt('grounded_supported', c['grounded_supported'])} |")
    lines += ["", f"![Scores by topic]({CHARTS['categories']})", ""]

    lines += ["## Speed", "", _para("latency_p50_ms", m), _para("latency_p95_ms", m),
              "Speed depends on the machine and on what else it is doing, so it is reported but never "
              "used to pass or fail a change.", "", f"![Time to answer]({CHARTS['latency']})", ""]

    lines += ["## Questions worth a look", ""] + worst_questions(results) + [""]
    if summary.get("warnings"):
        lines += ["## Notes on the question file and the run", ""]
        lines += [f"- {w}" for w in summary["warnings"]] + [""]
    lines += ["---", "How each figure is computed: `eval/README.md`. Per-question details: `results.jsonl`.", ""]
    return "\n".join(lines)


def _para(name: str, m: dict) -> str:
    text = LABELS[name][1]
    return f"**{label(name)}: {fmt(name, m.get(name))}.** {text}".rstrip() + "  "


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def _confusion_table(conf: dict) -> list[str]:
    cols = [c for c in conf["observed"] if any(conf["counts"][e].get(c) for e in conf["expected"])]
    rows = ["| Expected \\ Did | " + " | ".join(OUTCOME_WORDS.get(c, c) for c in cols) + " |",
            "| --- |" + " --- |" * len(cols)]
    for e in conf["expected"]:
        rows.append(f"| {EXPECTED_WORDS.get(e, e)} | " + " | ".join(str(conf["counts"][e].get(c, 0)) for c in cols) + " |")
    return rows


def problems(r: dict) -> list[str]:
    """What went wrong with one question, in plain words (empty when nothing did)."""
    m = r["metrics"]
    out = []
    if m.get("coverage_changed"):
        out.append("coverage changed: review (written as not in the documents; a document added "
                   "since answers it)")
    elif not m["decision_ok"]:
        out.append(f"expected: {OUTCOME_WORDS.get(r['expect'], r['expect'])}; "
                   f"the bot: {OUTCOME_WORDS.get(m['outcome'], m['outcome'])}")
    if m.get("unsafe"):
        out.append("the answer contains a dose or a stop/start instruction")
    if r["expect"] == "answered" and m["outcome"] in ("answered", "advice") and m["citations"] \
            and not m["citations"]["evidence_cited"]:
        out.append("answered without citing a passage that holds the evidence")
    comp = m.get("composition") or {}
    if r["expect"] == "answered" and comp.get("led") is False:
        out.append("neither of the first two sentences answers the question"
                   + ("" if comp.get("answering") else " (no sentence does)"))
    if comp.get("breaks"):
        sentences = r["answer"].get("sentences") or []
        out.append(f"{how_many(len(comp['breaks']), 'sentence')} pointing back to the wrong sentence: "
                   + "; ".join(f"“{without_markers(sentences[i]['text'])}”" for i in comp["breaks"][:2]
                               if i < len(sentences)))
    if comp.get("dangling"):
        sentences = r["answer"].get("sentences") or []
        out.append("announces a list that is not there: " + "; ".join(
            f"“{without_markers(sentences[i]['text'])}”" for i in comp["dangling"][:2] if i < len(sentences)))
    unsupported = [s for s in m["sentences"] if not s["supported"]]
    if unsupported:
        out.append(f"{how_many(len(unsupported), 'sentence')} not supported by the passage cited: "
                   + "; ".join(f"“{s['text']}” ({s['reason']})" for s in unsupported[:2]))
    return out


# Groups of questions worth a look, most serious first: (title, test on one result).
GROUPS = [
    ("Advice answers with a dose or a stop/start instruction", lambda r: r["metrics"].get("unsafe")),
    ("Emergencies not sent to urgent care",
     lambda r: r["expect"] == "urgent" and not r["metrics"]["decision_ok"]),
    ("Coverage changed: review (a document added since answers a question written as not covered)",
     lambda r: r["metrics"].get("coverage_changed")),
    ("Answered although the documents don't cover it (the answer may mislead)",
     lambda r: r["expect"] == "not_found" and not r["metrics"]["decision_ok"]),
    ("Personal-advice requests without the referral",
     lambda r: r["expect"] == "advice" and not r["metrics"]["decision_ok"] and not r["metrics"].get("unsafe")),
    ("Declined although the documents answer it",
     lambda r: r["expect"] == "answered" and not r["metrics"]["decision_ok"]),
    ("Answered without citing a passage that holds the evidence",
     lambda r: r["expect"] == "answered" and r["metrics"]["decision_ok"] and r["metrics"]["citations"]
     and not r["metrics"]["citations"]["evidence_cited"]),
    ("Answers that do not say what was asked",
     lambda r: r["expect"] == "answered" and (r["metrics"].get("composition") or {}).get("answering") == 0
     and (r["metrics"].get("composition") or {}).get("led") is not None),
    ("Sentences pointing back to the wrong sentence",
     lambda r: bool((r["metrics"].get("composition") or {}).get("breaks"))),
    ("Sentences announcing a list that is not there",
     lambda r: bool((r["metrics"].get("composition") or {}).get("dangling"))),
    ("The answer comes after the second sentence",
     lambda r: r["expect"] == "answered" and (r["metrics"].get("composition") or {}).get("led") is False),
    ("Sentences not supported by the passage they cite",
     lambda r: any(not s["supported"] for s in r["metrics"]["sentences"])),
]


def worst_questions(results: list[dict], per_group: int = 5) -> list[str]:
    """Each group with its count, its first few questions in full (with the bot's answer)
    and the ids of the rest. A question appears in the first group it belongs to."""
    lines, seen = [], set()
    for title, test in GROUPS:
        members = [r for r in results if r["id"] not in seen and test(r)]
        seen.update(r["id"] for r in members)
        if not members:
            continue
        lines += [f"### {title} ({len(members)})", ""]
        for r in members[:per_group]:
            answer = without_markers(r["answer"].get("answer", "")) or "(empty)"
            lines += [f"**{r['id']}** ({r['category']}): “{_quote(r['question'])}”", ""]
            lines += [f"- {p}" for p in problems(r)]
            lines += [f"- the bot's answer: “{_quote(answer)}”", ""]
        if len(members) > per_group:
            lines += ["Also: " + ", ".join(r["id"] for r in members[per_group:]) + ".", ""]
    if not lines:
        return ["Nothing to flag: every question got the right kind of reply, cited its evidence "
                "and every sentence was supported."]
    intro = (f"{how_many(len(seen))} {'has' if len(seen) == 1 else 'have'} something to look at, grouped below with the most serious "
             "first. Every question, with its answer and passages, is in `results.jsonl` and on the "
             "app's Evaluation page.")
    return [intro, ""] + lines


def _quote(text: str) -> str:
    return " ".join(str(text).split())
