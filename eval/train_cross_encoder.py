"""``python -m eval.train_cross_encoder``: fine-tune the shipped all-MiniLM-L6-v2 weights as
a cross-encoder that reads a question and a candidate sentence together, and ship it as
int8 ONNX for ``rag.compose.reranker``.

The same seeded data as ``eval.train_ranker`` (MedQuAD pages of conditions that are neither
reserved nor the project's own, split by whole conditions). Training is listwise: each step
shows the model one question with one sentence of its own answer (its first sentences most
often) and seven others (mostly the hardest: the most similar sentences of the same and
nearest pages), and the loss is the cross-entropy of picking the answering one. It runs for a
fixed time budget on the CPU (``--minutes``).

It then reports, on the held-out conditions and per source, P@1 / lead@2 of plain
similarity, the shipped small scorer, the cross-encoder over every candidate, and the
cross-encoder reranking the small scorer's top ``--top`` (what the pipeline runs), and the
time to score one question's candidates. Writes ``rag/data/answer_reranker/`` (model.onnx,
tokenizer files, calibration) and ``eval/reranker_report.md``; the fp32 checkpoint stays in
``.rag/cache/cross-encoder`` so the export can be redone with ``--export-only``.

Left out: hyper-parameter search, distillation, and training on more than one CPU budget.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from rag.compose.reranker import DEFAULT_DIR, MAX_TOKENS, Reranker, combine
from rag.compose.scorer import AnswerScorer
from rag.embeddings import default_model_path, shared_embedder
from rag.question.kinds import KindModel
from rag.settings import PROJECT_ROOT, Settings

from .generic_negatives import generic_sentence
from .ranker_data import Example
from .ranker_figures import by_source, figures, table, thresholds
from .ranker_splits import DiskVectors, split_examples, split_pages

REPORT = PROJECT_ROOT / "eval" / "reranker_report.md"
GROUP = 8  # sentences per training question: one answering, seven not


def build(args, log) -> tuple[list[Example], list[Example], list[Example], int]:
    """The same pages and examples as ``eval.train_ranker`` for these arguments."""
    settings = Settings()
    embed = DiskVectors(shared_embedder(settings), Path(settings.cache_dir) / "ranker-vectors.npz")
    fit_pages, val_pages, held_pages = split_pages(args.seed, args.per_source, args.heldout_per_source, log)
    fit, val, held = split_examples(fit_pages, val_pages, held_pages, embed, args.seed)
    log(f"examples: {len(fit)} fit, {len(val)} validation, {len(held)} held out")
    return fit, val, held, len(held_pages)


def groups(fit: list[Example], rng: random.Random, generic_share: float = 0.0) -> list[tuple[str, list[str]]]:
    """One listwise group per example that has an answering candidate: (question, texts)
    with the answering sentence first. In ``generic_share`` of the groups one negative is a
    sentence naming the condition and the kind of answer that answers nothing
    (``eval.generic_negatives``)."""
    out = []
    for ex in fit:
        pos = np.flatnonzero(ex.labels > 0)
        neg = np.flatnonzero(ex.labels <= 0)
        if len(pos) == 0 or len(neg) == 0:
            continue
        w = ex.weights[pos] + 0.25
        p = int(rng.choices(list(pos), weights=list(w))[0])
        sims = ex.scalars[neg, 0]
        hard = list(neg[np.argsort(-sims)][:12])
        rng.shuffle(hard)
        picked = hard[:5]
        rest = [int(i) for i in neg if i not in picked]
        picked += rng.sample(rest, min(GROUP - 1 - len(picked), len(rest)))
        texts = [ex.cands[p].text] + [ex.cands[int(i)].text for i in picked]
        if generic_share and rng.random() < generic_share:
            texts[-1] = generic_sentence(ex.page, ex.qtype, rng)
        out.append((ex.question, texts))
    return out


def train(fit: list[Example], minutes: float, seed: int, out: Path, log, generic_share: float = 0.0) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    path = str(default_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    opt = torch.optim.AdamW(model.parameters(), lr=4e-5, weight_decay=0.01)
    rng = random.Random(seed)
    model.train()
    t0 = time.time()
    deadline, steps, seen, epoch, recent = t0 + 60 * minutes, 0, 0, 0, []
    while time.time() < deadline:
        batch_groups = groups(fit, rng, generic_share)
        rng.shuffle(batch_groups)
        epoch += 1
        for start in range(0, len(batch_groups), 4):
            now = time.time()
            if now >= deadline:
                break
            for g in opt.param_groups:  # warm up over the first 5%, then decay linearly to 0 by the deadline
                frac = (now - t0) / (60 * minutes)
                g["lr"] = 4e-5 * min(1.0, frac / 0.05) * max(0.0, 1.0 - frac)
            batch = batch_groups[start:start + 4]
            qs = [q for q, texts in batch for _ in texts]
            ss = [s for _, texts in batch for s in texts]
            enc = tokenizer(qs, ss, truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")
            logits = model(**enc).logits.squeeze(-1)
            sizes = [len(texts) for _, texts in batch]
            loss = torch.stack([torch.nn.functional.cross_entropy(part[None, :], torch.zeros(1, dtype=torch.long))
                                for part in torch.split(logits, sizes)]).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            steps += 1
            seen += len(batch)
            recent.append(float(loss.detach()))
            if steps % 100 == 0:
                log(f"step {steps} (epoch {epoch}): loss {np.mean(recent):.3f}")
                recent = []
    log(f"trained {steps} steps, {seen} question groups ({len(fit)} examples) in {minutes:.0f} min")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def export(checkpoint: Path, target: Path, log) -> None:
    """fp32 checkpoint -> int8 dynamic-quantized ONNX with its tokenizer, in ``target``."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
    model = AutoModelForSequenceClassification.from_pretrained(str(checkpoint)).eval()
    model.config.return_dict = False
    enc = tokenizer(["what is it?"], ["A sentence."], return_tensors="pt")
    tmp = checkpoint / "model-fp32.onnx"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["logits"] = {0: "batch"}
    torch.onnx.export(model, tuple(enc[n] for n in names), str(tmp), input_names=names, output_names=["logits"],
                      dynamic_axes=axes, opset_version=17, dynamo=False)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    quantize_dynamic(str(tmp), str(target / "model.onnx"), weight_type=QuantType.QInt8)
    tokenizer.save_pretrained(str(target))
    for extra in ("special_tokens_map.json", "vocab.txt", "tokenizer_config.json", "tokenizer.json"):
        if not (target / extra).exists():
            log(f"note: {extra} not written by the tokenizer")
    log(f"exported {target} ({sum(p.stat().st_size for p in target.iterdir()) / 1e6:.1f} MB)")


