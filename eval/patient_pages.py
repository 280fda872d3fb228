"""``python -m eval.patient_pages``: patient-worded questions on one-page libraries nobody tuned for.

``eval.pages`` asks MedQuAD's own questions ("What are the symptoms of Gout ?") of 60 pages
indexed together. Patients write otherwise: "what signs should i look out for?", "can my
kids get it from me?", naming nothing, in a library about one condition. Here each of
``--conditions`` held-out conditions (``eval.medquad``: not reserved, not the project's, on
the held-out side of the condition split; from the NIH sites that write for patients) is
its own library: one page, a title line and its answers as shuffled paragraphs without
headings, indexed through the real ingest into a temporary store. The questions of
``PATIENT_QUESTIONS`` are asked of it through the real pipeline (``Pipeline.ask``, no chat
model), each where the condition has an answer of that MedQuAD question type.

The questions were written once, for any condition, before any run, and are not to be
tuned on: they are what a newly diagnosed patient types. A question is ``led`` when the
first answer sentence is part of an answer MedQuAD filed under its question type (a
sentence of another paragraph that also answers counts as lost, so the figures understate);
``declined`` when the reply is "not found". The naive answerer (the passage most similar to
the question, dense search, top 1, as a tutorial builds it) is scored in the same run.

Left out: conversations (``eval.conversation``), chat-model answers, grading the wording.
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

from rag.pipeline import Pipeline
from rag.settings import Settings

from .medquad import condition, condition_split, read_rows, usable_rows
from .pages import PATIENT_SOURCES, ask_all
from .ranker_data import page_text, shuffled_answers, tidy

# MedQuAD question type -> what a patient asks of it, naming nothing ("it" is the library's condition)
PATIENT_QUESTIONS: dict[str, tuple[str, ...]] = {
    "information": ("what is it exactly?", "can you explain what this condition is"),
    "causes": ("why did i get this?", "what causes it"),
    "exams and tests": ("how do they know i have it?", "what tests will i need"),
    "symptoms": ("what signs should i look out for?", "how will it make me feel"),
    "treatment": ("how do you treat it?", "is there a medicine for it"),
    "outlook": ("will i get better?", "what happens to people who have it long term"),
    "susceptibility": ("who is more likely to get it?",),
    "inheritance": ("can my kids get it from me?",),
    "research": ("are scientists working on new treatments?",),
    "prevention": ("can i stop it from happening?",),
    "considerations": ("is there anything i should eat or avoid?",),
}
LEAST_TYPES = 5  # a condition needs answers of this many of the question types above


def choose_conditions(rows: list[dict], count: int, seed: int) -> list[tuple[tuple[str, str], list[dict]]]:
    """``count`` seeded held-out conditions from the patient sites with answers to at least
    ``LEAST_TYPES`` of the question types asked."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        if r["source"] in PATIENT_SOURCES:
            grouped[condition(r)].append(r)
    keys = sorted(k for k, rs in grouped.items() if len({r["qtype"] for r in rs} & set(PATIENT_QUESTIONS)) >= LEAST_TYPES)
    random.Random(seed).shuffle(keys)
    return [(k, grouped[k]) for k in keys[:count]]


def ask_library(key: tuple[str, str], rows: list[dict], folder: Path, seed: int) -> list[dict]:
    """One condition as a one-page library, every patient question it has an answer for
    asked of it; each result judged for the pipeline and the naive answerer."""
    pages = folder / "pages"
    pages.mkdir()
    answers = shuffled_answers(rows, random.Random(f"{seed}|{key}"))
    (pages / "page.txt").write_text(f"{key[1]}\n\n" + page_text(answers), encoding="utf-8")
    pipe = Pipeline(Settings(corpus_dir=pages, store_dir=folder / "store"))
    pipe.ingest()
    asked = [(qtype, {"answer": answer}, q) for qtype, questions in PATIENT_QUESTIONS.items()
             if (answer := " ".join(tidy(r["answer"]) for r in rows if r["qtype"] == qtype)) for q in questions]
    pairs = [(row, q) for _, row, q in asked]
    # eval.pages judges both answerers the same way: the first sentence on the filed answer
    return [{"condition": key[1], "source": key[0], "qtype": qtype, "question": q, "led": mine["lead@1"],
             "naive": naive["lead@1"], "declined": mine["declined"], "first": mine["sentences"][0]}
            for (qtype, _, q), mine, naive in zip(asked, ask_all(pipe, pairs), ask_all(pipe, pairs, naive=True))]


def report(results: list[dict]) -> list[str]:
    def row(label: str, rs: list[dict]) -> str:
        n = len(rs)
        return (f"| {label} | {n} | {sum(r['led'] for r in rs) / n:.2f} | {sum(r['naive'] for r in rs) / n:.2f} | "
                f"{sum(r['declined'] for r in rs) / n:.2f} |")
    by_type: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_type[r["qtype"]].append(r)
    return ["| question type | n | led (pipeline) | led (naive top passage) | declined (pipeline) |",
            "| --- | --- | --- | --- | --- |", row("all", results),
            *(row(t, by_type[t]) for t in PATIENT_QUESTIONS if by_type[t])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.patient_pages", description=__doc__.split("\n")[0])
    ap.add_argument("--conditions", type=int, default=10)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write every question's result here")
    ap.add_argument("--show", action="store_true", help="print each question's first sentence")
    args = ap.parse_args(argv)
    t0 = time.time()
    _, held = condition_split(usable_rows(read_rows()))
    results: list[dict] = []
    chosen = choose_conditions(held, args.conditions, args.seed)
    for key, rows in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            results += ask_library(key, rows, Path(tmp), args.seed)
        print(f"[{time.time() - t0:.0f}s] {key[1]}", file=sys.stderr, flush=True)
    print(f"Patient-worded questions: {len(chosen)} one-page libraries of held-out conditions, "
          f"{len(results)} questions (`python -m eval.patient_pages --seed {args.seed}`, {time.time() - t0:.0f} s)\n")
    print("\n".join(report(results)))
    if args.show:
        for r in results:
            mark = "led" if r["led"] else "declined" if r["declined"] else "not led"
            print(f"- {r['condition']} | {r['question']} ({mark}): {r['first'][:160]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
