"""From retrieved passages to a cited answer: which sentences, in what order, and whether
to answer at all.

- ``candidates``: the sentences of the retrieved passages, with where they came from;
- ``sentence_kinds``: the cue patterns kept where held-out figures show they still help;
- ``scorer`` and ``reranker``: the learned answer-sentence scorers (MedQuAD, held-out conditions);
- ``evidence``: what a sentence shares with the question;
- ``extract``: the composition: the candidates scored, the answer cited, its evidence;
- ``selection``: which sentences, told in what order: the lead, supporting sentences and
  chains, lists (the rules' weights, ``SelectionParams``);
- ``confidence``: the fitted answer-or-"not found" decision.

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Left out: rewording (``rag.plain``) and the chat model (``rag.chat_model``).
"""
