"""Fit the answer / not-found decision on thousands of MedQuAD questions plus the
scleroderma questions, and report how well it does on questions it was not fitted on.

``python -m eval.calibrate_medquad [--medquad PATH] [--pool N] [--seed S] [--out PATH] [--dry-run]``

1. MedQuAD foci (diseases, conditions; compared in lower case) are drawn at random and all
   their answers go into a pool of about ``--pool`` documents, indexed by the real pipeline
   into a temporary store. Questions whose own answer is in the pool are labelled *answer*;
   questions about foci left wholly out of the pool are labelled *not found* (so no sibling
   answer about the same focus can answer them).
2. The scleroderma questions (``eval/calibration.jsonl`` and ``eval/questions.jsonl``:
   answered and advice = answer, not_found = not found; urgent ones are skipped) are asked
   over ``corpus/`` in a second temporary store, and weighted so that together they count
   as much as the MedQuAD questions (``--ssc-share``).
3. Every question's evidence features (``Answer.evidence``) are cached in
   ``.rag/calibration/`` keyed by the sample and the code that computes them, so a refit
   reads them back instead of asking again.
4. The logistic model (``rag.compose.confidence.fit``) is fitted on MedQuAD questions of ~70% of
   the foci plus the scleroderma set and scored on the other foci; the scleroderma set is
   scored leave-one-out. The model in use today (``settings.confidence_path``) is scored on
   the same cases. The answer threshold is chosen on the fitting cases and folded into the
   bias, so the pipeline's 0.5 means it.
5. Without ``--dry-run`` the model fitted on all cases is written to ``--out`` (default
   ``settings.confidence_path``).

Left out: the MedQuAD questions are its templates ("What are the symptoms of X ?"); the
patient-worded variety comes from the scleroderma set.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eval.medquad import usable_rows
from rag.compose.confidence import FEATURES, ConfidenceModel, fit, model_from
from rag.settings import PROJECT_ROOT, Settings

from .questions import load_questions

DEFAULT_MEDQUAD = PROJECT_ROOT.parent / "shared" / "data" / "medquad" / "medquad.jsonl.gz"
SSC_FILES = (PROJECT_ROOT / "eval" / "calibration.jsonl", PROJECT_ROOT / "eval" / "questions.jsonl")
CACHE_DIR = PROJECT_ROOT / ".rag" / "calibration"
# The code whose change changes the features: a change re-asks the questions.
# The code the features come from: every rag module but the app's Streamlit helpers.
FEATURE_CODE_SKIPS = ("ui",)


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    label: int  # 1: the documents answer it; 0: they do not
    domain: str  # "medquad" or "ssc"
    group: str  # the focus (MedQuAD) or the question file (scleroderma)
    history: tuple = ()


@dataclass
class Sample:
    documents: list[dict]  # {"id", "title", "text"}: the pool that is indexed
    cases: list[Case]
    held_out: set[str] = field(default_factory=set)  # foci whose questions are only scored


def read_medquad(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    # reserved and project conditions are never fitted on (eval.medquad)
    return [r for r in usable_rows(rows) if r.get("answer", "").strip() and r.get("question", "").strip()
            and r.get("focus", "").strip()]


def focus_key(row: dict) -> str:
    return " ".join(row["focus"].lower().split())


def medquad_sample(rows: list[dict], pool: int, questions: int, seed: int,
                   held_out_share: float = 0.3) -> Sample:
    """Whole foci into the pool until it holds ``pool`` answers; about ``questions``
    questions, half answered by the pool (its own questions), half about foci left out (one
    question per left-out focus). A ``held_out_share`` of all foci are scored, not fitted."""
    rng = random.Random(seed)
    by_focus: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_focus[focus_key(r)].append(r)
    foci = sorted(by_focus)
    rng.shuffle(foci)
    inside, n = [], 0
    for f in foci:
        if n >= pool:
            break
        inside.append(f)
        n += len(by_focus[f])
    outside = foci[len(inside):]
    documents = [{"id": r["id"], "title": r["id"], "text": r["answer"]} for f in inside for r in by_focus[f]]
    answerable = [r for f in inside for r in by_focus[f]]
    answerable = rng.sample(answerable, min(len(answerable), questions // 2))
    absent = [rng.choice(by_focus[f]) for f in outside[:questions - len(answerable)]]
    cases = [Case(r["id"], r["question"], 1, "medquad", focus_key(r)) for r in answerable]
    cases += [Case(r["id"], r["question"], 0, "medquad", focus_key(r)) for r in absent]
    cases.sort(key=lambda c: c.id)
    groups = sorted({c.group for c in cases})
    held_out = set(random.Random(seed + 1).sample(groups, round(held_out_share * len(groups))))
    return Sample(documents, cases, held_out)


def ssc_cases(paths=SSC_FILES) -> list[Case]:
    """The scleroderma questions, each question text once; urgent ones are left out (they
    never reach the decision)."""
    out, seen = [], set()
    for path in paths:
        for q in load_questions(path):
            key = json.dumps([" ".join(q.question.lower().split()), list(q.history)], sort_keys=True)
            if q.expect == "urgent" or key in seen:
                continue
            seen.add(key)
            out.append(Case(f"{Path(path).stem}:{q.id}", q.question, 0 if q.expect == "not_found" else 1, "ssc", Path(path).stem,
                            tuple(q.history)))
    return out


# --- asking (the expensive part, cached) -----------------------------------------------------


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Read once: the features this process computes are those of the code it imported."""
    h = hashlib.sha256()
    root = PROJECT_ROOT / "rag"
    for p in sorted(root.rglob("*.py")):
        if p.relative_to(root).parts[0] not in FEATURE_CODE_SKIPS:
            h.update(p.relative_to(root).as_posix().encode() + p.read_bytes())
    return h.hexdigest()[:12]


