"""``python -m eval.pages``: answer selection on patient pages nobody tuned for.

Conditions held out of every fitted model (``eval.medquad``: not reserved, not the
project's, on the held-out side of the condition split) from the NIH sites that write for
patients (NIDDK, NHLBI, NINDS, NIHSeniorHealth, CancerGov, CDC, MedlinePlus) are each
rebuilt as one page: a title line, then all its answers as paragraphs in a seeded shuffled
order, no headings. The pages are indexed together into a temporary store through the
real ingest, and three questions per condition (of different kinds) are asked through the
real pipeline (``Pipeline.ask`` without a chat model), once with each answer chooser:

- ``reranked``: the learned scorer's best few reread by the cross-encoder of
  ``eval.train_cross_encoder`` (``RAG_ANSWER_SCORER=reranked``), when it is shipped;
- ``learned``: the scorer fitted by ``eval.train_ranker`` (``RAG_ANSWER_SCORER=learned``);
- ``rules``: the hand-set weights and cue patterns (the default);
- ``naive``: the passage most similar to the question (dense search, top 1), as a
  tutorial answerer would return it.

Figures, per kind and per source: ``lead@1`` (the first answer sentence is part of the
question's own answer text), ``lead@2`` (one of the first two is), ``on-answer`` (share of
all answer sentences that are), and ``declined`` (share answered "not found").

Left out: chat-model answers, and grading the wording (``python -m eval run`` does that).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rag.compose.candidates import candidates
from rag.pipeline import Pipeline
from rag.question.kinds import MEDQUAD_KINDS
from rag.settings import Settings

from .medquad import condition, condition_split, read_rows, template_free, usable_rows
from .ranker_data import page_text, shuffled_answers, squash, tidy

PATIENT_SOURCES = ("NIDDK", "NHLBI", "NINDS", "NIHSeniorHealth", "CancerGov", "CDC", "MPlusHealthTopics")


def choose_conditions(rows: list[dict], count: int, per: int, seed: int) -> list[tuple[tuple[str, str], list[dict]]]:
    """``count`` held-out conditions with at least ``per`` kinds of question, spread over the
    patient sources; for each, ``per`` questions of different kinds."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        if r["source"] in PATIENT_SOURCES and r["qtype"] in MEDQUAD_KINDS:
            grouped[condition(r)].append(r)
    rng = random.Random(seed)
    by_source: dict[str, list] = defaultdict(list)
    for key in sorted(grouped):
        kinds = {MEDQUAD_KINDS[r["qtype"]] for r in grouped[key]}
        if len(kinds) >= per and len({tidy(r["answer"]) for r in grouped[key]}) >= per:
            by_source[key[0]].append(key)
    for keys in by_source.values():
        rng.shuffle(keys)
    chosen: list[tuple[str, str]] = []
    while len(chosen) < count and any(by_source.values()):
        for source in sorted(by_source):
            if by_source[source] and len(chosen) < count:
                chosen.append(by_source[source].pop())
    out = []
    for key in chosen:
        pool = list(grouped[key])
        rng.shuffle(pool)
        picked, kinds = [], set()
        for r in pool:
            k = MEDQUAD_KINDS[r["qtype"]]
            if k not in kinds:
                picked.append(r)
                kinds.add(k)
            if len(picked) == per:
                break
        out.append((key, picked, grouped[key]))
    return out


def write_pages(chosen, folder: Path, seed: int) -> None:
    for key, _, rows in chosen:
        answers = shuffled_answers(rows, random.Random(f"{seed}|{key}"))
        name = "".join(ch if ch.isalnum() else "-" for ch in f"{key[0]}-{key[1]}".lower())[:80]
        (folder / f"{name}.txt").write_text(f"{key[1]}\n\n" + page_text(answers), encoding="utf-8")


def indexed_pages(chosen, folder: Path, seed: int, t0: float) -> Pipeline:
    """The chosen conditions' pages written into ``folder`` and indexed there through the
    real ingest; the pipeline over them."""
    pages = folder / "pages"
    pages.mkdir()
    write_pages(chosen, pages, seed)
    pipe = Pipeline(Settings(corpus_dir=pages, store_dir=folder / "store"))
    pipe.ingest()
    print(f"[{time.time() - t0:.0f}s] indexed {len(chosen)} pages", file=sys.stderr, flush=True)
    return pipe


def on_answer(sentence: str, answer: str) -> bool:
    s = squash(sentence)
    return bool(s) and s in squash(answer)


def judge(sentences: list[str], answer: str, declined: bool) -> dict:
    flags = [on_answer(s, answer) for s in sentences]
    return {"lead@1": bool(flags[:1] and flags[0]), "lead@2": any(flags[:2]),
            "on": sum(flags), "n": len(flags), "declined": declined}


