"""What the app keeps: conversations, feedback and educators' approved answers, in SQLite.

- ``database``: the records database (questions redacted, feedback, review queue);
- ``connection``: its SQLite file: the tables, WAL, one connection and transaction per call;
- ``approved_store``: the approved answers kept in it, every version;
- ``approved``: approved answers: matching a new question to them, staleness, history;
- ``approved_matching``: whether two questions ask the same thing (the fitted thresholds).

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Functions that need another stage's reading (``approved.find``'s kind and focus
of a question) take it as a parameter from the pipeline. Left out: Streamlit (``rag.ui``).
"""
