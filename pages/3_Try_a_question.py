"""Try a question: ask as a patient would and see the retrieved passages next to the answer,
and their scores below it. Nothing asked here is recorded."""

import streamlit as st

from rag.ui import approve, render, review, state
from rag.ui.auth import require_educator

st.set_page_config(page_title="Try a question", page_icon=render.ICON, layout="wide")
require_educator()
st.markdown(render.CSS, unsafe_allow_html=True)

st.title("Try a question")
st.caption("Asked exactly as in the patient chat, but not recorded.")
with st.form("try"):
    question = st.text_area("Question", key="try_question")
    earlier = st.text_area("Earlier questions in the conversation (optional, one per line)",
                           key="try_history", help="To try a follow-up such as “and is it safe?”")
    asked = st.form_submit_button("Ask")
if asked:
    history = [{"role": "user", "content": q} for q in earlier.splitlines() if q.strip()]
    st.session_state.try_result = state.pipeline().ask(question, history)

answer = st.session_state.get("try_result")
if answer:
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Answer")
        render.show_answer(answer)
        st.caption(f"{answer.kind.replace('_', ' ')} · confidence {answer.confidence:.2f}"
                   f"{render.grade_label(answer.reading_grade, ' · ')} · "
                   f"searched for: “{render.as_text(answer.query)}” · "
                   f"{answer.timings_ms.get('total', 0):.0f} ms")
        with st.expander("Write or edit the answer, and approve it"):
            approve.approve_form(answer.question, answer, state.records(), key="try")
    with right:
        st.subheader("Retrieved passages")
        for rank, p in enumerate(answer.retrieved, 1):
            n = answer.cited_as(p)
            cited = next((c for c in answer.citations if c.n == n), None)
            with st.expander(render.as_text(f"#{rank} · {p.score:.3f} · {p.chunk.title} — {p.chunk.location}")):
                render.show_passage(p.chunk.text, cited.highlights if cited else ())
    st.markdown("**The passages' scores**")  # the whole width: seven columns don't fit beside the answer
    review.show_passages(answer)
