"""Fit the question-kind model (``rag.question.kinds.KindModel``) and say how well it does.

``python -m eval.train_kinds [--medquad PATH] [--out PATH]``

Data:
- MedQuAD (read in place from ``../shared/data/medquad/medquad.jsonl.gz`` by default), its
  qtypes mapped to kinds by ``rag.question.kinds.MEDQUAD_KINDS``. It is split by FOCUS (the
  disease or drug a question is about): 20% of foci are held out for the final test, 15% for
  validation, the rest train, so no focus name seen in training appears in a test question.
  The questions are templated, so training takes at most ``--per-kind`` of them per kind.
- Patient-phrased questions (``rag/data/question_kinds_train.jsonl``), each also added once
  more with a chatty lead-in or a typo (half weight). These supply the kinds MedQuAD lacks.
- The held-out patient set (``tests/data/question_kinds_patient.jsonl``) is only ever
  scored, never fitted or used to choose anything.

Choice: C of scikit-learn's LogisticRegression, the weight of MedQuAD against the patient
rows, the scale of the lexical cue features (0 = embedding only) and whether an unambiguous
rule cue overrides the model (hybrid) are chosen by 5-fold cross-validation over the patient
training rows (75%) and accuracy on the validation foci (25%). The final model is refitted on
all training rows and foci (test foci still out) and written to ``rag/data/question_kinds.npz``.

Vectors come from the project's own embedder (``rag.embeddings.build_embedder`` with
``rag.settings.get_settings()``, as ``rag.pipeline`` builds it), so they match what the
pipeline computes for a question.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from eval.medquad import usable_rows
from rag.embeddings import build_embedder, model_id_for
from rag.question.kinds import (DEFAULT_PATH, MEDQUAD_KINDS, QUESTION_KINDS, KindModel,
                                cue_features, rule_cues, rule_kind)
from rag.settings import PROJECT_ROOT, get_settings

MEDQUAD = PROJECT_ROOT.parent / "shared" / "data" / "medquad" / "medquad.jsonl.gz"
TRAIN = PROJECT_ROOT / "rag" / "data" / "question_kinds_train.jsonl"
HELD_OUT = PROJECT_ROOT / "tests" / "data" / "question_kinds_patient.jsonl"

LEAD_INS = ("hi, ", "quick question: ", "sorry if this is silly but ", "so ", "hello! ",
            "I was just diagnosed with scleroderma, ", "my doctor mentioned this. ",
            "this might be a dumb question, ", "ok so ", "can I ask, ")


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def typo(text: str, rng: random.Random) -> str:
    """One slip a patient might make: two letters swapped, a letter dropped, or no apostrophes."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long or rng.random() < 0.25:
        return text.replace("'", "").lower()
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.5 else w[:j] + w[j + 1:]
    return " ".join(words)