def cache_path(tag: str) -> Path:
    return CACHE_DIR / f"features-{tag}-{code_version()}.jsonl"


def isolated_settings(base: Settings, store: Path) -> Settings:
    """The real settings, pointed at a store of our own (never the app's or a server's)."""
    return base.model_copy(update={"store_dir": store, "chroma_host": None})


def ask_all(settings: Settings, sources: list[Path], cases: list[Case], part: Path, embedder=None,
            log=None) -> None:
    """Ask every case of a pipeline over ``sources`` indexed into ``settings``' store, and
    append {"id", "features"} to ``part`` after each (``features`` null for a question that
    ends urgent or invalid). Cases already in ``part`` are skipped, so an interrupted run
    resumes; they are asked in a seeded random order, so any prefix is a fair sample."""
    from rag.pipeline import Pipeline

    done = {r["id"] for r in _read_rows(part)}
    todo = [c for c in cases if c.id not in done]
    random.Random(len(cases)).shuffle(todo)
    pipeline = Pipeline(settings, embedder=embedder)
    t = time.perf_counter()
    report = pipeline.ingest(sources)
    if log:
        log(f"indexed {len(report.added)} documents ({report.passages_written} passages, "
            f"{len(report.failed)} failed) in {time.perf_counter() - t:.0f}s; {len(todo)} questions to ask")
    t = time.perf_counter()
    with open(part, "a", encoding="utf-8") as f:
        for i, c in enumerate(todo, 1):
            a = pipeline.ask(c.question, list(c.history))
            ok = a.kind not in ("urgent", "invalid") and a.evidence
            f.write(json.dumps({"id": c.id, "features": {k: float(v) for k, v in a.evidence.items()} if ok else None}) + "\n")
            f.flush()
            if log and (i % 100 == 0 or i == len(todo)):
                log(f"  asked {i}/{len(todo)} ({(time.perf_counter() - t) / i * 1000:.0f} ms each)")


def _read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass  # a line cut short by an interruption
    return rows


def cached_features(tag: str, compute, partial: bool = False) -> dict[str, dict]:
    """{case id: features}, from the cache when complete; else ``compute(part_path)`` fills
    it (with ``partial``: whatever an interrupted run already stored, nothing asked)."""
    path = cache_path(tag)
    part = path.with_suffix(".part")
    if not path.exists():
        if not partial:
            path.parent.mkdir(parents=True, exist_ok=True)
            compute(part)
            part.replace(path)
        else:
            path = part
    return {r["id"]: r["features"] for r in _read_rows(path) if r["features"]}


# --- fitting and scoring (pure) --------------------------------------------------------------


def matrix(cases: list[Case], features: dict[str, dict], names) -> tuple[np.ndarray, np.ndarray, list[Case]]:
    kept = [c for c in cases if c.id in features]
    X = np.array([[features[c.id].get(f, 0.0) for f in names] for c in kept], dtype=np.float64).reshape(len(kept), len(names))
    return X, np.array([float(c.label) for c in kept]), kept


