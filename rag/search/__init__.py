"""Finding the passages that may answer: hybrid dense + BM25 search.

- ``expansions``: abbreviations and everyday words the documents say otherwise;
- ``retrieve``: the ``Retriever``, which reads the index through ``schema.PassageIndex``.

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Left out: choosing sentences from the passages (``rag.compose``).
"""
