"""The educator's view of one answer: what was asked and answered, the passages and their
scores, the patient's feedback, and the forms to review it and to add it to the evaluation
set. Used by the review queue page; the "try a question" page reuses ``show_passages``.

An educator can also write or edit the answer and approve it (``rag.ui.approve``): patients
who ask the same thing are then served it.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from rag.records.database import MAX_NOTE_CHARS, RecordError, Turn
from rag.schema import Answer
from rag.settings import get_settings
from rag.ui import approve, evalset, render, state

# Material icons ship with Streamlit, so they show on every machine (emoji need a font).
REASON_BADGES = {"thumbs down": ":material/thumb_down: thumbs down",
                 "urgent": ":material/emergency: urgent",
                 "not found": ":material/search_off: not found",
                 "weak evidence": ":material/balance: weak evidence",
                 "personal advice": ":material/medical_information: personal advice"}


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def passage_rows(answer: Answer) -> list[dict]:
    """One row per ranked passage: its rank, the ``[n]`` citing it, its fused, dense and
    BM25 scores, its document and place in it, and its text (empty in records kept before
    passages carried their text)."""
    rows = []
    for rank, p in enumerate(answer.retrieved, 1):
        n, c = answer.cited_as(p), p.chunk
        rows.append({"rank": rank, "cited": f"[{n}]" if n is not None else "", "score": p.score,
                     "dense": p.dense, "bm25": p.lexical, "document": c.title or c.doc_id,
                     "location": c.location, "passage": c.text})
    return rows


# The passages table in words, narrow enough for the page's full width in a 1280-pixel window
# (746 pixels in all, spare room shared out): name -> (label, width, meaning).
# Text columns wrap onto four lines (a row taller than 4rem lets Streamlit's table wrap);
# a cell opens in full when clicked.
PASSAGE_COLUMNS = {
    "rank": ("rank", 44, "The passage's place in the search results"),
    "cited": ("cited", 50, "The [n] the answer cites it as"),
    "score": ("score", 58, "The search score, mixing the two that follow"),
    "dense": ("by meaning", 84, "How close in meaning to the question (the embedding model)"),
    "bm25": ("by words", 70, "How many of the question's words it holds (BM25)"),
    "source": ("source", 170, "The document and the place in it"),
    "passage": ("passage", 270, "The passage's text; click a cell to read it whole"),
}
WRAPPING_ROW_PX = 86


def show_passages(answer: Answer) -> None:
    """The ranked passages with their fused, dense and BM25 scores; the cited ones are
    marked with their ``[n]``. Fits the page's full width at 1280 pixels: the source and
    the passage's text wrap rather than run off the side."""
    if not answer.retrieved:
        st.caption("No passages were retrieved (urgent questions are not looked up).")
        return
    rows = [{**r, "source": " — ".join(part for part in (r["document"], r["location"]) if part)}
            for r in passage_rows(answer)]
    st.dataframe(rows, hide_index=True, width="stretch", height="content", row_height=WRAPPING_ROW_PX,
                 column_order=list(PASSAGE_COLUMNS),
                 column_config={name: _column(name, *spec) for name, spec in PASSAGE_COLUMNS.items()})


def _column(name: str, label: str, width: int | None, meaning: str):
    if name in ("score", "dense", "bm25"):
        return st.column_config.NumberColumn(label, width=width, help=meaning, format="%.3f")
    if name == "rank":
        return st.column_config.NumberColumn(label, width=width, help=meaning)
    return st.column_config.TextColumn(label, width=width, help=meaning)


