"""Scale and speed benchmark on MedQuAD: ``python -m bench`` (see README, "Scale and speed").

Modules: ``data`` (the workload: answers as documents, questions as queries, relevance by
identical answer text), ``measures`` (recall@10, MRR@10, percentiles, the compute bound),
``serve`` (a separate serving process: retrieval quality, latency, peak memory), and
``__main__`` (runs everything and prints one table).
"""