def ask_all(pipe: Pipeline, questions: list[tuple[dict, str]], naive: bool = False) -> list[dict]:
    """Each question asked once; its judged figures and the answer's sentences."""
    out = []
    for row, q in questions:
        if naive:
            top = pipe.search(q, k=1, mode="dense").passages[:1]
            sents = [c.text for c in candidates(top)]
            out.append({**judge(sents, row["answer"], not sents), "sentences": sents[:3]})
        else:
            a = pipe.ask(q, finish=False)
            sents = [s.quote or s.text for s in a.sentences]
            out.append({**judge(sents, row["answer"], a.kind == "not_found"),
                        "sentences": sents if sents else [a.answer]})
    return out


def summarize(results: list[dict]) -> dict:
    n = len(results)
    if not n:
        return {"n": 0}
    sentences = sum(r["n"] for r in results)
    return {"n": n, "lead@1": sum(r["lead@1"] for r in results) / n, "lead@2": sum(r["lead@2"] for r in results) / n,
            "on-answer": sum(r["on"] for r in results) / sentences if sentences else 0.0,
            "declined": sum(r["declined"] for r in results) / n}


def report(names: list[str], runs: dict[str, list[dict]], groups: dict[str, list[int]]) -> list[str]:
    lines = ["| group | n | " + " | ".join(f"{m} lead@1 | lead@2 | on-answer | declined" for m in names) + " |",
             "|" + " --- |" * (2 + 4 * len(names))]
    for g, idx in groups.items():
        cells = []
        for m in names:
            s = summarize([runs[m][i] for i in idx])
            cells.append(f"{s['lead@1']:.2f} | {s['lead@2']:.2f} | {s['on-answer']:.2f} | {s['declined']:.2f}")
        lines.append(f"| {g} | {len(idx)} | " + " | ".join(cells) + " |")
    return lines


def side_by_side(questions, runs: dict[str, list[dict]], count: int, seed: int) -> list[str]:
    """``count`` seeded questions with each chooser's answers."""
    picked = sorted(random.Random(seed).sample(range(len(questions)), min(count, len(questions))))
    lines = []
    for i in picked:
        row, q = questions[i]
        lines += ["", f"**{q}** ({row['source']}, {row['qtype']})"]
        for m in runs:
            r = runs[m][i]
            mark = "led" if r["lead@1"] else "declined" if r["declined"] else "not led"
            lines.append(f"- {m} ({mark}): " + " ".join(r["sentences"])[:400])
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.pages", description=__doc__.split("\n")[0])
    ap.add_argument("--conditions", type=int, default=60)
    ap.add_argument("--per", type=int, default=3, help="questions per condition")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--show", type=int, default=0, help="print this many answers, each chooser's beside the others")
    ap.add_argument("--choosers", default="reranked,learned,rules",
                    help="answer choosers compared (reranked is skipped when its model is not shipped)")
    args = ap.parse_args(argv)
    t0 = time.time()
    _, held = condition_split(usable_rows(read_rows()))
    chosen = choose_conditions(held, args.conditions, args.per, args.seed)
    questions = [(r, template_free(r["question"])) for _, picked, _ in chosen for r in picked]
    with tempfile.TemporaryDirectory() as tmp:
        pipe = indexed_pages(chosen, Path(tmp), args.seed, t0)
        runs = {}
        for chooser in args.choosers.split(","):  # the same index, each way of choosing
            if chooser == "reranked" and pipe.reranker is None:
                continue
            pipe.chooser = chooser
            runs[chooser] = ask_all(pipe, questions)
        runs["naive"] = ask_all(pipe, questions, naive=True)
    names = list(runs)
    groups: dict[str, list[int]] = {"all": list(range(len(questions)))}
    for label, key in (("kind", lambda r: MEDQUAD_KINDS[r["qtype"]]), ("source", lambda r: r["source"])):
        sub: dict[str, list[int]] = defaultdict(list)
        for i, (r, _) in enumerate(questions):
            sub[f"{label}: {key(r)}"].append(i)
        groups.update(dict(sorted(sub.items())))
    lines = [f"Patient pages: {len(chosen)} held-out conditions, {len(questions)} questions "
             f"(`python -m eval.pages --seed {args.seed}`, {time.time() - t0:.0f} s)", "", *report(names, runs, groups)]
    print("\n".join(lines))
    if args.show:
        print("\n".join(side_by_side(questions, runs, args.show, args.seed)))
    if args.json:
        args.json.write_text(json.dumps({m: summarize(runs[m]) for m in names}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
