"""``python -m eval.train_ranker``: fit the answer-sentence scorer on MedQuAD and report
held-out precision beside today's ranker and plain similarity.

One seeded command. It reads MedQuAD in place, keeps out the reserved and project
conditions (``eval.medquad``), splits the rest by whole conditions, builds pages and
examples (``eval.ranker_data``), and fits small networks over frozen MiniLM vectors and the
scorer's plain features (``rag.answer_scorer``). Every variant is scored on the same
held-out conditions, per source, in the same run:

- ``similarity``: the sentence most similar to the question (a naive answerer);
- ``rules``: today's composer (``rag.answer.extract`` with its cue patterns and weights);
- ``linear``: a logistic model over the same inputs as the network;
- ``network``: one hidden layer (the shipped scorer);
- ``network+cues``: the network also reading the hand cue strength of the question's kind;
- ``cross-encoder`` (``--cross-encoder MINUTES``): all-MiniLM-L6-v2 fine-tuned as a
  cross-encoder on (question, sentence) pairs, within a time budget.

The best of ``network`` and ``linear`` on the validation conditions is written to
``rag/data/answer_scorer.npz`` with its two thresholds (``support``: a supporting sentence
must reach it; ``answers``: below it nothing answers), and the report to
``eval/ranker_report.md``. Sentence vectors are cached under ``.rag/cache/``.

Left out: GPU training, and any question of a reserved or project condition.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from rag.answer import extract
from rag.answer_scorer import DEFAULT_PATH, SCALARS, AnswerScorer, vector_features
from rag.embeddings import shared_embedder
from rag.question_kinds import KindModel
from rag.sentence_kinds import kind_strength
from rag.settings import PROJECT_ROOT, Settings

from .medquad import condition_split, read_rows, usable_rows
from .ranker_data import Example, examples, pages_of, squash

REPORT = PROJECT_ROOT / "eval" / "ranker_report.md"
LEAD_INS = ("", "", "hi, ", "quick question: ", "my doctor mentioned this. ", "sorry if this is silly, ")


def template_free(question: str) -> str:
    """MedQuAD's "What is (are) X ?" as a person writes it: "What is X?"."""
    q = re.sub(r"\s*\((?:are|is)\)\s*", " ", question)
    return re.sub(r"\s+\?", "?", " ".join(q.split()))


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


# --- the fitted models ---------------------------------------------------------------------


