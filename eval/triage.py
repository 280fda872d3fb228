"""``python -m eval.triage``: how well safety triage escalates emergencies in patients' own
words, and how often it alarms on calm questions about the same topics.

Reads tables of {"text", "kind"} rows (kind: an urgent category, or "calm"), runs
``rag.safety.triage.triage`` with the project's embedder, and prints per kind: how many were
escalated (recall; "right kind" when the category also matches) and, for calm rows, the
false alarms. The default tables are the tuning table and the held-out table written before
any tuning (tests/data/emergencies*.jsonl). Also times triage per question: the rules alone,
and rules plus the paraphrase matcher with an embedder that caches nothing (the worst case;
in the app the question's vector is shared with retrieval).

Left out: the two-turn check (tested in tests/test_safety.py), any change to eval/ files.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

from rag.embeddings import build_embedder
from rag.safety.triage import CALM, for_embedding, paraphrase_category, paraphrases_for, triage, urgent_category
from rag.settings import get_settings

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TABLES = [DATA / "emergencies.jsonl", DATA / "emergencies_heldout.jsonl"]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict], embed) -> tuple[dict[str, dict], list[tuple[dict, str | None]]]:
    """Per kind: n, escalated, right (category matches), alarms (calm rows escalated);
    and the rows the triage got wrong, with what it said."""
    out: dict[str, dict] = defaultdict(lambda: {"n": 0, "escalated": 0, "right": 0, "rules": 0, "paraphrase": 0})
    wrong = []
    for row in rows:
        got = triage(row["text"], embed).urgent
        s = out[row["kind"]]
        s["n"] += 1
        s["escalated"] += got is not None
        s["right"] += got == row["kind"]
        s["rules"] += urgent_category(row["text"])[0] is not None
        s["paraphrase"] += paraphrase_category(for_embedding(row["text"]), embed) is not None
        if (got is None) != (row["kind"] == CALM) or (got and row["kind"] != CALM and got != row["kind"]):
            wrong.append((row, got))
    return dict(out), wrong


def table(name: str, stats: dict[str, dict]) -> str:
    lines = [f"{name}", f"  {'kind':24} {'n':>3} {'escalated':>10} {'right kind':>11}   by rules alone / by paraphrase alone"]
    urgent = {k: v for k, v in stats.items() if k != CALM}
    for kind in sorted(urgent):
        s = urgent[kind]
        lines.append(f"  {kind:24} {s['n']:>3} {s['escalated']:>4} ({s['escalated'] / s['n']:4.0%}) {s['right']:>4} ({s['right'] / s['n']:4.0%})   {s['rules']:>3} / {s['paraphrase']:>3}")
    n = sum(s["n"] for s in urgent.values())
    esc = sum(s["escalated"] for s in urgent.values())
    right = sum(s["right"] for s in urgent.values())
    if n:
        r, p = (sum(s[k] for s in urgent.values()) for k in ("rules", "paraphrase"))
        lines.append(f"  {'ALL EMERGENCIES':24} {n:>3} {esc:>4} ({esc / n:4.0%}) {right:>4} ({right / n:4.0%})"
                     f"   {r:>3} / {p:>3}")
    if CALM in stats:
        c = stats[CALM]
        lines.append(f"  {'calm near-misses':24} {c['n']:>3} false alarms {c['escalated']} ({c['escalated'] / c['n']:.0%})"
                     f"   by rules alone {c['rules']} / by paraphrase alone {c['paraphrase']}")
    return "\n".join(lines)


def latency(texts: list[str], embed, repeats: int = 3) -> dict[str, float]:
    """Milliseconds per question: rules only, and rules + paraphrase (fresh embedding).
    Pass questions no rule escalates to time the paraphrase matcher's real cost."""
    def per_question(fn) -> list[float]:
        times = []
        for _ in range(repeats):
            for t in texts:
                t0 = time.perf_counter()
                fn(t)
                times.append((time.perf_counter() - t0) * 1000)
        return times

    rules = per_question(lambda t: triage(t))
    full = per_question(lambda t: triage(t, embed))
    q = lambda xs: (statistics.median(xs), sorted(xs)[int(0.95 * (len(xs) - 1))])  # noqa: E731
    return {"rules_median": q(rules)[0], "rules_p95": q(rules)[1],
            "full_median": q(full)[0], "full_p95": q(full)[1]}


