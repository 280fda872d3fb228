"""Review queue: recorded answers, the ones needing an educator's eyes first.

Thumbs-down answers, urgent escalations, "not found" and weak evidence come first, a page
at a time. Each
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

filters, sizes, pages = st.columns([3, 1, 1], vertical_alignment="bottom")
show = filters.segmented_control("Show", ["To review", "Reviewed", "All"], default="To review",
                                 key="queue_status") or "To review"
size = sizes.selectbox("Per page", [10, 25, 50, 100], index=1, key="queue_size")
status = {"To review": "open", "Reviewed": "reviewed", "All": "all"}[show]
total = {"open": counts["open"], "reviewed": counts["total"] - counts["open"], "all": counts["total"]}[status]
last_page = max(1, -(-total // size))
if st.session_state.get("queue_page", 1) > last_page:  # fewer pages now (another filter, a review)
    st.session_state.queue_page = last_page
page = pages.number_input(f"Page (of {last_page})", min_value=1, max_value=last_page, step=1, key="queue_page")
items = records.review_queue(weak, status=status, limit=size, offset=(page - 1) * size)
if items is None:
    unreadable()
if not items:
    st.info("Nothing here. Answers appear as patients ask questions.")
else:
    st.caption(f"Showing {(page - 1) * size + 1}–{(page - 1) * size + len(items)} of {total}.")
for turn in items:
    with st.container(border=True, key=f"queue-item-{turn.id}"):
        review.show_item(turn, records, records.earlier_questions(turn) or [])
