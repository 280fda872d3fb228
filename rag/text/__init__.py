"""Shared text helpers every stage reads: plain functions over strings, no stage logic.

- ``cleaning``: normalising document text and splitting it into sentences;
- ``typed``: what a patient typed made safe to read (markup removed, injected instructions
  cut out);
- ``lexical``: tokens, stems, stopwords, BM25 and how specific a word is;
- ``message``: the question part of a long message;
- ``sentences``: whether a sentence leans on the one before it, and its reading grade;
- ``citations``: citation markers and renumbering;
- ``wordlists`` and ``plain_words``: the reviewed tables in ``rag/data/``.

May import: ``rag.schema`` and ``rag.settings`` only. Left out: anything that needs the
embedding model, the index or a word list of one stage's own.
"""