def augment(rows: list[dict], seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for n, r in enumerate(rows):
        q = r["question"]
        variant = rng.choice(LEAD_INS) + q[0].lower() + q[1:] if n % 2 else typo(q, rng)
        out.append({**r, "question": variant, "augmented": True})
    return out


def split_medquad(rows: list[dict], seed: int = 13) -> tuple[list[dict], list[dict], list[dict]]:
    """(train, validation, test) by focus: a focus's questions all land in one part."""
    foci = sorted({r["focus"].strip().lower() for r in rows})
    random.Random(seed).shuffle(foci)
    n = len(foci)
    test, val = set(foci[: n // 5]), set(foci[n // 5: n // 5 + (15 * n) // 100])
    parts: tuple[list, list, list] = ([], [], [])
    for r in rows:
        f = r["focus"].strip().lower()
        parts[2 if f in test else 1 if f in val else 0].append(r)
    return parts


def cap_per_kind(rows: list[dict], per_kind: int, seed: int = 5) -> list[dict]:
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_kind[r["kind"]].append(r)
    rng = random.Random(seed)
    out = []
    for kind in sorted(by_kind):
        group = by_kind[kind]
        rng.shuffle(group)
        out.extend(group[:per_kind])
    return out


class Vectors:
    """Question text -> embedding, each distinct text embedded once; kept between runs in
    ``cache_dir/question_kinds-<model>.npz`` (derived data, rebuilt when missing)."""

    def __init__(self, embedder, cache_file: Path | None = None):
        self.embedder, self.cache, self.cache_file = embedder, {}, cache_file
        if cache_file and cache_file.is_file():
            with np.load(cache_file, allow_pickle=False) as data:
                self.cache = dict(zip((str(t) for t in data["texts"]), data["vectors"]))

    def save(self) -> None:
        if self.cache_file and self.cache:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.cache_file, texts=np.array(list(self.cache)), vectors=np.stack(list(self.cache.values())))

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            for t, v in zip(new, self.embedder.embed(new)):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


def weights_for(patient: list[dict], medquad: list[dict], medquad_ratio: float) -> np.ndarray:
    """Patient rows weigh 1 (augmented 0.5); MedQuAD rows share ``medquad_ratio`` times the
    patient total, spread evenly over the kinds MedQuAD has (so big templated kinds do not swamp)."""
    pw = np.array([0.5 if r.get("augmented") else 1.0 for r in patient])
    counts = Counter(r["kind"] for r in medquad)
    per_kind = medquad_ratio * pw.sum() / max(len(counts), 1)
    mw = np.array([per_kind / counts[r["kind"]] for r in medquad])
    return np.concatenate([pw, mw])


def fit(x: np.ndarray, y: list[str], w: np.ndarray, c: float, cue_scale: float, hybrid: bool) -> KindModel:
    from sklearn.linear_model import LogisticRegression

    index = {k: i for i, k in enumerate(QUESTION_KINDS)}
    labels = np.array([index[k] for k in y])
    lr = LogisticRegression(C=c, max_iter=3000)
    lr.fit(x, labels, sample_weight=w * len(w) / w.sum())
    weights = np.zeros((x.shape[1], len(QUESTION_KINDS)), np.float32)
    bias = np.full(len(QUESTION_KINDS), -30.0, np.float32)  # a kind never seen stays unpredicted
    for j, cls in enumerate(lr.classes_):
        weights[:, cls] = lr.coef_[j]
        bias[cls] = lr.intercept_[j]
    return KindModel(QUESTION_KINDS, weights, bias, cue_scale, hybrid)


def features(vecs: np.ndarray, texts: list[str], cue_scale: float) -> np.ndarray:
    return np.hstack([vecs, cue_scale * cue_features(texts)]) if cue_scale else vecs


def accuracy(pred: list[str], gold: list[str]) -> float:
    return float(np.mean([p == g for p, g in zip(pred, gold)])) if gold else float("nan")


def predict(model: KindModel, vecs: np.ndarray, texts: list[str]) -> list[str]:
    return [g.kind for g in model.predict(vecs, texts)]


def hybrid_of(model: KindModel) -> KindModel:
    return KindModel(model.kinds, model.weights, model.bias, model.cue_scale, True)


def plain_of(model: KindModel) -> KindModel:
    return KindModel(model.kinds, model.weights, model.bias, model.cue_scale, False)


def confusion_summary(pred: list[str], gold: list[str]) -> list[str]:
    lines = []
    for kind in QUESTION_KINDS:
        got = [p for p, g in zip(pred, gold) if g == kind]
        if not got:
            continue
        wrong = Counter(p for p in got if p != kind).most_common(3)
        lines.append(f"  {kind:13s} {sum(p == kind for p in got):3d}/{len(got):<3d} "
                     + ", ".join(f"{k} x{n}" for k, n in wrong))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.train_kinds", description=__doc__.split("\n")[0])
    ap.add_argument("--medquad", type=Path, default=MEDQUAD, help="MedQuAD jsonl(.gz), read in place")
    ap.add_argument("--out", type=Path, default=DEFAULT_PATH, help="where the model is written")
    ap.add_argument("--per-kind", type=int, default=300, help="MedQuAD training questions per kind")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    t0 = time.time()

    medquad = [{**r, "kind": MEDQUAD_KINDS[r["qtype"]]} for r in usable_rows(read_jsonl(args.medquad))
               if r["qtype"] in MEDQUAD_KINDS]
    mq_train, mq_val, mq_test = split_medquad(medquad, args.seed)
    mq_train = cap_per_kind(mq_train, args.per_kind, args.seed)
    mq_val = cap_per_kind(mq_val, args.per_kind, args.seed)
    patient = read_jsonl(TRAIN)
    held = read_jsonl(HELD_OUT)
    overlap = {r["question"].strip().lower() for r in patient} & {r["question"].strip().lower() for r in held}
    if overlap:
        sys.exit(f"held-out questions found in the training file: {sorted(overlap)}")
    print(f"MedQuAD: {len(medquad)} questions; train {len(mq_train)} / val {len(mq_val)} / "
          f"test {len(mq_test)} (split by focus); patient train {len(patient)}; held-out patient {len(held)}")

    s = get_settings()
    cache_name = model_id_for(s).replace(":", "-").replace("/", "-")
    vec = Vectors(build_embedder(s.embed_backend, s.model_path, s.embed_batch_size, s.cache_dir),
                  s.cache_dir / f"question_kinds-{cache_name}.npz")
    aug = augment(patient, args.seed)
    all_texts = [r["question"] for r in patient + aug + mq_train + mq_val + mq_test + held]
    vec(all_texts)
    vec.save()
    print(f"embedded {len(vec.cache)} distinct questions with {s.embed_backend} in {time.time() - t0:.0f}s")

    # --- choose C, MedQuAD weight, cue scale, hybrid by validation ------------------------------
    folds = 5
    order = list(range(len(patient)))
    random.Random(args.seed).shuffle(order)
    fold_of = {i: n % folds for n, i in enumerate(order)}
    v_val = vec([r["question"] for r in mq_val])
    y_val = [r["kind"] for r in mq_val]
    results = []
    for c, ratio, cue_scale in itertools.product((1, 4, 16), (0.2, 1.0), (0.0, 1.0)):
        cv_pred: dict[bool, dict[int, str]] = {False: {}, True: {}}
        for k in range(folds):
            tr = [r for i, r in enumerate(patient) if fold_of[i] != k]
            tr += [r for i, r in enumerate(aug) if fold_of[i] != k]
            te = [i for i in range(len(patient)) if fold_of[i] == k]
            rows = tr + mq_train
            texts = [r["question"] for r in rows]
            model = fit(features(vec(texts), texts, cue_scale), [r["kind"] for r in rows],
                        weights_for(tr, mq_train, ratio), c, cue_scale, False)
            te_texts = [patient[i]["question"] for i in te]
            for hyb in (False, True):
                m = hybrid_of(model) if hyb else model
                for i, p in zip(te, predict(m, vec(te_texts), te_texts)):
                    cv_pred[hyb][i] = p
        rows = patient + aug + mq_train
        texts = [r["question"] for r in rows]
        model = fit(features(vec(texts), texts, cue_scale), [r["kind"] for r in rows],
                    weights_for(patient + aug, mq_train, ratio), c, cue_scale, False)
        for hyb in (False, True):
            m = hybrid_of(model) if hyb else model
            cv = accuracy([cv_pred[hyb][i] for i in range(len(patient))], [r["kind"] for r in patient])
            mv = accuracy(predict(m, v_val, [r["question"] for r in mq_val]), y_val)
            results.append((0.75 * cv + 0.25 * mv, cv, mv, c, ratio, cue_scale, hyb))
        print(f"  C={c} medquad-weight={ratio} cue-scale={cue_scale}: patient-cv, hybrid {cv:.3f} "
              f"({time.time() - t0:.0f}s)", flush=True)
    results.sort(reverse=True)
    print("\nvalidation (patient 5-fold CV, MedQuAD validation foci), best first:")
    for score, cv, mv, c, ratio, cue_scale, hyb in results[:8]:
        print(f"  score {score:.3f}  patient-cv {cv:.3f}  medquad-val {mv:.3f}  C={c:<4} "
              f"medquad-weight={ratio:<4} cue-scale={cue_scale:<4} hybrid={hyb}")
    _, _, _, c, ratio, cue_scale, hyb = results[0]

    # --- final fit on every training row and foci (test foci still out) ------------------------
    mq_all = mq_train + mq_val
    rows = patient + aug + mq_all
    texts = [r["question"] for r in rows]
    model = fit(features(vec(texts), texts, cue_scale), [r["kind"] for r in rows],
                weights_for(patient + aug, mq_all, ratio), c, cue_scale, hyb)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"\nsaved {args.out} (C={c}, medquad-weight={ratio}, cue-scale={cue_scale}, hybrid={hyb})")

    # --- held-out scores ----------------------------------------------------------------------
    print("\nheld-out accuracy            MedQuAD (unseen foci)   patient set")
    sets = {"medquad": mq_test, "patient": held}
    gold = {n: [r["kind"] for r in rs] for n, rs in sets.items()}
    tx = {n: [r["question"] for r in rs] for n, rs in sets.items()}
    vv = {n: vec(tx[n]) for n in sets}
    variants = {
        f"model (saved, hybrid={hyb})": lambda n: predict(model, vv[n], tx[n]),
        "model, no rule override": lambda n: predict(plain_of(model), vv[n], tx[n]),
        "hybrid (rule if one cue)": lambda n: predict(hybrid_of(model), vv[n], tx[n]),
        "hand rules (rule_kind)": lambda n: [rule_kind(t) for t in tx[n]],
    }
    preds = {}
    for name, fn in variants.items():
        preds[name] = {n: fn(n) for n in sets}
        print(f"  {name:28s} {accuracy(preds[name]['medquad'], gold['medquad']):.3f} "
              f"(n={len(gold['medquad'])})      {accuracy(preds[name]['patient'], gold['patient']):.3f} "
              f"(n={len(gold['patient'])})")
    one_cue = [len(rule_cues(t)) == 1 for t in tx["patient"]]
    print(f"  (an unambiguous cue fires on {sum(one_cue)}/{len(one_cue)} held-out patient questions)")

    saved = next(iter(variants))
    print(f"\nper kind, held-out patient set, {saved} (right/total, commonest wrong guesses):")
    print("\n".join(confusion_summary(preds[saved]["patient"], gold["patient"])))
    print("\nper kind, held-out patient set, hand rules:")
    print("\n".join(confusion_summary(preds["hand rules (rule_kind)"]["patient"], gold["patient"])))
    print(f"\nper kind, MedQuAD unseen foci, {saved}:")
    print("\n".join(confusion_summary(preds[saved]["medquad"], gold["medquad"])))
    start = time.perf_counter()
    for t, v in zip(tx["patient"], vv["patient"]):
        model.predict(v[None, :], [t])
    per_q = (time.perf_counter() - start) / len(tx["patient"]) * 1000
    print(f"\nprediction: {per_q:.2f} ms per question (numpy); total {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
