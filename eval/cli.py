"""Command line for evaluation.

    python -m eval run [--questions FILE] [--corpus DIR] [--store DIR] [--out DIR] [--no-ingest]
    python -m eval compare [RUN_A [RUN_B]]      # default: the previous and the latest run
    python -m eval check [RUN]                  # a run against eval/baseline.json
    python -m eval baseline [--from RUN]        # write eval/baseline.json (deliberately)
    python -m eval calibrate                    # fit the answer/not-found decision
    python -m eval readability [--questions FILE] [--store DIR]   # with/without plain language
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent


def _pipeline(args):
    """A pipeline over the evaluation's own index (``--store`` or .rag/eval/store), never the
    app's: indexing corpus/ for a fit must not prune what patients search."""
    from rag.pipeline import Pipeline
    from rag.settings import get_settings

    from .runner import evaluation_settings

    settings = evaluation_settings(get_settings(), Path(args.store) if args.store else None)
    pipeline = Pipeline(settings)
    report = pipeline.ingest([settings.corpus_dir])  # the questions are about corpus/
    if report.failed:
        for e in report.failed:
            print(f"not indexed: {e.name}: {e.reason}", file=sys.stderr)
    return pipeline


def cmd_calibrate(args) -> int:
    from rag.compose.confidence import DEFAULT_PATH

    from .calibrate import calibrate

    model, wrong = calibrate(_pipeline(args), Path(args.questions), args.l2,
                             out=None if args.dry_run else Path(args.out or DEFAULT_PATH))
    print(json.dumps({"weights": model.weights, "bias": model.bias, **model.info}, indent=2))
    for qid, expect, p in wrong:
        print(f"  misjudged (leave-one-out): {qid} expected {expect}, p(answer)={p}")
    return 0


def _settings():
    from rag.settings import get_settings

    return get_settings()


def _progress(done: int, total: int, qid: str) -> None:
    end = "\n" if done == total else ""
    print(f"\r  {done}/{total} {qid[:60]:<60}", end=end, file=sys.stderr, flush=True)


def _evaluate(args) -> Path:
    from rag.indexing.chroma_client import StoreError

    from .questions import QuestionFileError
    from .runner import run

    try:
        return run(_settings(), Path(args.questions), out_dir=Path(args.out) if args.out else None,
                   store=Path(args.store) if args.store else None, ingest=not args.no_ingest,
                   progress=None if args.quiet else _progress,
                   corpus=Path(args.corpus) if args.corpus else None)
    except (QuestionFileError, FileNotFoundError, StoreError) as e:
        raise SystemExit(f"error: {e}") from None


def cmd_run(args) -> int:
    from .report_labels import HEADLINE, fmt, label
    from .runner import SUMMARY, load_run

    out = _evaluate(args)
    summary, _ = load_run(out)
    for name in HEADLINE + ["hit@3", "latency_p50_ms"]:
        print(f"{label(name):<55} {fmt(name, summary['metrics'].get(name))}")
    for w in summary["warnings"]:
        print(f"note: {w}", file=sys.stderr)
    print(f"report: {out / 'report.md'}\nfigures: {out / SUMMARY}")
    return 0


def _run_dirs(given: list[str], wanted: int) -> list[Path]:
    from .runner import list_runs

    if len(given) >= wanted:
        paths = [Path(g) for g in given[:wanted]]
    else:
        runs = list_runs()
        if len(runs) < wanted:
            raise SystemExit(f"error: need {wanted} run(s) in eval/runs/ (found {len(runs)}); "
                             "run `python -m eval run` or name the run folders.")
        paths = [Path(g) for g in given] + runs[len(runs) - wanted + len(given):]
    for p in paths:
        if not (p / "summary.json").is_file():
            raise SystemExit(f"error: {p} is not a run folder (no summary.json)")
    return paths


def cmd_compare(args) -> int:
    from .compare import compare_runs, format_comparison
    from .runner import load_run

    a, b = _run_dirs(args.runs, 2)
    print(format_comparison(compare_runs(load_run(a), load_run(b), a.name, b.name)))
    return 0


