"""The safety rules: hand-written, because a miss here must never happen.

- ``triage``: the first stage of every question: empty, over-long or non-English input,
  emergencies, personal-advice questions and injected instructions;
- ``emergency_rules`` and ``emergency_paraphrases``: emergencies in patients' words
  (``rag/data/emergencies.tsv``), with typos and other languages; the rules are
  ``emergency_english``, ``emergency_languages`` (Spanish, French, Portuguese, Chinese,
  Arabic) and ``emergency_reading`` (what they read: bounded, typos repaired);
- ``advice``: dosing and "stop/start your medicine" questions, and document sentences that
  would give such instructions;
- ``flags``, ``redact``, ``language``: what a message carries besides its question.

A rules layer any stage may import. May import: the shared layer (``rag.schema``,
``rag.settings``, ``rag.text``, ``rag.embeddings``) and itself. Left out: anything learned
from data; where a rule must not miss, it stays a rule.
"""