def pipeline_cost(questions: list[str], document: Path, repeats: int = 2) -> dict[str, float]:
    """Milliseconds the paraphrase matcher adds to ``Pipeline.ask`` per question: each
    question asked with triage as shipped and with the rules only, alternately, over a
    temporary store holding ``document``, the embedding cache cleared before each ask."""
    import rag.answering as answering_module
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="triage-cost-"))
    pipe = Pipeline(Settings(store_dir=tmp / "store", cache_dir=tmp / "cache"))
    pipe.ingest([document])
    pipe.ask("what is scleroderma?")  # load the model and the descriptions' vectors
    rules_only = lambda q, embed=None: triage(q)  # noqa: E731
    shipped, rules, safety = [], [], []
    for r in range(repeats):
        for q in questions:
            order = [(True, shipped), (False, rules)]
            for with_embed, out in (order if r % 2 == 0 else order[::-1]):
                pipe.embed.forget()
                if with_embed:
                    a = pipe.ask(q)
                    safety.append(a.timings_ms["safety"])
                else:
                    with mock.patch.object(answering_module, "triage", rules_only):
                        a = pipe.ask(q)
                out.append(a.timings_ms["total"])
    return {"added_median": statistics.median(a - b for a, b in zip(shipped, rules)),
            "safety_median": statistics.median(safety),
            "safety_p95": sorted(safety)[int(0.95 * (len(safety) - 1))]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.triage", description=__doc__.split("\n\n")[0])
    ap.add_argument("tables", nargs="*", type=Path, default=TABLES)
    ap.add_argument("--misses", action="store_true", help="list the rows triage got wrong")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--pipeline", type=Path, metavar="DOCUMENT",
                    help="also time Pipeline.ask over a temporary store holding DOCUMENT (slow)")
    args = ap.parse_args(argv)
    s = get_settings()
    model = build_embedder(s.embed_backend, s.model_path, s.embed_batch_size, s.cache_dir)
    embed = model.embed
    t0 = time.perf_counter()
    paraphrases_for(embed)  # descriptions embedded once, as at the app's first question
    first = (time.perf_counter() - t0) * 1000
    all_texts, calm = [], []
    for path in args.tables:
        rows = load(path)
        all_texts += [r["text"] for r in rows]
        calm += [r["text"] for r in rows if r["kind"] == CALM]
        stats, wrong = score(rows, embed)
        print(table(path.name, stats))
        if args.misses:
            for row, got in wrong:
                print(f"    [{row['kind']} -> {got}] {row['text']}")
        print()
    if not args.no_timing:
        for label, texts in (("all rows", all_texts), ("calm rows (no rule fires, so one embedding each)", calm)):
            t = latency(texts, embed)
            print(f"triage ms per question, {label}, {len(texts)} x 3, {s.embed_backend}: "
                  f"rules only median {t['rules_median']:.2f} (p95 {t['rules_p95']:.2f}); "
                  f"rules + paraphrase, uncached embedding: median {t['full_median']:.1f} "
                  f"(p95 {t['full_p95']:.1f})")
        print(f"once per process, embedding the {len(paraphrases_for(embed).texts)} descriptions: {first:.0f} ms")
    if args.pipeline:
        c = pipeline_cost(calm, args.pipeline)
        print(f"in Pipeline.ask, calm rows: the paraphrase matcher adds median {c['added_median']:.1f} ms "
              f"(the question's vector is reused by retrieval); the safety step itself takes median "
              f"{c['safety_median']:.1f} ms (p95 {c['safety_p95']:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
