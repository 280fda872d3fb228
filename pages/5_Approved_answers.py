"""Approved answers: what educators approved, how often each was served, and its thumbs.
Each can be edited (a new version) or removed; a stale one (its document changed) waits
here until an educator approves it again."""

import streamlit as st

from rag.ui import approve, render, state
from rag.ui.auth import require_educator

st.set_page_config(page_title="Approved answers", page_icon=render.ICON, layout="wide")
require_educator()
st.markdown(render.CSS, unsafe_allow_html=True)

st.title("Approved answers")
st.caption("Patients who ask the same thing in other words get these answers as approved, with "
           "“Reviewed by an educator on <date>”. Emergencies always come first.")
records = state.records()
if records.available():
    approve.show_list(records, state.pipeline())
