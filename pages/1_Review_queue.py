"""Review queue: recorded answers, the ones needing an educator's eyes first.

Thumbs-down answers, urgent escalations, "not found" and weak evidence come first. Each
shows the question, the answer, its passages with their scores and the patient's feedback;
the educator marks it right or wrong with a note, and can add it to the evaluation set.
When the records can't be read (locked, damaged, gone, even while the server runs) the page
says so and what to do, and stops; the details are in the server log.
"""

import streamlit as st

from rag.settings import get_settings
from rag.ui import render, review, state
from rag.ui.auth import require_educator

st.set_page_config(page_title="Review queue", page_icon=render.ICON, layout="wide")
require_educator()
st.markdown(render.CSS, unsafe_allow_html=True)

st.title("Review queue")
records = state.records()


def unreadable() -> None:
    """Say calmly that the records can't be read, and what to do; then stop the page."""
    st.warning(
        "The review queue can't be read right now: the records file "
        f"({get_settings().records_path}) is locked, damaged or missing. Reload this page in "
        "a minute. If it keeps failing, ask whoever runs the app to check the server log "
        "(logger `rag.ui.records`); a damaged file can be moved aside and the app restarted, "
        "which starts an empty one.", icon=":material/warning:")
    st.stop()


if not records.available():  # said why, calmly; the details are in the server log
    unreadable()
weak = state.weak_below()
if flash := st.session_state.pop("review_flash", None):
    st.success(flash)

counts = records.counts(weak)
if counts is None:  # opened earlier in this process, but the file failed since
    unreadable()
columns = st.columns(5)
for column, (label, key) in zip(columns, [("To review", "open"), ("Thumbs down", "thumbs_down"),
                                          ("Urgent", "urgent"), ("Not found", "not_found"),
                                          ("Weak evidence", "weak")]):
    column.metric(label, counts[key])
st.caption(f"Weak evidence: answered with confidence below {weak:.2f}. Recorded answers are "
           f"deleted after {get_settings().retention_days} days.")

filters, sizes = st.columns([3, 1], vertical_alignment="bottom")
show = filters.segmented_control("Show", ["To review", "Reviewed", "All"], default="To review",
                                 key="queue_status") or "To review"
size = sizes.selectbox("At most", [10, 25, 50, 100], index=1, key="queue_size")
status = {"To review": "open", "Reviewed": "reviewed", "All": "all"}[show]
items = records.review_queue(weak, status=status, limit=size)
if items is None:
    unreadable()
if not items:
    st.info("Nothing here. Answers appear as patients ask questions.")
for turn in items:
    with st.container(border=True, key=f"queue-item-{turn.id}"):
        review.show_item(turn, records, records.earlier_questions(turn) or [])