def calibrate(val: list[Example], scores: list[np.ndarray]) -> tuple[float, float]:
    """(a, b) so that sigmoid(a * logit + b) is the chance a sentence answers (Platt scaling
    on validation, a few hundred steps of gradient descent)."""
    x = np.concatenate(scores).astype(np.float64)
    y = (np.concatenate([ex.labels for ex in val]) > 0).astype(np.float64)
    a, b = 1.0, 0.0
    for _ in range(2000):
        p = 1 / (1 + np.exp(-(a * x + b)))
        a -= 0.05 * float(((p - y) * x).mean())
        b -= 0.05 * float((p - y).mean())
    return a, b


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.train_cross_encoder", description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-source", type=int, default=220)
    ap.add_argument("--heldout-per-source", type=int, default=40)
    ap.add_argument("--minutes", type=float, default=25.0, help="CPU training budget")
    ap.add_argument("--top", type=int, default=12, help="candidates the cross-encoder rereads in the pipeline")
    ap.add_argument("--export-only", action="store_true", help="skip training; export the cached checkpoint")
    ap.add_argument("--generic-share", type=float, default=0.0,
                    help="share of training groups with one generic sentence as a negative (eval.generic_negatives)")
    ap.add_argument("--out", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args(argv)
    t0 = time.time()
    log = lambda m: print(f"[{time.time() - t0:6.0f}s] {m}", file=sys.stderr, flush=True)  # noqa: E731
    checkpoint = Path(Settings().cache_dir) / "cross-encoder"
    fit, val, held, n_held_pages = build(args, log)
    if not args.export_only:
        train(fit, args.minutes, args.seed, checkpoint, log, args.generic_share)
    export(checkpoint, args.out, log)

    reranker = Reranker.load(args.out, calibration=(1.0, 0.0))
    val_logits = [reranker.logits(ex.question, [c.text for c in ex.cands]) for ex in val]
    a, b = calibrate(val, val_logits)
    small = AnswerScorer.load()
    kinds = KindModel.load()

    def small_scores(ex: Example) -> np.ndarray:
        asked = kinds.predict(ex.qvec[None, :], [ex.question])[0].scores
        return small.logits(ex.qvec, ex.vectors, ex.scalars, asked)

    def rerank(base: np.ndarray, full: np.ndarray, weight: float, keep=None) -> np.ndarray:
        return combine(base, lambda idx: full[idx], args.top, (a, b), weight, keep)

    val_small = [small_scores(ex) for ex in val]
    blend = max((0.0, 0.25, 0.5, 1.0, 2.0), key=lambda w: figures(
        [(ex, rerank(s, f, w)) for ex, s, f in zip(val, val_small, val_logits)])["p@1"])
    support, _ = thresholds([(ex, rerank(s, f, blend)) for ex, s, f in zip(val, val_small, val_logits)])

    def best(ex: Example, small: np.ndarray, full: np.ndarray, keep: np.ndarray) -> float:
        """The best calibrated probability among the reread sentences that ``keep`` allows."""
        if not keep.any():
            return 0.0
        return float(1 / (1 + np.exp(-rerank(small, full, blend, keep).max())))

    def answerable_and_not(pairs) -> tuple[np.ndarray, np.ndarray]:
        """Best probability with the page as it is, and with the question's own answer taken
        out of it (what a page that doesn't cover the question looks like)."""
        intact = [best(ex, s, f, np.ones(len(ex.cands), bool)) for ex, s, f in pairs if (ex.labels > 0).any()]
        removed = [best(ex, s, f, ex.labels <= 0) for ex, s, f in pairs if (ex.labels > 0).any()]
        return np.array(intact), np.array(removed)

    intact, removed = answerable_and_not(list(zip(val, val_small, val_logits)))
    answers = float(np.quantile(intact, 0.05))  # 95% of answerable questions keep their answer
    log(f"blend weight of the small scorer (validation): {blend}; support {support:.2f}, answers {answers:.2f}")
    results: dict[str, list] = defaultdict(list)
    held_scored = []
    for ex in held:
        full = reranker.logits(ex.question, [c.text for c in ex.cands])
        base = small_scores(ex)
        held_scored.append((ex, base, full))
        results["similarity"].append((ex, ex.scalars[:, 0]))
        results["small scorer (shipped before)"].append((ex, base))
        results["cross-encoder, every candidate"].append((ex, full))
        results[f"cross-encoder over the small scorer's top {args.top}"].append((ex, rerank(base, full, 0.0)))
        results[f"the same + {blend:g} x small scorer"].append((ex, rerank(base, full, blend)))
    sources = sorted({ex.source for ex in held})
    h_intact, h_removed = answerable_and_not(held_scored)
    ms = reranker.timing(args.top)
    ms60 = reranker.timing(60)
    meta = {"calibration": [a, b], "top": args.top, "blend": blend, "support": support, "answers": answers, "version": f"minilm-l6-cross-seed{args.seed}",
            "max_tokens": MAX_TOKENS}
    (args.out / "reranker.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    text = "\n".join([
        "# Cross-encoder answer reranker: held-out report",
        "",
        f"Written by `python -m eval.train_cross_encoder --seed {args.seed} --minutes {args.minutes:g} "
        f"--generic-share {args.generic_share:g}` in "
        f"{time.time() - t0:.0f} s. Same pages and examples as `eval/ranker_report.md`: {len(fit)} examples to "
        f"fit, {len(val)} for validation (calibration), {len(held)} held out on {n_held_pages} pages of "
        "conditions never seen in training.",
        "",
        *table({k: by_source(v) for k, v in results.items()}, sources),
        "",
        f"Calibration (validation): P = sigmoid({a:.3f} * logit + {b:.3f}) + {blend:g} x the small scorer's logit; "
        f"thresholds: support {support:.2f}, answers {answers:.2f}.",
        f"Declining by the `answers` level (fitted so 95% of answerable validation questions are answered): "
        f"held out, {np.mean(h_intact >= answers):.0%} of {len(h_intact)} questions are answered on their page, "
        f"and {np.mean(h_removed < answers):.0%} are declined when their own answer is taken out of the page "
        f"(validation: {np.mean(removed < answers):.0%}).",
        f"Scoring one question, int8 ONNX on this machine's 2 cores: {ms:.1f} ms for {args.top} sentences, "
        f"{ms60:.1f} ms for 60 (median of 20).",
    ]) + "\n"
    print(text)
    REPORT.write_text(text, encoding="utf-8")
    log(f"wrote {args.out} and {REPORT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