def _read_baseline(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise SystemExit(f"error: {path} is not valid JSON: {e}") from None


def cmd_check(args) -> int:
    from .compare import check_baseline
    from .runner import load_run

    (run_dir,) = _run_dirs(args.runs, 1)
    baseline = _read_baseline(Path(args.baseline))
    if baseline is None:
        raise SystemExit(f"error: no baseline at {args.baseline}; write one with `python -m eval baseline`.")
    failures = check_baseline(load_run(run_dir)[0], baseline)
    for f in failures:
        print(f"FAIL: {f}")
    print(f"{run_dir.name}: {'fails' if failures else 'passes'} the baseline")
    return 1 if failures else 0


def cmd_baseline(args) -> int:
    from .compare import make_baseline
    from .report_labels import fmt, label
    from .runner import load_run

    run_dir = Path(args.from_run) if args.from_run else _evaluate(args)
    summary, _ = load_run(run_dir)
    path = Path(args.baseline)
    baseline = make_baseline(summary, _read_baseline(path))
    path.write_text(json.dumps(baseline, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, spec in baseline["metrics"].items():
        print(f"{label(name):<55} {fmt(name, spec['value']):>8}  (tolerance {spec['tolerance']})")
    print(f"wrote {path} from {run_dir}")
    return 0


def cmd_readability(args) -> int:
    from .questions import QuestionFileError
    from .readability import compare_plain, format_comparison

    try:
        runs = compare_plain(_settings(), Path(args.questions), store=Path(args.store) if args.store else None,
                             progress=None if args.quiet else _progress,
                             corpus=Path(args.corpus) if args.corpus else None)
    except (QuestionFileError, FileNotFoundError) as e:
        raise SystemExit(f"error: {e}") from None
    print(format_comparison(runs))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("calibrate", help="fit the answer/not-found decision")
    p.add_argument("--questions", default=str(EVAL_DIR / "calibration.jsonl"))
    p.add_argument("--store", help="index folder (default: a store under .rag/eval)")
    p.add_argument("--l2", type=float, default=0.1, help="L2 penalty on the weights")
    p.add_argument("--out", help="where to write the model (default rag/data/confidence.json)")
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.set_defaults(func=cmd_calibrate)

    def run_options(p):
        p.add_argument("--questions", default=str(EVAL_DIR / "questions.jsonl"),
                       help="question file (JSON lines, see eval/README.md)")
        p.add_argument("--store", help="index folder (default: .rag/eval/store, corpus/ indexed into it)")
        p.add_argument("--corpus", help="another folder of documents to ask about (e.g. eval/corpora/NAME), "
                                        "indexed into .rag/eval/store-NAME")
        p.add_argument("--out", help="run folder to write (default: eval/runs/<time>-<commit>)")
        p.add_argument("--no-ingest", action="store_true", help="use the index as it is")
        p.add_argument("--quiet", action="store_true", help="no progress line")

    p = sub.add_parser("run", help="answer a question file and write results, summary and report")
    run_options(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help="what got better and worse between two runs")
    p.add_argument("runs", nargs="*", metavar="RUN", help="run folders A and B (default: the last two)")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("check", help="check a run against the baseline (exit 1 when it falls short)")
    p.add_argument("runs", nargs="*", metavar="RUN", help="run folder (default: the latest)")
    p.add_argument("--baseline", default=str(EVAL_DIR / "baseline.json"))
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("baseline", help="write eval/baseline.json from a new run (or --from RUN)")
    run_options(p)
    p.add_argument("--from", dest="from_run", metavar="RUN", help="use this run instead of a new one")
    p.add_argument("--baseline", default=str(EVAL_DIR / "baseline.json"))
    p.set_defaults(func=cmd_baseline)
    p = sub.add_parser("readability", help="the question set with and without plain language, side by side")
    p.add_argument("--questions", default=str(EVAL_DIR / "questions.jsonl"))
    p.add_argument("--store", help="index folder (default: .rag/eval/store, corpus/ indexed into it)")
    p.add_argument("--corpus", help="another folder of documents (indexed into .rag/eval/store-NAME)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_readability)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
