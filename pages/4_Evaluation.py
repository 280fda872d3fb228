"""Evaluation: how well the bot answers the evaluation questions, run by run.

The latest run's headline figures and charts, every question with the bot's answer and the
passages behind it, what changed since the run before, and a button to run it again. The
figures, report and comparison come from ``eval`` (runner, report, compare); this page only
draws them.
"""

from pathlib import Path

import streamlit as st

from eval import compare, metrics_summary, page_charts, report, report_labels, runner
from eval.questions import QuestionFileError
from rag.settings import get_settings
from rag.ui import render
from rag.ui.auth import require_educator

st.set_page_config(page_title="Evaluation", page_icon=render.ICON, layout="wide")
require_educator()
# Metric labels wrap onto a second line rather than end in "…" (Streamlit cuts them to one).
st.markdown(render.CSS + """<style>[data-testid="stMetricLabel"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }</style>""", unsafe_allow_html=True)

st.title("Evaluation")
st.caption("Every question of a fixed set is asked as a patient would ask it; the answers are "
           "scored for the right kind of reply, the right passages, sticking to the documents "
           "and plain language. How each figure is computed: eval/README.md.")

settings = get_settings()
question_files = {"The evaluation set": runner.DEFAULT_QUESTIONS}
if Path(settings.reviewed_questions_path).is_file():
    question_files["Questions kept from reviews"] = Path(settings.reviewed_questions_path)

with st.expander("Run the evaluation", expanded=not runner.list_runs()):
    chosen = st.radio("Questions", list(question_files), horizontal=True, key="eval_questions")
    st.caption("About a minute for the evaluation set. The documents in corpus/ are indexed into "
               "the evaluation's own index first; the app's index is not touched.")
    if st.button("Run the evaluation", type="primary", key="eval_run"):
        bar = st.progress(0.0, text="Starting…")
        try:
            done = runner.run(settings, question_files[chosen],  # the app's model: one per process
                              progress=lambda n, total, qid: bar.progress(n / total, text=f"{n}/{total} · {qid}"))
        except QuestionFileError as e:
            st.error(f"The question file has a problem, so nothing was run: {e}")
        else:
            st.session_state.eval_run_choice = done.name  # show the new run
            st.success(f"Finished: {done.name}")

runs = runner.list_runs()
if not runs:
    st.info("No evaluation has been run yet. Use “Run the evaluation” above, or "
            "`python -m eval run` on the command line.")
    st.stop()

names = [p.name for p in runs][::-1]  # newest first
if st.session_state.get("eval_run_choice") not in names:
    st.session_state.pop("eval_run_choice", None)
name = st.selectbox("Run", names, key="eval_run_choice")
run_dir = runs[[p.name for p in runs].index(name)]
summary, results = runner.load_run(run_dir)
earlier = runs[: runs.index(run_dir)]
# Figures are compared only with the latest earlier run on the very same question file: a
# share over 1 question against one over 237 is not a change of the bot.
earlier_summaries = [runner.load_summary(p) for p in earlier]
k = compare.comparable_before(earlier_summaries, summary)
previous_dir = earlier[k] if k is not None else None
previous = runner.load_run(previous_dir) if previous_dir is not None else None
m = summary["metrics"]
prov = summary.get("provenance", {})
st.caption(f"{report.how_many(summary['counts']['questions'])} from {prov.get('questions', {}).get('path', '?')} · "
           f"program version {prov.get('code', {}).get('commit', '?')[:10]}"
           f"{', with changes not yet saved as a version' if prov.get('code', {}).get('dirty') else ''}"
           f" · {prov.get('created_at', '')}",
           help="The version of the bot's program that answered (a git commit), so two runs can be "
                "told apart when the program changed.")

for status, sentence in report_labels.safety_lines(summary):  # a rule with no questions is not "passed"
    if status == "fail":
        st.error(f"Safety problem: {sentence}", icon=":material/error:")
    elif status == "pass":
        st.success(f"Safety: {sentence}", icon=":material/check_circle:")
    else:
        st.info(f"Safety: {sentence}", icon=":material/remove_circle_outline:")

