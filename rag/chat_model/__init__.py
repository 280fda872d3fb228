"""The optional chat model: one client seam and the check of what it writes.

- ``client``: the chat model behind one seam (none by default; a fake in tests), with
  clear errors that say what to install or configure;
- ``grounding``: every sentence the model writes must be supported by a cited passage.

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Left out: the prompt files (``rag.prompts``) and the finishing step that
uses both (``rag.finisher``), which sit above the stages.
"""
