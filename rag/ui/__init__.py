"""Streamlit-only helpers shared by the app's pages.

``auth`` guards the educator pages with a password; ``render`` draws answers, citations and
passages; ``state`` holds what is built once per server process (the pipeline, the record
store). Nothing in ``rag`` outside this package imports Streamlit, so the command line,
evaluation and benchmarks never load it.
"""
