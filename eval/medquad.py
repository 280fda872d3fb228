"""MedQuAD as training and held-out data: which conditions may be learned from, and which
are kept for measuring.

A *condition* is one ``(source, focus)``: the answers one NIH site gives about one disease,
which together read like that site's page on it. Every model the project fits on MedQuAD
goes through ``usable_rows`` and ``condition_split``:

- ``usable_rows`` drops the conditions listed in MedQuAD's ``reserved.tsv`` (kept for checks
  from outside the project: never trained, tuned or read) and the conditions of the
  project's own evaluation corpora (scleroderma, IgA nephropathy), so that no held-out figure
  measures pages a model has seen.
- ``condition_split`` puts each condition wholly in ``train`` or ``heldout``, by a seeded
  hash of its key, so adding rows never moves a condition between the two.

MedQuAD is read in place from ``../shared/data/medquad/`` and never copied into the project.
Left out: any text cleaning beyond what each model needs (it is done where it is used).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

from rag.settings import PROJECT_ROOT

MEDQUAD_DIR = PROJECT_ROOT.parent / "shared" / "data" / "medquad"
MEDQUAD = MEDQUAD_DIR / "medquad.jsonl.gz"
RESERVED = MEDQUAD_DIR / "reserved.tsv"
# The conditions of the project's own corpora: a model must not have seen them either.
PROJECT_CONDITIONS = ("scleroderma", "systemic sclerosis", "iga nephropathy")
HELDOUT_SHARE = 0.2


def read_rows(path: Path = MEDQUAD) -> list[dict]:
    """Every answered pair, as the JSON objects of the file."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if r.get("answer", "").strip() and r.get("question", "").strip()]


def reserved_conditions(path: Path = RESERVED) -> frozenset[tuple[str, str]]:
    """``(source, focus)`` pairs MedQuAD keeps for outside checks (header line skipped)."""
    if not path.is_file():
        return frozenset()
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            source, _, focus = line.partition("\t")
            keys.add((source.strip(), focus.strip()))
    return frozenset(keys)


def condition(row: dict) -> tuple[str, str]:
    return (row.get("source", "").strip(), row.get("focus", "").strip())


def is_project_condition(focus: str) -> bool:
    f = focus.lower()
    return any(name in f for name in PROJECT_CONDITIONS)


def usable_rows(rows: list[dict], reserved: frozenset[tuple[str, str]] | None = None) -> list[dict]:
    """The rows a model may learn from or be measured on: reserved and project conditions out."""
    reserved = reserved_conditions() if reserved is None else reserved
    return [r for r in rows if condition(r) not in reserved and not is_project_condition(r.get("focus", ""))]


def is_heldout(key: tuple[str, str], seed: int = 0, share: float = HELDOUT_SHARE) -> bool:
    """Whether a condition is kept for measuring: a stable hash of its key and the seed."""
    digest = hashlib.sha256(f"{seed}|{key[0]}|{key[1].lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64 < share


def condition_split(rows: list[dict], seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(train, heldout) rows, each condition wholly in one of them."""
    train, heldout = [], []
    for r in rows:
        (heldout if is_heldout(condition(r), seed) else train).append(r)
    return train, heldout


def template_free(question: str) -> str:
    """MedQuAD's "What is (are) X ?" as a person writes it: "What is X?"."""
    q = re.sub(r"\s*\((?:are|is)\)\s*", " ", question)
    return re.sub(r"\s+\?", "?", " ".join(q.split()))