def domain_weights(kept: list[Case], ssc_share: float, balance_labels: bool = False) -> np.ndarray:
    """Each domain's cases share its part of the total weight equally, so ~330 scleroderma
    questions count ``ssc_share`` of the fit against ~1,400 MedQuAD ones; with
    ``balance_labels``, answerable and unanswerable questions of a domain count the same in
    total (otherwise as often as they occur)."""
    w = np.zeros(len(kept))
    parts = {"ssc": ssc_share, "medquad": 1.0 - ssc_share}
    present = {c.domain for c in kept}
    norm = sum(parts[d] for d in present)
    for d in present:
        groups = [(0,), (1,)] if balance_labels else [(0, 1)]
        groups = [g for g in groups if any(c.domain == d and c.label in g for c in kept)]
        for g in groups:
            idx = [i for i, c in enumerate(kept) if c.domain == d and c.label in g]
            w[idx] = len(kept) * parts[d] / norm / len(groups) / len(idx)
    return w


def probabilities(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(X @ w + b, -40, 40)))


def best_threshold(p: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    """The answer threshold with the best weighted accuracy (ties: nearest 0.5)."""
    grid = np.round(np.arange(0.20, 0.81, 0.01), 2)
    acc = [float((weight * ((p >= t) == (y == 1))).sum()) for t in grid]
    best = max(acc)
    return float(min((t for t, a in zip(grid, acc) if a >= best - 1e-9), key=lambda t: abs(t - 0.5)))


def scores(answer: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy, and precision / recall of saying "not found"."""
    declined, absent = ~answer, y == 0
    tp = int((declined & absent).sum())
    return {
        "n": int(len(y)),
        "accuracy": round(float((answer == (y == 1)).mean()), 4) if len(y) else None,
        "not_found_precision": round(tp / declined.sum(), 4) if declined.sum() else None,
        "not_found_recall": round(tp / absent.sum(), 4) if absent.sum() else None,
        "answered_recall": round(float(answer[y == 1].mean()), 4) if (y == 1).any() else None,
    }


def fit_model(X, y, weight, l2):
    """(weights, bias, threshold) fitted on these cases."""
    w, b = fit(X, y, l2, sample_weight=weight)
    return w, b, best_threshold(probabilities(X, w, b), y, weight)


def held_out_report(cases: list[Case], features: dict[str, dict], held_out: set[str], names,
                    l2: float, ssc_share: float, today: ConfidenceModel, today_threshold: float,
                    balance_labels: bool = False) -> dict:
    """New model and today's on the held-out MedQuAD foci, and on the scleroderma set
    leave-one-out (today's model: as it stands, it was fitted on these)."""
    X, y, kept = matrix(cases, features, names)
    weight = domain_weights(kept, ssc_share, balance_labels)
    test = np.array([c.domain == "medquad" and c.group in held_out for c in kept])
    ssc = np.array([c.domain == "ssc" for c in kept])
    w, b, t = fit_model(X[~test], y[~test], weight[~test], l2)
    p_today = np.array([today(features[c.id]) for c in kept])
    out = {"threshold": t,
           "medquad_held_out": {"new": scores(probabilities(X[test], w, b) >= t, y[test]),
                                "today": scores(p_today[test] >= today_threshold, y[test])}}
    # scleroderma, leave-one-out: the fit keeps the MedQuAD fitting foci and the other
    # scleroderma questions
    train = ~test
    loo = []
    for i in np.flatnonzero(ssc):
        m = train.copy()
        m[i] = False
        wi, bi, ti = fit_model(X[m], y[m], weight[m], l2)
        loo.append(bool(probabilities(X[i:i + 1], wi, bi)[0] >= ti))
    loo = np.array(loo)
    out["ssc_leave_one_out"] = {"all": {"new": scores(loo, y[ssc]),
                                        "today": scores(p_today[ssc] >= today_threshold, y[ssc])}}
    # per question file: today's model was fitted on eval/calibration.jsonl, so only the
    # other file is held out for it
    groups = np.array([c.group for c in kept])[ssc]
    for g in sorted(set(groups)):
        m = groups == g
        out["ssc_leave_one_out"][g] = {"new": scores(loo[m], y[ssc][m]),
                                       "today": scores(p_today[ssc][m] >= today_threshold, y[ssc][m])}
    return out


def final_model(cases, features, names, l2, ssc_share, info, balance_labels: bool = False) -> ConfidenceModel:
    X, y, kept = matrix(cases, features, names)
    weight = domain_weights(kept, ssc_share, balance_labels)
    _, _, t = fit_model(X, y, weight, l2)
    info = {**info, "threshold_folded_into_bias": t,
            "positives": int(y.sum()), "negatives": int(len(y) - y.sum())}
    return model_from(X, y, names, l2, info, sample_weight=weight, threshold=t)


# --- command line ----------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def gather(args, settings: Settings) -> tuple[Sample, list[Case], dict[str, dict]]:
    rows = read_medquad(Path(args.medquad))
    sample = medquad_sample(rows, args.pool, args.questions, args.seed)
    ssc = ssc_cases()
    log(f"MedQuAD: {len(sample.documents)} answers indexed, {sum(c.label for c in sample.cases)} answerable "
        f"and {sum(1 - c.label for c in sample.cases)} left-out-focus questions; scleroderma: {len(ssc)} questions")
    embedder = None
    tag = f"medquad-p{args.pool}-q{args.questions}-s{args.seed}"

    def model():
        nonlocal embedder
        if embedder is None:
            from rag.embeddings import build_embedder

            embedder = build_embedder(settings.embed_backend, settings.model_path, settings.embed_batch_size,
                                      settings.cache_dir)
        return embedder

    def medquad_features(part):
        # The pool's index is kept next to the feature cache, so a change of code re-asks
        # the questions without indexing the pool again. The plain-language stage comes
        # after the decision and MedQuAD has no "say it more simply" questions: off.
        folder = CACHE_DIR / f"pool-p{args.pool}-s{args.seed}"
        folder.mkdir(parents=True, exist_ok=True)
        docs = folder / "medquad-pool.jsonl"
        docs.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in sample.documents))
        pool_settings = isolated_settings(settings, folder / "store").model_copy(update={"plain_language": False})
        return ask_all(pool_settings, [docs], sample.cases, part, model(), log)

    def ssc_features(part):
        with tempfile.TemporaryDirectory(prefix="calibrate-ssc-") as tmp:
            return ask_all(isolated_settings(settings, Path(tmp) / "store"), [settings.corpus_dir], ssc, part,
                           model(), log)

    # the scleroderma set first: it is small, and the MedQuAD questions can be used part-done
    ssc_rows = cached_features("ssc", ssc_features)
    features = {**cached_features(tag, medquad_features, args.partial), **ssc_rows}
    return sample, ssc, features


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.calibrate_medquad", description=__doc__.split("\n\n")[0])
    ap.add_argument("--medquad", default=str(DEFAULT_MEDQUAD), help="MedQuAD JSON lines (read in place)")
    ap.add_argument("--pool", type=int, default=1200, help="about this many answers are indexed")
    ap.add_argument("--questions", type=int, default=1800, help="MedQuAD questions asked (half answerable)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--l2", type=float, default=0.1)
    ap.add_argument("--ssc-share", type=float, default=0.8, help="share of the fit's weight on the scleroderma set")
    ap.add_argument("--balance-labels", action="store_true",
                    help="answerable and unanswerable questions of each domain weigh the same in total")
    ap.add_argument("--features", default=",".join(FEATURES), help="comma-separated evidence features")
    ap.add_argument("--out", default=None, help="where to write the model (default settings.confidence_path)")
    ap.add_argument("--partial", action="store_true",
                    help="use the MedQuAD questions an interrupted run already asked; ask no more")
    ap.add_argument("--dry-run", action="store_true", help="report only; write no model")
    args = ap.parse_args(argv)
    settings = Settings()
    names = tuple(f for f in args.features.split(",") if f)
    sample, ssc, features = gather(args, settings)
    cases = sample.cases + ssc
    today = ConfidenceModel.load(settings.confidence_path)
    report = held_out_report(cases, features, sample.held_out, names, args.l2, args.ssc_share,
                             today, settings.min_answer_confidence, args.balance_labels)
    print(json.dumps({"features": names, "l2": args.l2, "ssc_share": args.ssc_share,
                      "balance_labels": args.balance_labels, **report}, indent=2))
    if not args.dry_run:
        info = {"fitted": True, "questions": "MedQuAD sample + eval/calibration.jsonl + eval/questions.jsonl",
                "medquad": {"pool": len(sample.documents), "seed": args.seed, "questions": args.questions},
                "ssc_share": args.ssc_share, "l2": args.l2, "held_out": report}
        model = final_model(cases, features, names, args.l2, args.ssc_share, info, args.balance_labels)
        out = Path(args.out) if args.out else Path(settings.confidence_path)
        model.save(out)
        log(f"model written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
