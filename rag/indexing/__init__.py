"""Documents in, searchable passages out.

- ``loaders`` and ``pdf``: text, Markdown and PDF files to ``Document``s, with clear refusals
  for corrupt, encrypted, empty or binary files;
- ``chunking``: passages with provenance (title, section, page, character offsets);
- ``sources``: the files, folders and JSON-lines records a run is given, each loaded only
  if it needs indexing;
- ``ingest``: incremental indexing that survives being killed halfway;
- ``store`` and ``chroma_client``: the one seam to Chroma, embedded or a server;
- ``topics``: candidate starter questions from what the indexed passages cover (headings,
  glossary terms, repeated phrases), in plain words;
- ``suggestions``: the starter questions shown to patients: the candidates the pipeline
  answers, kept beside the index.

May import: the shared layer (``rag.schema``, ``rag.settings``, ``rag.text``,
``rag.embeddings``), ``rag.safety`` and itself; never another stage (what passes between
stages is in ``rag.schema``). ``tests/test_layout.py`` checks this. Left out: how passages are searched (``rag.search``).
"""
