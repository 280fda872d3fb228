"""``python -m eval.long_messages``: questions inside real-style patient messages, beside the
bare questions, on pages nobody tuned for.

Real consumer messages (TREC LiveQA-Med is not on this machine) are long: a greeting, some
history, the question (often lower case, without its "?", with a typo or two), sometimes a
second question, a closing line. This benchmark builds such messages from questions of
held-out MedQuAD conditions (``eval.pages``: the same pages and questions, seeded), and
asks each question twice through the real pipeline, bare and inside its message:

- retrieval ``hit@1`` / ``hit@5``: a passage holding a sentence of the question's own
  answer (of either question, for a message that asks two) is first / in the first five,
  by the project's search (``Pipeline.search``: hybrid, the asking sentences searched
  beside the whole message) and by the plain model encoding the whole message (dense top
  five from the same store: the "embed it all" baseline);
- ``lead@1``: the answer's first sentence is part of the own answer (``Pipeline.ask``).

Left out: judging by graded relevance as LiveQA does (a sentence is on the answer or not),
and messages that ask nothing.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.compose.candidates import candidates
from rag.pipeline import Pipeline
from rag.schema import Passage

from .medquad import condition_split, read_rows, template_free, usable_rows
from .pages import choose_conditions, indexed_pages, on_answer

GREETINGS = ("Hi,", "Hello.", "Good morning,", "Hi there!", "Dear doctor,", "Hello everyone.", "")
HISTORIES = (
    "I was diagnosed with {c} last year and I am still trying to understand it.",
    "My {rel} has {c} and the whole family is worried.",
    "I am {age} and my doctor thinks I might have {c}.",
    "We saw a specialist last month about {c}, but the appointment was very short.",
    "I have been reading a lot online about {c} and I am confused by what I find.",
    "My {rel} was told last week that it is {c}. We live far from any big hospital.",
)
RELATIVES = ("mother", "father", "husband", "wife", "son", "daughter", "sister", "brother", "grandmother")
CLOSINGS = ("Thank you so much.", "Any help is appreciated!", "Thanks in advance.", "Sorry for the long message.",
            "God bless.", "")


def typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard: a letter dropped, doubled or swapped with the next."""
    i = rng.randrange(1, len(word) - 2)
    op = rng.choice(("drop", "double", "swap"))
    if op == "drop":
        return word[:i] + word[i + 1:]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def casual(question: str, rng: random.Random) -> str:
    """The question as typed in a hurry: maybe lower case, maybe no "?", maybe a typo or two
    in its longer words."""
    q = question[0].lower() + question[1:] if rng.random() < 0.6 else question
    if rng.random() < 0.4:
        q = q.rstrip("?")
    if rng.random() < 0.5:
        words = q.split(" ")
        long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        for i in rng.sample(long, min(len(long), rng.choice((1, 2)))):
            words[i] = typo(words[i], rng)
        q = " ".join(words)
    return q


def message(condition: str, questions: list[str], rng: random.Random) -> str:
    """A patient's message around ``questions`` (one or two)."""
    history = rng.sample(HISTORIES, rng.choice((1, 2)))
    parts = [rng.choice(GREETINGS)]
    parts += [h.format(c=condition.lower() if rng.random() < 0.5 else condition, rel=rng.choice(RELATIVES),
                       age=rng.randrange(25, 80)) for h in history]
    asked = [casual(q, rng) for q in questions]
    if len(asked) == 2:
        asked[1] = "Also, " + asked[1][0].lower() + asked[1][1:]
    parts += asked + [rng.choice(CLOSINGS)]
    return " ".join(p for p in parts if p)


def hits(passages, answers: list[str]) -> list[bool]:
    return [any(on_answer(c.text, a) for c in candidates([p]) for a in answers) for p in passages]


def plain_whole(pipe: Pipeline, text: str, k: int) -> list:
    """The store's top ``k`` by the plain model's vector of the whole message."""
    retriever = pipe.retriever()
    vector = pipe.embed([text])[0]
    return [Passage(c, s, dense=s) for c, s in retriever.store.query(vector, k, exclude_kind=retriever.exclude_kind,
                                                                      total=retriever.total)]


def measure(pipe: Pipeline, text: str, answers: list[str]) -> dict:
    found = pipe.search(text, k=5).passages
    plain = plain_whole(pipe, text, 5)
    a = pipe.ask(text, finish=False)
    sents = [s.quote or s.text for s in a.sentences]
    project, baseline = hits(found, answers), hits(plain, answers)
    return {"hit@1": bool(project[:1] and project[0]), "hit@5": any(project),
            "plain hit@1": bool(baseline[:1] and baseline[0]), "plain hit@5": any(baseline),
            "lead@1": bool(sents) and any(on_answer(sents[0], x) for x in answers),
            "declined": a.kind == "not_found"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.long_messages", description=__doc__.split("\n")[0])
    ap.add_argument("--conditions", type=int, default=60)
    ap.add_argument("--per", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--show", type=int, default=0, help="print this many messages")
    args = ap.parse_args(argv)
    t0 = time.time()
    _, held = condition_split(usable_rows(read_rows()))
    chosen = choose_conditions(held, args.conditions, args.per, args.seed)
    rng = random.Random(args.seed)
    cases = []
    for key, picked, _ in chosen:
        name = re.sub(r"\s*\(.*?\)", "", key[1]).strip()
        for i, r in enumerate(picked):
            qs = [template_free(r["question"])]
            answers = [r["answer"]]
            if rng.random() < 0.35:  # a second question, of another kind, about the same condition
                other = picked[(i + 1) % len(picked)]
                qs.append(template_free(other["question"]))
                answers.append(other["answer"])
            cases.append((qs[0], message(name, qs, rng), [r["answer"]], answers))
    with tempfile.TemporaryDirectory() as tmp:
        pipe = indexed_pages(chosen, Path(tmp), args.seed, t0)
        bare = [measure(pipe, q, own) for q, _, own, _ in cases]
        long = [measure(pipe, m, answers) for _, m, _, answers in cases]
    keys = ("hit@1", "hit@5", "plain hit@1", "plain hit@5", "lead@1", "declined")
    lines = [f"Long messages: {len(cases)} questions of {len(chosen)} held-out conditions, bare and inside a "
             f"patient's message (`python -m eval.long_messages --seed {args.seed}`, {time.time() - t0:.0f} s, "
             f"chooser: {pipe.chooser})", "",
             "| asked | " + " | ".join(keys) + " |", "|" + " --- |" * (len(keys) + 1)]
    for label, rows in (("bare question", bare), ("inside a message", long)):
        lines.append(f"| {label} | " + " | ".join(f"{np.mean([r[k] for r in rows]):.2f}" for k in keys) + " |")
    print("\n".join(lines))
    for q, m, _, _ in cases[:args.show]:
        print(f"\n- {q}\n  {m}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
