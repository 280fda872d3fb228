"""Patient-education answers about systemic scleroderma, grounded in curated documents.

The packages, in the order a question meets them (``rag.answering`` wires them):

- ``safety``: triage: emergencies, advice questions, injected instructions (hand rules);
- ``question``: spelling, the kind of question, its focus, follow-ups;
- ``records``: approved answers (and what the app records);
- ``search``: hybrid dense + BM25 search over the index;
- ``compose``: the cited answer: the learned scorer, composition, answer or "not found";
- ``plain``: plain words, simpler answers, the glossary;
- ``chat_model``: the optional chat model and its grounding check.

Beside them: ``indexing`` (documents in, passages out), and the shared layer every stage
may read: ``schema`` (the typed hand-offs), ``settings`` (one typed settings object),
``text`` (string helpers, word lists) and ``embeddings`` (vectors, offline).

Directly here: the entry points (``cli``, ``__main__``) and the subcommands (``commands``),
``pipeline`` (the clients and indexes), ``answering`` (its stage line) and its ``draft``,
``finisher`` and ``prompts`` (the chat model's step and its prompt files), ``settings`` and
``schema``. Imports run downwards: top -> stages -> safety -> shared; never sideways between
stages (``tests/test_layout.py``). ``ui`` holds the Streamlit-only helpers of the app.
"""