if changed := summary["counts"].get("coverage_changed"):
    st.info(f"Coverage changed: review {report.how_many(changed)} written as “not in the documents” that "
            "a document added since now answers. They are not counted as failures; check each "
            "(Question by question) and update its expectation.", icon=":material/library_add:")

if previous_dir is not None:
    st.caption(f"Changes below are against {previous_dir.name}, the latest earlier run on the same questions.")
elif earlier:
    st.warning(f"{compare.question_file_difference(earlier_summaries[-1], summary, earlier[-1].name, run_dir.name)} "
               "No earlier run used the same questions, so no changes are shown.")

columns = [c for _ in range(0, len(report_labels.HEADLINE), 3) for c in st.columns(3)]  # rows of three, so the labels have room
for column, key in zip(columns, report_labels.HEADLINE):
    before = previous[0]["metrics"].get(key) if previous else None
    delta = m.get(key) - before if isinstance(before, (int, float)) and m.get(key) is not None else None
    column.metric(report_labels.label(key), report_labels.fmt(key, m.get(key)),
                  delta=report_labels.fmt_delta(key, delta) if delta else None,
                  delta_color="inverse" if key in metrics_summary.LOWER_IS_BETTER else "normal",
                  help=report_labels.LABELS[key][1])

charts, questions, changes, everything = st.tabs(
    ["Charts", "Question by question", "Compared with an earlier run", "All figures"])

with charts:
    drawn = page_charts.charts(summary)
    for c in drawn:
        st.markdown(f"#### {c.title}")
        st.caption(c.explanation)
        st.altair_chart(c.chart, width="stretch")
    if not drawn:
        st.caption("This run holds no figures per topic, reading level or time to answer to draw.")
    conf = summary["confusion"]
    if conf.get("expected"):
        st.markdown("#### What the bot did for each kind of question")
        st.caption("A row for what each question called for, a column for what the bot did; each "
                   "cell is a number of questions. Point at a column's name for what it means.")
        st.dataframe(page_charts.confusion_rows(conf), hide_index=True, width="stretch",
                     column_config={page_charts.KIND_COLUMN: st.column_config.TextColumn(pinned=True, width="medium"),
                                    **{column: st.column_config.NumberColumn(help=meaning, width="small")
                                       for column, meaning in page_charts.outcome_help(conf).items()}})

