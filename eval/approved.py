"""How well approved answers find their questions: ``python -m eval.approved [--fit]``.

Reads ``eval/approved_pairs.jsonl``: pairs of an approved question and a question a patient
might ask, labelled ``match`` (a paraphrase that must be served the approved answer) or not
(a near-miss that must not: another medicine, another group of people, another aspect), each
in the ``fit`` or ``held_out`` half. The halves split by approved question, so no held-out
question was seen in fitting. Pairs marked ``"batch": 2`` were added later (new approved
questions on other conditions, in both halves); the held-out half is reported as first
written, as added and whole. Prints precision and recall on each half at the thresholds
``rag.records.approved_matching`` ships, and the pairs it gets wrong. ``--fit`` searches the three cosine
thresholds, the two specificity cuts and the cosine above which a swapped word no longer
blocks on the fit half (the most recall with precision at
least ``--precision``, 0.97 by default, the target) and prints them, to be copied into
``rag/records/approved_matching.py``: the shipped numbers change only by an edit.

The model is the app's (MiniLM on torch, the same vectors as the app's ONNX fp32).

Left out: fitting the synonym cosines; they are set by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.question.kinds import focus_phrase
from rag.records.approved_matching import Difference, MatchParams, differences, focus_terms, matches

PAIRS = Path(__file__).resolve().parent / "approved_pairs.jsonl"


@dataclass(frozen=True)
class Pair:
    approved: str
    asked: str
    match: bool
    split: str
    cosine: float = 0.0
    same_kind: bool = True
    diffs: tuple[Difference, ...] = ()
    same_focus: bool = False
    batch: int = 1


def load_pairs(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scored(rows: list[dict], embed, kinds) -> list[Pair]:
    """Each pair with what the matcher decides from: cosine, same kind, the differing word."""
    texts = sorted({r[k] for r in rows for k in ("approved", "asked")})
    vecs = dict(zip(texts, embed(texts)))
    kind = {t: g.kind for t, g in zip(texts, kinds.predict(np.vstack([vecs[t] for t in texts]), texts))}
    return [Pair(r["approved"], r["asked"], bool(r["match"]), r["split"],
                 float(vecs[r["approved"]] @ vecs[r["asked"]]), kind[r["approved"]] == kind[r["asked"]],
                 differences(r["approved"], r["asked"], embed),
                 bool(focus_terms(r["approved"], focus_phrase))
                 and focus_terms(r["approved"], focus_phrase) == focus_terms(r["asked"], focus_phrase),
                 int(r.get("batch", 1)))
            for r in rows]


def figures(pairs: list[Pair], params: MatchParams) -> dict:
    said = [matches(p.cosine, p.same_kind, p.diffs, params, p.same_focus) for p in pairs]
    tp = sum(s and p.match for s, p in zip(said, pairs))
    fp = sum(s and not p.match for s, p in zip(said, pairs))
    fn = sum(p.match and not s for s, p in zip(said, pairs))
    return {"pairs": len(pairs), "paraphrases": sum(p.match for p in pairs),
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "wrong": [(p.approved, p.asked, "missed" if p.match else "matched") for s, p in zip(said, pairs)
                      if s != p.match]}


def fit(pairs: list[Pair], least_precision: float) -> MatchParams:
    """The thresholds with the most recall at ``least_precision`` or better (then the
    highest thresholds: the safest of equals)."""
    grid = np.round(np.arange(0.76, 1.0, 0.01), 2)
    best: tuple | None = None
    for s, w, c, b in itertools.product((1.5, 2.0, 2.5, 3.0, 3.5), (1.0, 1.5, 2.0, 99.0), (0.75, 0.8, 0.85, 0.9, 1.0),
                                        (0.93, 0.95, 0.97, 1.01)):
        for m in grid:
            for k in grid[grid >= m]:
                params = MatchParams(float(m), float(k), s, w, c, swap_below=b)
                f = figures(pairs, params)
                key = (f["precision"] >= least_precision, f["recall"], -s, -w, c, b, m, k)
                if best is None or key > best[0]:
                    best = (key, params)
    return best[1]


def main(argv: list[str] | None = None) -> int:
    from rag.embeddings import shared_embedder
    from rag.question.kinds import KindModel
    from rag.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m eval.approved", description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default=str(PAIRS))
    parser.add_argument("--fit", action="store_true", help="search the thresholds on the fit half")
    parser.add_argument("--precision", type=float, default=0.97, help="least precision when fitting")
    args = parser.parse_args(argv)
    model = shared_embedder(get_settings(), backend="torch")
    pairs = scored(load_pairs(Path(args.pairs)), model.embed, KindModel.load())
    params = fit([p for p in pairs if p.split == "fit"], args.precision) if args.fit else MatchParams()
    print(f"thresholds: cosine {params.match_cosine:.2f} (same kind), {params.kind_cosine:.2f} (different "
          f"kinds); most specific word {params.most_specific:.1f}; swapped words from {params.swap_specific:.1f}; "
          f"same kind and focus {params.focus_cosine:.2f}; swapped words allowed from cosine {params.swap_below:.2f}"
          + (" (fitted now)" if args.fit else " (as shipped in rag/records/approved_matching.py)"))
    for name, chosen in halves(pairs):
        f = figures(chosen, params)
        print(f"{name}: {f['pairs']} pairs ({f['paraphrases']} paraphrases): "
              f"precision {f['precision']:.3f}, recall {f['recall']:.3f}")
        if name in ("fit", "held_out (all)"):
            for approved, asked, what in f["wrong"]:
                print(f"    {what}: {approved!r} / {asked!r}")
    return 0


def halves(pairs: list[Pair]) -> list[tuple[str, list[Pair]]]:
    """What is reported: the fit half, and the held-out half as first written (batch 1), as
    added later (batch 2, new approved questions on other conditions) and whole."""
    held = [p for p in pairs if p.split == "held_out"]
    return [("fit", [p for p in pairs if p.split == "fit"]),
            ("held_out (first 109)", [p for p in held if p.batch == 1]),
            ("held_out (added)", [p for p in held if p.batch != 1]),
            ("held_out (all)", held)]


if __name__ == "__main__":
    sys.exit(main())
