"""``python -m eval.train_ranker``: fit the answer-sentence scorer on MedQuAD and report
held-out precision beside today's ranker and plain similarity.

One seeded command. It reads MedQuAD in place, keeps out the reserved and project
conditions (``eval.medquad``), splits the rest by whole conditions, builds pages and
examples (``eval.ranker_data``), and fits small networks over frozen MiniLM vectors and the
scorer's plain features (``rag.compose.scorer``). Every variant is scored on the same
held-out conditions, per source, in the same run:

- ``similarity``: the sentence most similar to the question (a naive answerer);
- ``rules``: today's composer (``rag.compose.extract.extract`` with its cue patterns and weights);
- ``linear (kind)``: a logistic model over the scalar features and the kind agreement
  (``rag.compose.scorer.KindHeads``, fitted here first);
- ``network (kind)``: one hidden layer over the same (the shipped scorer, ``--ship``);
- ``network (kind) + cues``: also reading the hand cue strength of the question's kind
  (``rag.compose.sentence_kinds``), to see whether the hand patterns still add anything;
- ``network (vectors)``: one hidden layer over the raw question and sentence vectors and
  the scalar features;
- ``cross-encoder`` (``--cross-encoder MINUTES``): all-MiniLM-L6-v2 fine-tuned as a
  cross-encoder on (question, sentence) pairs, within a time budget.

The ``--ship`` variant is written to ``rag/data/answer_scorer.npz`` with its two thresholds
fitted on the validation conditions (``support``: a supporting sentence must reach it;
``answers``: below it nothing answers), and the report to ``eval/ranker_report.md``.
Sentence vectors are cached under ``.rag/cache/``.

The split pages, their examples and the vector cache are in ``eval.ranker_splits``, the
fitted models in ``eval.ranker_models``, the figures, thresholds and the report's table in
``eval.ranker_figures``; here is ``main``.

Left out: GPU training, and any question of a reserved or project condition.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from rag.compose.scorer import DEFAULT_PATH, SCALARS, AnswerScorer
from rag.embeddings import shared_embedder
from rag.question.kinds import KindModel
from rag.compose.sentence_kinds import kind_strength
from rag.settings import PROJECT_ROOT, Settings

from . import ranker_models
from .ranker_data import Example
from .ranker_figures import by_source, figures, rules_scores, scoring_ms, table, thresholds
from .ranker_models import fit_heads, fit_network, kind_rows, network_scores, vector_rows
from .ranker_splits import DiskVectors, split_examples, split_pages

REPORT = PROJECT_ROOT / "eval" / "ranker_report.md"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.train_ranker", description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-source", type=int, default=220, help="training pages per MedQuAD source")
    ap.add_argument("--heldout-per-source", type=int, default=40, help="held-out pages per source")
    ap.add_argument("--hidden", type=int, default=16, help="hidden units of the kind-input network")
    ap.add_argument("--ship", default="network (kind)",
                    choices=("linear (kind)", "network (kind)", "network (vectors)"), help="the variant written")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--cross-encoder", type=float, default=0.0, metavar="MINUTES",
                    help="also fine-tune a cross-encoder for this many minutes and score it")
    ap.add_argument("--drop", default="", help="comma-separated scalar features the network may not read")
    ap.add_argument("--out", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--report", type=Path, default=REPORT)
    ap.add_argument("--dry-run", action="store_true", help="report only; write no weights")
    args = ap.parse_args(argv)
    t0 = time.time()
    ranker_models.DROPPED = tuple(n for n in args.drop.split(",") if n)  # what the fits may not read
    unknown = [n for n in ranker_models.DROPPED if n not in SCALARS]
    if unknown:
        ap.error(f"unknown features {unknown}; known: {', '.join(SCALARS)}")
    settings = Settings()
    embed = DiskVectors(shared_embedder(settings), Path(settings.cache_dir) / "ranker-vectors.npz")
    kinds = KindModel.load()

    log = lambda m: print(f"[{time.time() - t0:6.0f}s] {m}", file=sys.stderr, flush=True)  # noqa: E731
    fit_pages, val_pages, held_pages = split_pages(args.seed, args.per_source, args.heldout_per_source, log)
    fit, val, held = split_examples(fit_pages, val_pages, held_pages, embed, args.seed)
    log(f"examples: {len(fit)} fit, {len(val)} validation, {len(held)} held out; {len(embed.cache)} texts embedded")

    cue = lambda ex: np.array([kind_strength(c.text, kinds.predict(ex.qvec[None, :], [ex.question])[0].kind)  # noqa: E731
                               for c in ex.cands], np.float32)
    results: dict[str, list[tuple[Example, np.ndarray]]] = {}
    results["similarity"] = [(ex, ex.scalars[:, SCALARS.index("sim")]) for ex in held]
    results["rules (today)"] = [(ex, rules_scores(ex, embed, kinds)) for ex in held]
    log("baselines scored")
    heads = fit_heads(fit, args.seed)
    by_kind = kind_rows(heads, kinds)
    variants = {"linear (kind)": (0, by_kind), "network (kind)": (args.hidden, by_kind),
                "network (vectors)": (64, vector_rows)}
    fitted = {}
    for name, (hidden, rows) in variants.items():
        params, mean, scale = fit_network(fit, hidden, args.epochs, args.seed, rows)
        fitted[name] = (params, mean, scale, rows)
        results[name] = [(ex, network_scores(params, mean, scale, ex, rows)) for ex in held]
        log(f"{name} fitted")
    cues = {id(ex): cue(ex) for ex in fit + held}
    params, mean, scale = fit_network(fit, args.hidden, args.epochs, args.seed, by_kind, cues)
    results["network (kind) + cues"] = [(ex, network_scores(params, mean, scale, ex, by_kind, cues[id(ex)]))
                                        for ex in held]
    log("network (kind) + cues fitted")
    if args.cross_encoder > 0:
        from .cross_encoder import train_and_score

        results["cross-encoder"] = train_and_score(fit, held, args.cross_encoder, args.seed, log)

    val_figures = {name: figures([(ex, network_scores(p, m, sc, ex, rows)) for ex in val])["p@1"]
                   for name, (p, m, sc, rows) in fitted.items()}
    chosen = args.ship
    params, mean, scale, rows = fitted[chosen]
    support, answers = thresholds([(ex, network_scores(params, mean, scale, ex, rows)) for ex in val])
    sources = sorted({ex.source for ex in held})
    report = [
        "# Answer-sentence scorer: held-out report",
        "",
        f"Written by `python -m eval.train_ranker --seed {args.seed}` in {time.time() - t0:.0f} s. "
        f"Pages (one per condition, answers shuffled; half with each answer under its question as a heading): "
        f"{len(fit_pages)} to fit, "
        f"{len(val_pages)} for validation, {len(held_pages)} held out (whole conditions; reserved and "
        "project conditions never read). Candidates: the sentences of the 6 passages most like the question "
        "among the page's and those of the 3 pages nearest it, plus one passage of an unrelated condition.",
        "",
        f"Examples: {len(fit)} to fit, {len(val)} validation, {len(held)} held out.",
        "",
        "P@1: the first sentence is part of the question's own answer; lead@2: one of the first two is; "
        "first@1: the first sentence is one of the own answer's first two sentences.",
        "",
        *table({k: by_source(v) for k, v in results.items()}, sources),
        "",
        f"Features not read: {', '.join(ranker_models.DROPPED) or 'none'}.",
        "Validation P@1: " + ", ".join(f"{k} {v:.3f}" for k, v in val_figures.items()) + f"; shipped: **{chosen}** "
        "(`--ship`; the raw-vector network learns the look of MedQuAD's sentences and did not carry over to "
        "the committed corpora, see the README).",
        f"Thresholds (validation): support {support:.2f}, answers {answers:.2f}.",
    ]
    shipped = AnswerScorer(np.asarray(params["w1"]), np.asarray(params["b1"]), np.asarray(params["w2"]),
                           float(params["b2"]), mean, scale, support, answers, version=f"{chosen}-seed{args.seed}",
                           heads=heads if rows is by_kind else None, inputs="kind" if rows is by_kind else "vectors")
    report.append(f"Scoring 60 candidate sentences: {scoring_ms(shipped):.2f} ms (median of 200, numpy; "
                  "the sentence vectors are computed by the composer anyway).")
    text = "\n".join(report) + "\n"
    print(text)
    if not args.dry_run:
        shipped.save(args.out)
        args.report.write_text(text, encoding="utf-8")
        log(f"wrote {args.out} and {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
