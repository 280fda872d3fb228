"""What the patient asked: spelling, the kind of question, its focus, and follow-ups.

- ``spelling``: a patient's words corrected against the index's vocabulary, the glossary and
  the medicine list, before anything else reads them;
- ``word_forms``: the words of a text as spelling reads them: what counts as a word, its key,
  how the texts write it (a name's capitals, a possessive);
- ``word_pairs``: a word read beside its neighbours ("stem cel" is "stem cell");
- ``english``: how common a word is in everyday English, and the everyday word a slip
  stands for ("pregant");
- ``kinds``: the kind of question (treatment, side effects, outlook...), a model learned on
  MedQuAD, and its focus phrase;
- ``understand``: the question to answer, whether it is yes/no or a definition, and what
  it names that no document mentions;
- ``conversation``: which topic a follow-up that names none is about;
- ``subject``: what the whole library is about, from its documents' titles.

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Left out: search expansions (``rag.search.expansions``) and cleaning what
was typed (``rag.text.typed``).
"""
