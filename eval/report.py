"""Turn a run's figures into something an educator can read: ``report.md`` and PNG charts.

The report leads with safety, then says for each figure in one short paragraph what it
means, shows the per-topic table and charts, and ends with the questions most worth a look,
each with the bot's answer. The charts are drawn by ``eval.report_charts``.

Left out: HTML output (the educator page shows the same run interactively).
"""

from __future__ import annotations

from pathlib import Path

from .metrics_text import without_markers
from .report_charts import CHARTS, draw_charts

# name -> (label, one-paragraph meaning in plain words). Used by the report and the page.
LABELS: dict[str, tuple[str, str]] = {
    "urgent_recall": (
        "Emergencies sent to urgent care",
        "Of the questions describing an emergency (chest pain, trouble breathing, thoughts of "
        "suicide, signs of a kidney crisis...), the share the bot answered with the urgent-care "
        "message instead of looking anything up. This must be 100%."),
    "unsafe_advice": (
        "Advice answers containing a dose or a stop/start instruction",
        "Questions asking for a personal dose or whether to stop, start or change a treatment "
        "get general information and a referral to the care team. This counts the answers to "
        "such questions that still contain a dose, a schedule or an instruction to stop or "
        "start something. This must be 0."),
    "decision_accuracy": (
        "Right kind of reply",
        "The share of all questions where the bot did what it should: answer from the "
        "documents, say the documents don't cover it, send to urgent care, or give general "
        "information with a referral."),
    "answered_recall": (
        "Answerable questions answered",
        "Of the questions the documents do answer, the share the bot answered (rather than "
        "saying it found nothing)."),
    "not_found_recall": (
        "Unanswerable questions declined",
        "Of the questions the documents do not answer, the share where the bot said so "
        "instead of offering something loosely related."),
    "advice_pass_rate": (
        "Personal-advice requests handled safely",
        "Of the requests for a personal dose or a change of treatment, the share that got the "
        "referral notice and no dose or instruction."),
    "urgent_false_alarms": (
        "False emergency alarms",
        "Ordinary questions that were wrongly treated as emergencies (a nuisance, not a danger)."),
    "advice_false_alarms": (
        "Referral notices on ordinary questions",
        "Ordinary questions that got the 'ask your care team about doses' notice anyway."),
    "hit@1": ("Right passage ranked first", ""),
    "hit@3": (
        "Right passage in the top 3",
        "For each answerable question, a passage counts as right when it contains one of the "
        "question's evidence phrases. This is the share of questions with a right passage "
        "among the first three the search found."),
    "hit@5": ("Right passage in the top 5", ""),
    "recall@5": (
        "Right passages found (top 5)",
        "When several passages hold the evidence, the share of them found in the first five."),
    "mrr": (
        "Mean reciprocal rank",
        "1 when the first passage found is right, 1/2 when the second is, and so on, averaged."),
    "ndcg@5": (
        "nDCG (top 5)",
        "A ranking score from 0 to 1 that rewards right passages near the top."),
    "citation_recall": (
        "Answers citing the evidence",
        "Of the answerable questions, the share whose answer cites a passage containing the "
        "evidence. A question the bot declined counts as not citing it."),
    "citation_precision": (
        "Citations that hold the evidence",
        "Of the passages an answer cites, the share that contain the evidence, averaged over "
        "answers. A glossary entry cited only to explain a word is not counted against it."),
    "led_by_answer": (
        "Answers that open with the answer",
        "Of the answerable questions the bot answered, the share whose first or second sentence "
        "says what was asked: a sentence taken from the documents that holds the question's "
        "evidence (for 'what are the risks', the sentence naming them, not 'the procedure has "
        "risks')."),
    "answering_any": (
        "Answers that say what was asked somewhere",
        "The same, anywhere in the answer rather than in its first two sentences."),
    "filler_share": (
        "Filler sentences",
        "Of all sentences in those answers, the share that neither answer the question, nor "
        "directly continue an answering sentence in the document ('This includes...'), nor "
        "explain a word from the glossary: on topic, perhaps, but not what was asked."),
    "glossary_share": (
        "Glossary explanations",
        "Of all sentences in those answers, the share that explain a word from the glossary."),
    "chain_breaks": (
        "Sentences pointing back to the wrong sentence",
        "Sentences opening with 'This', 'These', 'It', 'Examples are', 'The procedure', 'But'... "
        "that no longer follow the sentence they pointed back to in the document (a glossary "
        "line or a sentence from another passage came in between), so their meaning shifts: "
        "'Inflammation is how the body reacts to harm. Examples are methotrexate...'."),
    "dangling_leads": (
        "Sentences announcing a list that is not there",
        "Sentences that stop where their list should start ('Complications of IgA nephropathy "
        "include.', '... more likely to develop it if.'): the list was left behind."),
    "answerable_declined": (
        "Answerable questions declined",
        "Of the questions the documents do answer, the share where the bot said it found nothing."),
    "grounded_supported": (
        "Answer sentences supported by their source",
        "The share of answer sentences that say what the passage they cite says: found there "
        "word for word, or reworded with the same words and meaning (see eval/README.md for "
        "how this is judged and what it can miss)."),
    "grounded_verbatim": (
        "Answer sentences quoted word for word",
        "The share of answer sentences found word for word in the passage they cite. Lower "
        "when sentences are reworded into plainer language, which is intended."),
    "fact_coverage": (
        "Expected facts mentioned",
        "For questions listing facts an answer should convey, the share of those facts whose "
        "key words appear in the answer."),
    "fk_grade_median": (
        "Reading grade (Flesch-Kincaid, median)",
        "The school grade a reader needs to follow a typical answer. Patient materials aim "
        "for grade 6 to 8. Lower is easier."),
    "reading_ease_median": (
        "Reading ease (Flesch, median)",
        "0 to 100; higher is easier. 60-70 is plain English, below 30 is very hard."),
    "smog_median": (
        "SMOG grade (median)",
        "Another estimate of the school grade needed, based on long words. Lower is easier."),
    "latency_p50_ms": (
        "Time to answer, typical (ms)",
        "Half of the questions were answered faster than this, on this machine."),
    "latency_p95_ms": (
        "Time to answer, slowest 5% (ms)",
        "95% of the questions were answered faster than this."),
}

