"""The educator's approved-answer form and list (``rag.records.approved``).

``approve_form`` lets an educator write or edit the answer to a question and approve it:
one sentence a line, each ending with the number of the passage it cites, from the
answer's own passages and the others retrieved with it; the name given at sign-in is
prefilled. ``show_list`` shows every approved answer with how often it was served, its
thumbs, whether it is stale, its history, and forms to approve it again or remove it.

Left out: choosing a passage the question did not retrieve (ask the question in other
words on "Try a question", or use ``python -m rag approved add --cite``).
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from rag.records.approved import (ApprovalError, editable_text, new_version, newly_stale, offered_passages,
                          parse_answer, sentences_from_text)
from rag.schema import Answer
from rag.ui import render
from rag.ui.auth import NAME_KEY  # the name given at sign-in


def _day(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


def approve_form(question: str, answer: Answer, records, key: str, approved_id: int | None = None) -> None:
    """Write or edit the answer to ``question`` from ``answer``'s passages, and approve it."""
    passages = offered_passages(answer.citations, [p.chunk for p in answer.retrieved])
    if not passages:
        st.caption("No passages to cite: try the question in other words first.")
        return
    with st.form(f"approve-{key}"):
        asked = st.text_input("Question", value=question, key=f"approve-question-{key}")
        text = st.text_area("Approved answer: one sentence a line, each ending with the [number] "
                            "of the passage below it cites",
                            value=editable_text(answer.sentences or sentences_from_text(answer.answer),
                                                answer.citations, passages),
                            height=160, key=f"approve-text-{key}")
        name = st.text_input("Approved by", value=st.session_state.get(NAME_KEY, ""),
                             key=f"approve-name-{key}")
        submitted = st.form_submit_button("Approve this answer")
    with st.expander(f"Passages to cite ({len(passages)})"):
        for i, c in enumerate(passages, 1):
            st.markdown(render.as_text(f"**[{i}]** {c.title} — {c.location}"))
            render.show_text(c.text)
    if submitted:
        try:
            version = new_version(asked, parse_answer(text, passages), name)
        except ApprovalError as e:
            st.error(str(e))
            return
        st.session_state[NAME_KEY] = version.educator
        new_id = records.approve(version, approved_id)
        if new_id is not None:
            st.success(f"Approved: patients asking “{version.question}” now get this answer.")


def show_list(records, pipeline) -> None:
    """Every approved answer: served, thumbs, stale or not, history; edit or remove it."""
    kept = records.approved_answers(with_history=True)
    if kept is None:
        return
    stale = newly_stale(kept, lambda ids: {c.chunk_id: c for c in pipeline.store.get(ids)[0]})
    for approved_id, why in stale:  # a document changed or went since: say so now
        records.mark_stale(approved_id, why)
    if stale:
        kept = records.approved_answers(with_history=True) or []
    if not kept:
        st.info("No approved answers yet. Approve one from the review queue or from “Try a question”.")
        return
    st.dataframe([{"question": a.question, "status": "not served: " + a.stale if a.stale else "served",
                   "times served": a.served, "thumbs up": a.thumbs_up, "thumbs down": a.thumbs_down,
                   "approved by": a.latest.educator,
                   "on": datetime.fromtimestamp(a.latest.approved_at).strftime("%Y-%m-%d")} for a in kept],
                 hide_index=True, width="stretch")
    for a in kept:
        label = (f"{a.question} — version {a.latest.version}, approved by {a.latest.educator}"
                 + (" · stale" if a.stale else ""))
        with st.expander(render.as_text(label)):
            if a.stale:
                st.warning(f"Not served: {a.stale}. Check the answer against the documents and "
                           "approve it again.", icon=":material/warning:")
            render.show_answer(Answer(question=a.question, kind="answered", answer="",
                                      sentences=list(a.latest.sentences), citations=list(a.latest.citations)))
            for v in reversed(a.history[:-1]):
                st.caption(render.as_text(f"Version {v.version}, {_day(v.approved_at)}, {v.educator}: "
                                          + " ".join(s.text for s in v.sentences)))
            fresh = pipeline.ask(a.question, finish=False) if a.stale else None
            base = Answer(question=a.question, kind="answered", answer="", sentences=list(a.latest.sentences),
                          citations=list(a.latest.citations), retrieved=fresh.retrieved if fresh else [])
            approve_form(a.question, base, records, key=f"list-{a.id}", approved_id=a.id)
            if st.button("Remove this approved answer", key=f"remove-approved-{a.id}"):
                records.remove_approved(a.id)
                st.rerun()
