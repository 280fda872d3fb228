"""Plain language: the same sentences, in simpler words, with hard words explained.

- ``rewrite``: rewording each answer sentence, keeping its citation and its quote;
- ``simpler``: "say that more simply": the main point in at most three short sentences;
- ``glossary``: definitions from the corpus's glossary documents, cited like any passage.

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Left out: choosing the sentences (``rag.compose``).
"""
