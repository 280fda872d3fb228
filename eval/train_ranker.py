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

Left out: GPU training, and any question of a reserved or project condition.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from rag.compose.extract import extract
from rag.compose.scorer import DEFAULT_PATH, SCALARS, AnswerScorer, KindHeads, vector_features
from rag.embeddings import shared_embedder
from rag.question.kinds import MEDQUAD_KINDS, KindModel
from rag.compose.sentence_kinds import kind_strength
from rag.settings import PROJECT_ROOT, Settings

from .medquad import condition_split, read_rows, template_free, usable_rows
from .ranker_data import Example, examples, pages_of, squash

REPORT = PROJECT_ROOT / "eval" / "ranker_report.md"
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


# --- the fitted models ---------------------------------------------------------------------


DROPPED: tuple[str, ...] = ()  # scalar features the network may not read (``--drop``)


def scalars_of(ex: Example) -> np.ndarray:
    """The example's scalar features, dropped ones read as 0."""
    scalars = ex.scalars.copy()
    for name in DROPPED:
        scalars[:, SCALARS.index(name)] = 0.0
    return scalars


def vector_rows(ex: Example, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(raw inputs, numeric inputs to normalise) over the raw vectors."""
    numeric = scalars_of(ex) if extra is None else np.hstack([scalars_of(ex), extra[:, None]])
    return vector_features(ex.qvec, ex.vectors), numeric


def kind_rows(heads: KindHeads, kinds: KindModel):
    """(raw inputs, numeric inputs) over the scalar features and the kind agreement, with the
    question's kind from the pipeline's own kind model, as at run time."""
    asked: dict[int, dict[str, float]] = {}

    def rows(ex: Example, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if id(ex) not in asked:
            asked[id(ex)] = kinds.predict(ex.qvec[None, :], [ex.question])[0].scores
        numeric = np.hstack([scalars_of(ex), heads.agreement(ex.qvec, ex.vectors, asked[id(ex)])[:, None]])
        numeric = numeric if extra is None else np.hstack([numeric, extra[:, None]])
        return np.zeros((len(ex.cands), 0), np.float32), numeric
    return rows


def fit_softmax(x: np.ndarray, y: np.ndarray, w: np.ndarray, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A weighted multinomial logistic regression (weight decay), full batch."""
    import torch

    torch.manual_seed(seed)
    xt, yt, wt = (torch.tensor(x, dtype=torch.float32), torch.tensor(y), torch.tensor(w, dtype=torch.float32))
    lin = torch.nn.Linear(x.shape[1], classes)
    opt = torch.optim.AdamW(lin.parameters(), lr=0.05, weight_decay=1e-3)
    for _ in range(300):
        loss = (torch.nn.functional.cross_entropy(lin(xt), yt, reduction="none") * wt).sum() / wt.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy()


def fit_heads(train: list[Example], seed: int) -> KindHeads:
    """Which kind a question asks, and which kind a sentence of an answer answers, from the
    training examples (MedQuAD question types mapped onto the bot's kinds)."""
    kinds = tuple(sorted({MEDQUAD_KINDS[ex.qtype] for ex in train if ex.qtype in MEDQUAD_KINDS}))
    index = {k: i for i, k in enumerate(kinds)}
    asked = [ex for ex in train if ex.qtype in MEDQUAD_KINDS]
    qw, qb = fit_softmax(np.stack([ex.qvec for ex in asked]), np.array([index[MEDQUAD_KINDS[ex.qtype]] for ex in asked]),
                         np.ones(len(asked)), len(kinds), seed)
    xs, ys, ws = [], [], []
    for ex in asked:
        on = ex.labels > 0
        xs.append(ex.vectors[on])
        ys += [index[MEDQUAD_KINDS[ex.qtype]]] * int(on.sum())
        ws.append(ex.weights[on])
    sw, sb = fit_softmax(np.vstack(xs), np.array(ys), np.concatenate(ws), len(kinds), seed)
    return KindHeads(kinds, qw, qb, sw, sb)


def fit_network(train: list[Example], hidden: int, epochs: int, seed: int, rows=vector_rows,
                extra: dict[int, np.ndarray] | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """A listwise + pointwise fit of one hidden layer (``hidden`` = 0: logistic) over
    ``rows(example)``: the raw inputs, then the numeric ones it normalises."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    parts = [rows(ex, extra.get(id(ex)) if extra else None) for ex in train]
    numeric = np.vstack([n for _, n in parts])
    mean, scale = numeric.mean(axis=0), numeric.std(axis=0) + 1e-6
    xs = [torch.tensor(np.hstack([r, (n - mean) / scale]), dtype=torch.float32) for r, n in parts]
    ys = [torch.tensor(ex.labels) for ex in train]
    ws = [torch.tensor(ex.weights) for ex in train]
    dim = xs[0].shape[1]
    if hidden:
        net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(dim, hidden), torch.nn.ReLU(),
                                  torch.nn.Linear(hidden, 1))
    else:
        net = torch.nn.Sequential(torch.nn.Linear(dim, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3 if dim > 100 else 1e-2, weight_decay=1e-3)
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
    first = "1.weight" if hidden else "0.weight"
    raw_inputs = dim - numeric.shape[1]
    for name in DROPPED:  # never seen varying: must not weigh anything at run time
        k = SCALARS.index(name)
        state[first][:, raw_inputs + k] = 0.0
        mean[k], scale[k] = 0.0, 1.0
    if hidden:
        params = {"w1": state["1.weight"].T, "b1": state["1.bias"], "w2": state["3.weight"][0], "b2": float(state["3.bias"][0])}
    else:  # a logistic model is a network whose hidden layer passes its one unit through
        w = state["0.weight"][0]
        params = {"w1": np.stack([w, -w], axis=1), "b1": np.array([state["0.bias"][0], -state["0.bias"][0]]),
                  "w2": np.array([1.0, -1.0]), "b2": 0.0}
    return params, mean, scale


def network_scores(params: dict, mean: np.ndarray, scale: np.ndarray, ex: Example, rows=vector_rows,
                   extra: np.ndarray | None = None) -> np.ndarray:
    raw, numeric = rows(ex, extra)
    x = np.hstack([raw, (numeric - mean) / scale])
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


def scoring_ms(scorer: AnswerScorer, n: int = 60, runs: int = 200) -> float:
    """Median time to score ``n`` candidates of one question."""
    rng = np.random.default_rng(0)
    q = rng.normal(size=384).astype(np.float32)
    vecs = rng.normal(size=(n, 384)).astype(np.float32)
    scal = rng.normal(size=(n, len(SCALARS))).astype(np.float32)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        scorer.probabilities(q, vecs, scal)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


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
    global DROPPED
    DROPPED = tuple(n for n in args.drop.split(",") if n)
    unknown = [n for n in DROPPED if n not in SCALARS]
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
        f"Features not read: {', '.join(DROPPED) or 'none'}.",
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