def design(ex: Example, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(vector inputs, scalar inputs) of one example."""
    scalars = ex.scalars if extra is None else np.hstack([ex.scalars, extra[:, None]])
    return vector_features(ex.qvec, ex.vectors), scalars


def fit_network(train: list[Example], hidden: int, epochs: int, seed: int,
                extra: dict[int, np.ndarray] | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """A listwise + pointwise fit of one hidden layer (``hidden`` = 0: logistic)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    parts = [design(ex, extra.get(id(ex)) if extra else None) for ex in train]
    scal = np.vstack([s for _, s in parts])
    mean, scale = scal.mean(axis=0), scal.std(axis=0) + 1e-6
    xs = [torch.tensor(np.hstack([v, (s - mean) / scale]), dtype=torch.float32) for v, s in parts]
    ys = [torch.tensor(ex.labels) for ex in train]
    ws = [torch.tensor(ex.weights) for ex in train]
    dim = xs[0].shape[1]
    if hidden:
        net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(dim, hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(hidden, 1))
    else:
        net = torch.nn.Sequential(torch.nn.Linear(dim, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-3)
    order = list(range(len(train)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        net.train()
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            loss = 0.0
            for i in batch:
                logits = net(xs[i]).squeeze(-1)
                target = ws[i] / ws[i].sum()
                listwise = -(target * torch.log_softmax(logits, dim=0)).sum()
                pointwise = torch.nn.functional.binary_cross_entropy_with_logits(logits, ys[i])
                loss = loss + listwise + pointwise
            opt.zero_grad()
            (loss / len(batch)).backward()
            opt.step()
    net.eval()
    state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    if hidden:
        params = {"w1": state["1.weight"].T, "b1": state["1.bias"], "w2": state["3.weight"][0], "b2": float(state["3.bias"][0])}
    else:  # a logistic model is a network whose hidden layer passes its one unit through
        w = state["0.weight"][0]
        params = {"w1": np.stack([w, -w], axis=1), "b1": np.array([state["0.bias"][0], -state["0.bias"][0]]),
                  "w2": np.array([1.0, -1.0]), "b2": 0.0}
    return params, mean, scale


def network_scores(params: dict, mean: np.ndarray, scale: np.ndarray, ex: Example,
                   extra: np.ndarray | None = None) -> np.ndarray:
    v, s = design(ex, extra)
    x = np.hstack([v, (s - mean) / scale])
    return np.maximum(x @ params["w1"] + params["b1"], 0.0) @ params["w2"] + params["b2"]


# --- measuring -----------------------------------------------------------------------------


def figures(pairs: list[tuple[Example, np.ndarray]]) -> dict[str, float]:
    """P@1 (the best sentence is part of the own answer), lead@2, and P@1 on the answer's
    first two sentences."""
    if not pairs:
        return {"n": 0}
    p1 = [ex.labels[int(np.argmax(s))] > 0 for ex, s in pairs]
    p2 = [ex.labels[np.argsort(-s)[:2]].max() > 0 for ex, s in pairs]
    first = [ex.weights[int(np.argmax(s))] >= 1.0 for ex, s in pairs]
    return {"n": len(pairs), "p@1": float(np.mean(p1)), "lead@2": float(np.mean(p2)), "first@1": float(np.mean(first))}


def rules_scores(ex: Example, embed, kinds: KindModel) -> np.ndarray:
    """Today's composer: 1 for the sentence it leads with, 0.5 for its second, else 0."""
    passages = list(ex.passages)
    out = extract(passages, ex.qvec, ex.qterms, embed, 4, 110, question=ex.question, expanded_vec=ex.qvec,
                  kind=kinds.predict(ex.qvec[None, :], [ex.question])[0].kind)
    scores = np.zeros(len(ex.cands), np.float32)
    for rank, s in enumerate(out.sentences[:2]):
        key = squash(s.text)
        for i, c in enumerate(ex.cands):
            if squash(c.text) == key and scores[i] == 0:
                scores[i] = 1.0 - 0.5 * rank
                break
    return scores


def thresholds(scored: list[tuple[Example, np.ndarray]]) -> tuple[float, float]:
    """(support, answers) probabilities fitted on validation examples: ``support`` best
    separates answering from other sentences, precision counting twice (F0.5: a filler
    sentence costs the reader more than a missing supporting one); ``answers`` is the
    level the best sentence of 98% of answerable questions reaches."""
    probs = np.concatenate([1 / (1 + np.exp(-s)) for _, s in scored])
    labels = np.concatenate([ex.labels for ex, _ in scored])
    best_f1, support = 0.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        pred = probs >= t
        tp = float((pred & (labels > 0)).sum())
        precision, recall = tp / max(pred.sum(), 1), tp / max((labels > 0).sum(), 1)
        f1 = 1.25 * precision * recall / max(0.25 * precision + recall, 1e-9)
        if f1 > best_f1:
            best_f1, support = f1, float(t)
    tops = np.array([float(1 / (1 + np.exp(-s.max()))) for _, s in scored])
    return support, float(np.quantile(tops, 0.02))


def table(rows: dict[str, dict[str, dict[str, float]]], sources: list[str]) -> list[str]:
    head = "| scorer | all: P@1 | lead@2 | first@1 | " + " | ".join(f"{s} P@1" for s in sources) + " |"
    lines = [head, "|" + " --- |" * (4 + len(sources))]
    for name, per in rows.items():
        a = per["all"]
        lines.append(f"| {name} | {a['p@1']:.3f} | {a['lead@2']:.3f} | {a['first@1']:.3f} | "
                     + " | ".join(f"{per[s]['p@1']:.2f} (n={per[s]['n']})" if per.get(s, {}).get("n") else "-"
                                  for s in sources) + " |")
    return lines


def by_source(pairs: list[tuple[Example, np.ndarray]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list] = defaultdict(list)
    for ex, s in pairs:
        groups[ex.source].append((ex, s))
    return {"all": figures(pairs), **{k: figures(v) for k, v in groups.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.train_ranker", description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-source", type=int, default=220, help="training pages per MedQuAD source")
    ap.add_argument("--heldout-per-source", type=int, default=40, help="held-out pages per source")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--cross-encoder", type=float, default=0.0, metavar="MINUTES",
                    help="also fine-tune a cross-encoder for this many minutes and score it")
    ap.add_argument("--out", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--report", type=Path, default=REPORT)
    ap.add_argument("--dry-run", action="store_true", help="report only; write no weights")
    args = ap.parse_args(argv)
    t0 = time.time()
    settings = Settings()
    embed = DiskVectors(shared_embedder(settings), Path(settings.cache_dir) / "ranker-vectors.npz")
    kinds = KindModel.load()

    rows = usable_rows(read_rows())
    train_rows, held_rows = condition_split(rows)
    train_pages = capped(pages_of(train_rows, args.seed), args.per_source, args.seed)
    held_pages = capped(pages_of(held_rows, args.seed), args.heldout_per_source, args.seed)
    fit_pages = [p for p in train_pages if not is_validation(p.key, args.seed)]
    val_pages = [p for p in train_pages if is_validation(p.key, args.seed)]
    log = lambda m: print(f"[{time.time() - t0:6.0f}s] {m}", file=sys.stderr, flush=True)  # noqa: E731
    log(f"{len(rows)} usable pairs; pages: {len(fit_pages)} fit, {len(val_pages)} validation, {len(held_pages)} held out")

    fit = examples(fit_pages, embed, args.seed, patient_style)
    embed.save()
    val = examples(val_pages, embed, args.seed + 1, lambda r, _: template_free(r["question"]))
    held = examples(held_pages, embed, args.seed + 2, lambda r, _: template_free(r["question"]))
    embed.save()
    log(f"examples: {len(fit)} fit, {len(val)} validation, {len(held)} held out; {len(embed.cache)} texts embedded")

    cue = lambda ex: np.array([kind_strength(c.text, kinds.predict(ex.qvec[None, :], [ex.question])[0].kind)  # noqa: E731
                               for c in ex.cands], np.float32)
    results: dict[str, list[tuple[Example, np.ndarray]]] = {}
    results["similarity"] = [(ex, ex.scalars[:, SCALARS.index("sim")]) for ex in held]
    results["rules (today)"] = [(ex, rules_scores(ex, embed, kinds)) for ex in held]
    log("baselines scored")
    fitted = {}
    for name, hidden in (("linear", 0), ("network", args.hidden)):
        params, mean, scale = fit_network(fit, hidden, args.epochs, args.seed)
        fitted[name] = (params, mean, scale)
        results[name] = [(ex, network_scores(params, mean, scale, ex)) for ex in held]
        log(f"{name} fitted")
    cues = {id(ex): cue(ex) for ex in fit + held}
    params, mean, scale = fit_network(fit, args.hidden, args.epochs, args.seed, cues)
    results["network+cues"] = [(ex, network_scores(params, mean, scale, ex, cues[id(ex)])) for ex in held]
    log("network+cues fitted")
    if args.cross_encoder > 0:
        from .cross_encoder import train_and_score

        results["cross-encoder"] = train_and_score(fit, held, args.cross_encoder, args.seed, log)

    val_figures = {name: figures([(ex, network_scores(*fitted[name], ex)) for ex in val])["p@1"] for name in fitted}
    chosen = max(val_figures, key=val_figures.get)
    params, mean, scale = fitted[chosen]
    support, answers = thresholds([(ex, network_scores(params, mean, scale, ex)) for ex in val])
    sources = sorted({ex.source for ex in held})
    report = [
        "# Answer-sentence scorer: held-out report",
        "",
        f"Written by `python -m eval.train_ranker --seed {args.seed}` in {time.time() - t0:.0f} s. "
        f"Pages (one per condition, answers shuffled, no headings): {len(fit_pages)} to fit, "
        f"{len(val_pages)} for validation, {len(held_pages)} held out (whole conditions; reserved and "
        "project conditions never read). Candidates: the sentences of the 6 passages of the page most like "
        "the question, plus one passage of another condition.",
        "",
        f"Examples: {len(fit)} to fit, {len(val)} validation, {len(held)} held out.",
        "",
        "P@1: the first sentence is part of the question's own answer; lead@2: one of the first two is; "
        "first@1: the first sentence is one of the own answer's first two sentences.",
        "",
        *table({k: by_source(v) for k, v in results.items()}, sources),
        "",
        f"Validation P@1: " + ", ".join(f"{k} {v:.3f}" for k, v in val_figures.items()) + f"; shipped: **{chosen}**.",
        f"Thresholds (validation): support {support:.2f}, answers {answers:.2f}.",
    ]
    text = "\n".join(report) + "\n"
    print(text)
    if not args.dry_run:
        AnswerScorer(np.asarray(params["w1"]), np.asarray(params["b1"]), np.asarray(params["w2"]),
                     float(params["b2"]), mean, scale, support, answers,
                     version=f"{chosen}-seed{args.seed}").save(args.out)
        args.report.write_text(text, encoding="utf-8")
        log(f"wrote {args.out} and {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
