"""Patient chat: ask about systemic scleroderma, get answers cited from the documents.

Thin on purpose: widgets and session state here, one call into ``rag`` per question.
"""

from __future__ import annotations

import re

import streamlit as st

from rag.pipeline import Pipeline
from rag.settings import get_settings

st.set_page_config(page_title="Scleroderma questions", page_icon="💬", layout="centered")


@st.cache_resource(show_spinner="Loading the documents…")
def pipeline() -> Pipeline:
    """One pipeline (model, index) per server process, shared by every session."""
    return Pipeline(get_settings())


def as_text(s: str) -> str:
    """Show what a person typed as plain text: Markdown and HTML characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", s)


def show_answer(turn: dict) -> None:
    kind = turn["kind"]
    if kind == "urgent":
        st.error(turn["answer"], icon="🚨")
        return
    if kind == "invalid":
        st.warning(turn["answer"])
        return
    for notice in turn["notices"]:
        st.info(notice["text"])
    st.markdown(as_text(turn["answer"]))
    for c in turn["citations"]:
        with st.expander(f"[{c['n']}] {c['title']} — {c['location']}"):
            st.markdown(as_text(c["text"]))
    st.caption(turn["disclaimer"])


st.title("Questions about scleroderma")
st.caption("Answers come only from the documents below each answer. "
           "For an emergency, call your local emergency number.")

if "turns" not in st.session_state:
    st.session_state.turns = []

for turn in st.session_state.turns:
    with st.chat_message(turn["role"]):
        if turn["role"] == "user":
            st.markdown(as_text(turn["content"]))
        else:
            show_answer(turn)

question = st.chat_input("Ask a question about systemic scleroderma")
if question:
    history = [{"role": t["role"], "content": t.get("content", t.get("answer", ""))}
               for t in st.session_state.turns]
    st.session_state.turns.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(as_text(question))
    with st.chat_message("assistant"), st.spinner("Looking in the documents…"):
        answer = pipeline().ask(question, history).to_json()
        turn = {"role": "assistant", **answer}
        show_answer(turn)
    st.session_state.turns.append(turn)
