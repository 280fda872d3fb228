"""Patient chat: ask about systemic scleroderma, get answers cited from the documents.

Thin on purpose: layout, widgets and session state here, one call into ``rag`` per question
(``Pipeline.ask``, or ``ask_stream`` when a chat model writes the answers), then the answer
is recorded for the educators and drawn by ``rag.ui.render``. The conversation lives in this
browser session only.
"""

from __future__ import annotations

import time

import streamlit as st

from rag.ui import chat, render, state, upload_gate

st.set_page_config(page_title="Scleroderma questions", page_icon=render.ICON, layout="centered")
st.markdown(render.CSS + chat.CSS, unsafe_allow_html=True)
upload_gate.install()  # the chat takes no files: the server keeps none for a patient's session

if "turns" not in st.session_state:
    st.session_state.turns = []
turns: list[dict] = st.session_state.turns

st.title("Questions about scleroderma")
st.caption("Answers come only from documents chosen by patient educators, with the passage "
           "behind every sentence. This is education, not medical advice. In an emergency, "
           "call your local emergency number.")
privacy, restart = st.columns([2, 1], vertical_alignment="center")
with privacy.expander("What this chat keeps about your questions"):
    st.markdown(chat.privacy_note())
restart.button("New conversation", on_click=state.new_conversation, width="stretch",
               help="Start again with an empty chat.")
with st.sidebar:
    st.page_link("pages/1_Review_queue.py", label="Patient educators: sign in",
                 icon=":material/lock:")
pipeline = state.pipeline_or_none()
if pipeline is None:
    st.stop()  # a calm word was shown; the conversation stays in the session for when it's back

for turn in turns:
    with st.chat_message(turn["role"]):
        if turn["role"] == "user":
            render.show_text(turn["content"])
        else:
            render.show_answer(turn["answer"])
            if turn.get("turn_id"):
                chat.show_feedback(turn["turn_id"])

question = st.chat_input("Ask a question about scleroderma",  # longer is refused: stop it at the box
                         max_chars=pipeline.settings.max_question_chars) or chat.take_pending()
if question:
    asked_at = time.monotonic()  # the answer's pauses come out of the wait since (render.paced)
    history = chat.history_of(turns)
    turns.append({"role": "user", "content": question})
    with st.chat_message("user"):
        render.show_text(question)
    with st.chat_message("assistant"):
        if pipeline.streams:  # a chat model writes the answer: show it as it is written
            answer = chat.answer_json(chat.ask_live(pipeline, question, history))
        else:
            with st.spinner("Looking in the documents…"):
                answer = chat.answer_json(pipeline.ask(question, history))
        turn_id = state.records().record_turn(state.conversation_id(), answer)
        shown = {k: answer[k] for k in ("kind", "answer", "sentences", "citations", "notices",
                                        "disclaimer")}
        render.show_answer(shown, stream=None if pipeline.streams
                           else render.paced(render.answer_pieces(shown), since=asked_at))
        turns.append({"role": "assistant", "answer": shown, "turn_id": turn_id})
        if turn_id:
            chat.show_feedback(turn_id)

if not turns:
    chat.show_starters(state.starter_questions(), "starter", "You could ask:")
elif turns[-1]["role"] == "assistant" and turns[-1]["answer"]["kind"] == "not_found":
    chat.show_starters(state.starter_questions(), f"instead-{len(turns)}",
                       "Questions my documents can answer:")
