"""Patient-education answers about systemic scleroderma, grounded in curated documents.

Stages, one module each: ``loaders`` (files to documents), ``chunking`` (passages with
provenance), ``embeddings`` (vectors, offline), ``store`` (Chroma), ``ingest`` (incremental
indexing), ``lexical`` (BM25), ``query`` (cleaning, follow-ups), ``retrieve`` (hybrid
search), ``safety`` (triage), ``answer`` (extractive, cited), ``calibration`` (answer or
say "not found"), ``pipeline`` (wires them), ``cli``.
"""