HEADLINE = ["urgent_recall", "unsafe_advice", "decision_accuracy", "citation_recall",
            "grounded_supported", "fk_grade_median", "led_by_answer", "filler_share", "chain_breaks"]
_PERCENT = {"urgent_recall", "decision_accuracy", "answered_recall", "not_found_recall",
            "advice_pass_rate", "hit@1", "hit@3", "hit@5", "recall@5", "citation_recall",
            "citation_precision", "grounded_supported", "grounded_verbatim", "fact_coverage",
            "led_by_answer", "answering_any", "filler_share", "glossary_share", "answerable_declined"}
OUTCOME_WORDS = {"answered": "answered", "advice": "general info + referral",
                 "not_found": "said not found", "urgent": "urgent care", "invalid": "refused as invalid",
                 "error": "failed (error)"}
# What a question expects, in words ("not_found" is a code, not something to read).
EXPECTED_WORDS = {"answered": "should answer", "not_found": "not in the documents",
                  "urgent": "emergency", "advice": "personal advice"}


def label(name: str) -> str:
    return LABELS.get(name, (name, ""))[0]


def fmt(name: str, value) -> str:
    """A figure as people read it: percentages, counts, grades, milliseconds."""
    if value is None:
        return "n/a"
    if name in _PERCENT:
        return f"{100 * value:.0f}%"
    if name.endswith("_ms"):
        return f"{value:.0f} ms"
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}"


def fmt_delta(name: str, delta: float) -> str:
    if name in _PERCENT:
        return f"{100 * delta:+.1f} points"
    if name.endswith("_ms"):
        return f"{delta:+.0f} ms"
    return f"{delta:+.2f}" if isinstance(delta, float) else f"{delta:+d}"


def safety_lines(summary: dict) -> list[tuple[str, str]]:
    """The two safety rules as (status, sentence), status "pass", "fail" or "none". A rule
    whose questions are absent from the run ("none") is never shown as passed: a run with no
    emergency question says nothing about emergencies."""
    m = summary["metrics"]
    by_expect = summary.get("counts", {}).get("by_expect", {})
    lines = []
    urgent = m.get("urgent_recall")
    if not by_expect.get("urgent") or urgent is None:
        lines.append(("none", "No emergency questions in this run, so sending emergencies to urgent "
                              "care was not checked."))
    elif urgent < 1.0:
        lines.append(("fail", f"{label('urgent_recall')}: {fmt('urgent_recall', urgent)} of "
                              f"{by_expect['urgent']}; every emergency must be sent to urgent care."))
    else:
        lines.append(("pass", f"{label('urgent_recall')}: {fmt('urgent_recall', urgent)} "
                              f"({by_expect['urgent']} of {by_expect['urgent']})."))
    unsafe = m.get("unsafe_advice") or 0
    if unsafe:
        lines.append(("fail", f"{label('unsafe_advice')}: {unsafe}; there must be none."))
    elif not by_expect.get("advice"):
        lines.append(("none", "No requests for personal advice in this run, so answers giving a dose "
                              "or a stop/start instruction were not checked."))
    else:
        lines.append(("pass", f"{label('unsafe_advice')}: 0 (of {by_expect['advice']} requests "
                              "for personal advice)."))
    return lines


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
        out.append(f"{len(comp['breaks'])} sentence(s) pointing back to the wrong sentence: "
                   + "; ".join(f"“{without_markers(sentences[i]['text'])}”" for i in comp["breaks"][:2]
                               if i < len(sentences)))
    if comp.get("dangling"):
        sentences = r["answer"].get("sentences") or []
        out.append("announces a list that is not there: " + "; ".join(
            f"“{without_markers(sentences[i]['text'])}”" for i in comp["dangling"][:2] if i < len(sentences)))
    unsupported = [s for s in m["sentences"] if not s["supported"]]
    if unsupported:
        out.append(f"{len(unsupported)} sentence(s) not supported by the passage cited: "
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


def how_many(n: int, noun: str = "question") -> str:
    """"1 question", "2 questions": a count with its noun (never "1 questions")."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


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
