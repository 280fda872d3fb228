"""The patient chat's own pieces: starter questions, feedback on an answer, the privacy
note, and the conversation and answer in the shapes the pipeline and the records take.

The chat page (``app.py``) lays these out; each reads and writes only this browser
session's state and the records (through ``rag.ui.state``).

Left out: editing or deleting a sent question (it goes to the educators as sent).
"""

from __future__ import annotations

import itertools

import streamlit as st

from rag.records.database import MAX_COMMENT_CHARS, RecordError
from rag.schema import Answer
from rag.settings import get_settings
from rag.ui import render, state

PENDING = "pending_question"  # a starter question clicked, asked on the next run

# The chat's own layout: on a phone the page starts below Streamlit's header (which otherwise
# covers the title's first line) with a title that fits; the thumb not chosen fades, so the
# chosen one stands out (the choice is also said in words under them).
CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"], .block-container { padding-top: 4.5rem !important; }
  [data-testid="stHeading"] h1, h1 { font-size: 1.75rem !important; padding-top: 0 !important; }
}
[data-testid="stFeedback"]:has([aria-checked="true"]) button[aria-checked="false"] { opacity: .35; }
</style>
"""


def history_of(turns: list[dict]) -> list[dict]:
    """The conversation so far as ``Pipeline.ask`` takes it (for follow-up questions)."""
    return [{"role": t["role"],
             "content": t["content"] if t["role"] == "user" else t["answer"]["answer"]}
            for t in turns]


def answer_json(answer: Answer) -> dict:
    """The answer as this session and the records keep it: ``Answer.to_json()``, the one
    shape (retrieved passages with their texts and scores), read back by ``Answer.from_json``."""
    return answer.to_json()


def ask_live(pipeline, question: str, history: list[dict]) -> Answer:
    """Ask a pipeline whose answers a chat model writes, showing each checked sentence as
    soon as it is ready, then clear them: the caller draws the final answer, which is the
    extractive fallback with its notice when the model failed partway."""
    stream = pipeline.ask_stream(question, history)
    box = st.empty()
    with box.container():
        with st.spinner("Looking in the documents…"):
            pieces = iter(stream)
            first = next(pieces, None)
        if first is not None:
            st.write_stream(render.as_text(p) for p in itertools.chain([first], pieces))
    box.empty()
    return stream.answer


def privacy_note() -> str:
    """What the app records, where and for how long (``prompts/privacy.md``)."""
    settings = get_settings()
    text = (settings.prompts_dir / "privacy.md").read_text(encoding="utf-8")
    return text.format(retention_days=settings.retention_days)


def _ask_later(question: str) -> None:
    st.session_state[PENDING] = question


def take_pending() -> str | None:
    """A starter question the patient clicked, if any (asked once)."""
    return st.session_state.pop(PENDING, None)


def show_starters(questions: list[str], key: str, heading: str) -> None:
    """Questions the documents answer, one button each; a click asks it."""
    if not questions:
        return
    st.markdown(f"**{heading}**")
    for i, q in enumerate(questions):
        st.button(render.as_text(q), key=f"{key}-{i}", on_click=_ask_later, args=(q,), width="stretch")


COMMENTING = "comment-open"  # the turn whose comment box is open (one at a time)


def _save_rating(turn_id: int) -> None:
    rating = st.session_state.get(f"rating-{turn_id}")
    try:
        state.records().set_feedback(turn_id, state.conversation_id(), rating)
    except RecordError:  # past the retention period, or from an earlier conversation
        st.session_state[f"rating-lost-{turn_id}"] = True
        return
    if rating is not None and not st.session_state.get(f"commented-{turn_id}"):
        st.session_state[COMMENTING] = turn_id  # the comment box opens where it is seen


def _close_comment() -> None:
    st.session_state.pop(COMMENTING, None)


def chosen_words(rating: int) -> str:
    """What the patient chose, said in words (the thumbs alone look much alike)."""
    return "You said this helped." if rating == 1 else "You said this did not help."


def show_feedback(turn_id: int) -> None:
    """Thumbs up or down, the choice said in words beside them, then an optional comment in
    a box that opens over the page (never below the fold, behind the chat box); each is
    stored as soon as it is given."""
    key = f"rating-{turn_id}"
    row = st.container(horizontal=True, vertical_alignment="center", wrap=False)  # one row, even on a phone
    row.feedback("thumbs", key=key, on_change=_save_rating, args=(turn_id,))
    rating = st.session_state.get(key)
    if st.session_state.get(f"rating-lost-{turn_id}"):
        st.caption("This answer is no longer kept, so the rating could not be saved.")
        return
    if rating is None:
        return
    row.markdown(f":material/check_circle: **{chosen_words(rating)}**", width="content")
    if st.session_state.get(f"commented-{turn_id}"):
        st.caption("Thank you. A patient educator will read your comment.")
        return
    st.caption("Thank you for rating this answer.")
    if st.session_state.get(COMMENTING) == turn_id:
        _comment_box(turn_id, rating)


@st.dialog("Thank you for rating this answer", on_dismiss=_close_comment)
def _comment_box(turn_id: int, rating: int) -> None:
    st.markdown(f":material/check_circle: **{chosen_words(rating)}**")
    with st.form(f"comment-{turn_id}", border=False, clear_on_submit=True):
        comment = st.text_input(
            "Anything to add? (optional)", max_chars=MAX_COMMENT_CHARS,
            placeholder="What was missing or unclear?" if rating == 0 else "What helped?")
        send, skip = st.columns(2)
        sent = send.form_submit_button("Send comment", type="primary", width="stretch")
        skipped = skip.form_submit_button("No comment", width="stretch")
    if skipped:
        _close_comment()
        st.rerun()
    if sent:
        try:
            state.records().set_feedback(turn_id, state.conversation_id(), rating, comment)
        except RecordError:
            st.caption("This answer is no longer kept, so the comment could not be saved.")
            return
        st.session_state[f"commented-{turn_id}"] = True
        _close_comment()
        st.rerun()
