"""The seeded data both answer-scorer trainers share (``eval.train_ranker`` and
``eval.train_cross_encoder``): usable MedQuAD pages split by whole conditions into fit,
validation and held-out pages, capped per source; their examples (``eval.ranker_data``),
training questions rewritten half the time the way patients type them; and the disk cache
of sentence vectors under ``.rag/cache/`` that makes a second run cheap.

Left out: building a page and its candidates (``eval.ranker_data``), which conditions may be
read at all (``eval.medquad``), and any fitting or scoring.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from .medquad import condition_split, read_rows, template_free, usable_rows
from .ranker_data import Example, examples, pages_of

LEAD_INS = ("", "", "hi, ", "quick question: ", "my doctor mentioned this. ", "sorry if this is silly, ")


def patient_style(row: dict, rng: random.Random) -> str:
    """Half the training questions as patients type them: lower case, a lead-in, no "?"."""
    q = template_free(row["question"])
    if rng.random() < 0.5:
        return q
    q = rng.choice(LEAD_INS) + q[0].lower() + q[1:]
    return q.rstrip("?") if rng.random() < 0.5 else q


class DiskVectors:
    """Text -> vector, each distinct text embedded once and kept in an .npz between runs."""

    def __init__(self, embedder, path: Path):
        self.embedder, self.path, self.cache = embedder, path, {}
        if path.is_file():
            with np.load(path, allow_pickle=False) as d:
                self.cache = dict(zip((str(t) for t in d["texts"]), d["vectors"]))
        self.new = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed(missing)):
                self.cache[t] = v
            self.new += len(missing)
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def save(self) -> None:
        if self.new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, texts=np.array(list(self.cache)), vectors=np.stack(list(self.cache.values())))
            self.new = 0


def capped(pages: list, per_source: int, seed: int) -> list:
    by_source: dict[str, list] = defaultdict(list)
    for p in pages:
        by_source[p.key[0]].append(p)
    out = []
    for source in sorted(by_source):
        group = by_source[source]
        random.Random(f"{seed}|{source}").shuffle(group)
        out.extend(group[:per_source])
    return out


def is_validation(key: tuple[str, str], seed: int) -> bool:
    digest = hashlib.sha256(f"val|{seed}|{key}".encode()).digest()
    return digest[0] < 38  # about 15%


def split_pages(seed: int, per_source: int, heldout_per_source: int, log) -> tuple[list, list, list]:
    """(fit, validation, held-out) pages: usable MedQuAD rows split by whole conditions,
    capped per source; validation is a seeded share of the training side."""
    rows = usable_rows(read_rows())
    train_rows, held_rows = condition_split(rows)
    train_pages = capped(pages_of(train_rows, seed), per_source, seed)
    held_pages = capped(pages_of(held_rows, seed), heldout_per_source, seed)
    fit_pages = [p for p in train_pages if not is_validation(p.key, seed)]
    val_pages = [p for p in train_pages if is_validation(p.key, seed)]
    log(f"{len(rows)} usable pairs; pages: {len(fit_pages)} fit, {len(val_pages)} validation, {len(held_pages)} held out")
    return fit_pages, val_pages, held_pages


def split_examples(fit_pages: list, val_pages: list, held_pages: list, embed: "DiskVectors",
                   seed: int) -> tuple[list[Example], list[Example], list[Example]]:
    """The examples of each split: training questions in patients' styles, the others as
    MedQuAD words them (without its templates); new sentence vectors saved as they come."""
    fit = examples(fit_pages, embed, seed, patient_style)
    embed.save()
    val = examples(val_pages, embed, seed + 1, lambda r, _: template_free(r["question"]))
    held = examples(held_pages, embed, seed + 2, lambda r, _: template_free(r["question"]))
    embed.save()
    return fit, val, held
