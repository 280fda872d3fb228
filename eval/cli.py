"""Command line for evaluation: ``python -m eval calibrate``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent


def _pipeline(args):
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    overrides = {"store_dir": Path(args.store)} if args.store else {}
    pipeline = Pipeline(Settings(**overrides))
    report = pipeline.ingest()  # the questions are about corpus/: make sure it is indexed
    if report.failed:
        for e in report.failed:
            print(f"not indexed: {e.name}: {e.reason}", file=sys.stderr)
    return pipeline


def cmd_calibrate(args) -> int:
    from rag.calibration import DEFAULT_PATH

    from .calibrate import calibrate

    model, wrong = calibrate(_pipeline(args), Path(args.questions), args.l2,
                             out=None if args.dry_run else Path(args.out or DEFAULT_PATH))
    print(json.dumps({"weights": model.weights, "bias": model.bias, **model.info}, indent=2))
    for qid, expect, p in wrong:
        print(f"  misjudged (leave-one-out): {qid} expected {expect}, p(answer)={p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("calibrate", help="fit the answer/not-found decision")
    p.add_argument("--questions", default=str(EVAL_DIR / "calibration.jsonl"))
    p.add_argument("--store", help="index folder (default: a store under .rag/eval)")
    p.add_argument("--l2", type=float, default=0.1, help="L2 penalty on the weights")
    p.add_argument("--out", help="where to write the model (default rag/confidence.json)")
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.set_defaults(func=cmd_calibrate)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