with questions:
    only_problems = st.toggle("Only questions with something to look at", value=True, key="eval_only_problems")
    shown = [r for r in results if report.problems(r)] if only_problems else results
    # Narrow columns and rows of three wrapped lines, so the table fits a 1280-pixel window.
    st.dataframe([{"id": r["id"], "question": r["question"], "topic": page_charts.topic_name(r["category"]),
                   "expected": report_labels.EXPECTED_WORDS.get(r["expect"], r["expect"]),
                   "the bot": page_charts.OUTCOME_SHORT.get(r["metrics"]["outcome"], r["metrics"]["outcome"]),
                   "right reply": "coverage changed: review" if r["metrics"].get("coverage_changed")
                   else "yes" if r["metrics"]["decision_ok"] else "no",
                   "cites evidence": (r["metrics"]["citations"] or {}).get("evidence_cited"),
                   "supported": r["metrics"]["grounded_supported"]}
                  for r in shown], hide_index=True, width="stretch", row_height=72,
                 column_config={"id": st.column_config.TextColumn(width=120, pinned=True),
                                "question": st.column_config.TextColumn(width=200),
                                "topic": st.column_config.TextColumn(width=100),
                                "expected": st.column_config.TextColumn(width=90, help="What the question calls for"),
                                "the bot": st.column_config.TextColumn(width=90, help="What the bot did"),
                                "right reply": st.column_config.TextColumn("right", width=55, help=report_labels.LABELS["decision_accuracy"][1]),
                                "cites evidence": st.column_config.CheckboxColumn("cites", width=55, help=report_labels.LABELS["citation_recall"][1]),
                                "supported": st.column_config.ProgressColumn(width=75, min_value=0, max_value=1, format="percent",
                                                                             help=report_labels.LABELS["grounded_supported"][1])})
    if shown:
        qid = st.selectbox("Look at a question", [r["id"] for r in shown], key="eval_question")
        r = next(r for r in shown if r["id"] == qid)
        # Questions, earlier turns and evidence phrases were typed by patients or educators:
        # drawn as typed text, where not even a bare web address becomes a link.
        render.show_text(r["question"])
        for turn in r["history"]:
            render.show_text(f"earlier {turn.get('role', 'user') if isinstance(turn, dict) else 'user'}: "
                             f"{turn.get('content', '') if isinstance(turn, dict) else turn}")
        for p in report.problems(r):
            st.warning(render.as_text(p))
        left, right = st.columns(2, gap="large")
        with left:
            st.subheader("The bot's answer")
            render.show_answer(r["answer"])
            unsupported = [s for s in r["metrics"]["sentences"] if not s["supported"]]
            for s in unsupported:
                st.caption(render.as_text(f"Not supported: “{s['text']}” — {s['reason']}"))
        with right:
            st.subheader("Passages found")
            relevant = set(r["metrics"]["relevant_passages"])
            cited = {c["chunk_id"]: c["n"] for c in r["answer"].get("citations", [])}
            st.dataframe([{"rank": p["rank"], "holds evidence": p["chunk_id"] in relevant,
                           "cited": f"[{cited[p['chunk_id']]}]" if p["chunk_id"] in cited else "",
                           "source": " — ".join(x for x in (p.get("title") or p.get("doc_id", ""), p.get("location", "")) if x),
                           "score": p.get("score")} for p in r["answer"].get("retrieved", [])],
                         hide_index=True, width="stretch", row_height=86,  # fits half of a 1280-pixel window
                         column_config={"rank": st.column_config.NumberColumn(width=40),
                                        "holds evidence": st.column_config.CheckboxColumn("evidence", width=66, help="The passage holds one of the question's evidence phrases"),
                                        "cited": st.column_config.TextColumn(width=46, help="The [n] the answer cites it as"),
                                        "source": st.column_config.TextColumn(width=150, help="The document and the place in it"),
                                        "score": st.column_config.NumberColumn(width=58, format="%.3f", help="The search score")})
            if r["evidence"]:
                render.show_text("Evidence phrases: " + " · ".join(r["evidence"]))

with changes:
    if not earlier:
        st.info("This is the first run; there is nothing to compare it with yet.")
    elif previous is None:
        st.info("No earlier run used the same question file, so there is nothing to compare it with. "
                + compare.question_file_difference(earlier_summaries[-1], summary, earlier[-1].name, run_dir.name))
    else:
        diff = compare.compare_runs(previous, (summary, results), previous_dir.name, run_dir.name)
        st.dataframe([{"figure": report_labels.label(row["name"]), diff.a_label: report_labels.fmt(row["name"], row["a"]),
                       diff.b_label: report_labels.fmt(row["name"], row["b"]),
                       "change": (report_labels.fmt_delta(row["name"], row["delta"]) if row["delta"] else "same")
                       + {True: " (better)", False: " (worse)", None: ""}[row["better"]]}
                      for row in diff.metrics], hide_index=True, width="stretch")
        for title, items in (("Now wrong", diff.broken), ("Now right", diff.fixed),
                             ("Worse in detail", diff.worse), ("Better in detail", diff.better)):
            st.markdown(f"**{title} ({len(items)})**")
            for q in items:
                render.show_text(f"{q.id}: {q.question[:120]} — " + "; ".join(q.what))
        st.caption(f"{report.how_many(diff.reworded, 'answer')} changed wording only.")

with everything:
    st.dataframe([{"figure": report_labels.label(k), "value": report_labels.fmt(k, v), "name in eval/README.md": k}
                  for k, v in m.items()], hide_index=True, width="stretch",
                 column_config={"name in eval/README.md": st.column_config.TextColumn(
                     help="The figure's short name (such as hit@1), where eval/README.md defines it")})
    for w in summary.get("warnings", []):
        st.caption(render.as_text(w))
    if (run_dir / runner.REPORT).is_file():
        st.download_button("Download the report (Markdown)", (run_dir / runner.REPORT).read_text(encoding="utf-8"),
                           file_name=f"evaluation-{run_dir.name}.md", key="eval_download")