def show_item(turn: Turn, records, earlier: list[str]) -> None:
    """One recorded answer with everything needed to judge it, and the review forms."""
    badges = " · ".join(REASON_BADGES.get(r, r) for r in turn.reasons) or "routine"
    st.markdown(f"**{badges}** · {when(turn.created_at)} · answer #{turn.id} · "
                f"{turn.kind.replace('_', ' ')} · confidence {turn.confidence:.2f}"
                + render.grade_label(turn.recorded_answer.reading_grade, " · "))
    left, right = st.columns(2, gap="large")
    with left:
        # What patients and educators typed is drawn as typed text (``render.show_text``),
        # where not even a bare web address becomes a link.
        if earlier:
            st.caption(render.typed_html("Earlier in this conversation: " + " / ".join(earlier)),
                       unsafe_allow_html=True)
        st.markdown("**Question**")
        render.show_text(turn.question)
        st.markdown("**Answer**")
        render.show_answer(turn.recorded_answer)
        if turn.rating is not None:
            feeling = (":material/thumb_up: thumbs up" if turn.rating == 1
                       else ":material/thumb_down: thumbs down")
            st.markdown(f"**Patient feedback:** {feeling}" + (":" if turn.comment else ""))
            if turn.comment:
                render.show_text(turn.comment)
    with right:
        _review_form(turn, records)
        with st.expander("Write or edit the answer, and approve it"):
            approve.approve_form(turn.question, turn.recorded_answer, records, key=f"turn-{turn.id}")
        if turn.verdict:
            _evaluation_form(turn, records, earlier)
    # Across the whole width, below: seven columns would not fit beside the answer.
    st.markdown("**Passages retrieved**")
    show_passages(turn.recorded_answer)


def _review_form(turn: Turn, records) -> None:
    if turn.verdict:
        st.markdown(f"**Reviewed {when(turn.reviewed_at)}: {turn.verdict}**"
                    + (":" if turn.note else ""))
        if turn.note:
            render.show_text(turn.note)
    with st.form(f"review-{turn.id}"):
        options = ["right", "wrong"]
        verdict = st.radio("This answer is", options, horizontal=True,
                           index=options.index(turn.verdict) if turn.verdict else None,
                           key=f"verdict-{turn.id}")
        note = st.text_area("Note (what is wrong, what the documents lack…)", value=turn.note,
                            max_chars=MAX_NOTE_CHARS, key=f"note-{turn.id}")
        if st.form_submit_button("Save review"):
            if verdict is None:
                st.error("Choose right or wrong first.")
                return
            try:
                records.set_review(turn.id, verdict, note)
            except RecordError as e:
                st.error(str(e))
                return
            if records.failed:  # the records said why; nothing was saved
                return
            st.session_state.review_flash = f"Saved: answer #{turn.id} marked {verdict}."
            st.rerun()


def _evaluation_form(turn: Turn, records, earlier: list[str]) -> None:
    if turn.eval_id:
        st.caption(f"In the evaluation set as {turn.eval_id}.")
        return
    with st.form(f"eval-{turn.id}"):
        st.markdown("**Add to the evaluation set**")
        expect = st.selectbox("The right outcome is", evalset.EXPECTS,
                              index=evalset.EXPECTS.index(evalset.expected_outcome(turn)),
                              key=f"expect-{turn.id}")
        suggested = evalset.used_sentences(turn) if turn.verdict == "right" else []
        evidence = st.text_area("Evidence: phrases a right answer must cite, one per line "
                                "(for answered and advice)", value="\n".join(suggested),
                                key=f"evidence-{turn.id}")
        if st.form_submit_button("Add to the evaluation set"):
            pipeline = state.pipeline_or_none()
            documents = [d.doc_id for d in pipeline.documents()] if pipeline is not None else []
            entry = evalset.make_entry(turn, earlier, expect, evidence.splitlines(), turn.note, documents)
            if expect in ("answered", "advice") and not entry["evidence"]:
                st.error("Give at least one evidence phrase for an answered question.")
                return
            eval_id = evalset.append_entry(get_settings().reviewed_questions_path, entry)
            records.set_eval_id(turn.id, eval_id)
            if records.failed:
                return
            st.session_state.review_flash = f"Added to the evaluation set as {eval_id}."
            st.rerun()
