"""``python -m eval.conversation``: how the bot holds a real conversation, reads misspelt
questions, and declines what its documents don't cover, asked the way patients type.

Three files in ``eval/`` (format in ``eval/README.md``, "Conversations, misspellings and
declines"):

- ``conversations.jsonl``: conversations of 3-4 turns, asked turn by turn with the bot's own
  earlier answers as the history. Per turn: the kind the bot understood, whether it answered
  or declined as expected, whether the answer is *led* by the evidence (an evidence phrase in
  the source of one of the first two sentences, or in the passage one of them cites),
  whether it *leaks* an earlier turn's topic (a ``leak`` phrase in a sentence's source or in
  the first sentence used of a cited passage), and for "say that more simply" turns whether
  the restatement is plain (every sentence at reading grade 6 or below), short (at most
  three sentences), still cited, and not the same sentences as before.
- ``misspelt.jsonl``: each misspelt question and its correctly spelt twin, asked alone:
  does the misspelling get the same kind of reply and the same first cited passage?
- ``uncovered.jsonl``: questions the documents don't cover: is each declined, and does the
  decline name what was asked about (its ``focus``, or the focus's main word)?

The set files are read and checked in ``eval.conversation_sets``; the scoring functions
(``eval.conversation_scoring``) take plain dicts (``Answer.to_json()`` and the file rows)
and are tested on hand-made ones (``tests/test_eval_conversation.py``). Here are only
``main`` and the ``run_*`` functions, which need a pipeline. The pipeline is built over the
evaluation's own index of ``corpus/`` exactly as ``eval.runner`` builds it, so the app's
index is never touched.

Left out: the chat-model finisher (answers are extractive, ``finish=False``), judging whether
a leak-free answer is right beyond its evidence phrases, retrieval figures (``python -m eval
run`` has them), a baseline or gate for these figures, and writing a run folder (``--json``
writes every turn's record instead).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Iterable

from .conversation_scoring import (Answer, conversation_figures, misspelt_figures, pair_record, score_turn, table,
                                   uncovered_figures, uncovered_record)
from .conversation_sets import CONVERSATIONS, SETS, load_conversations, load_misspelt, load_uncovered

Ask = Callable[[str, list], Answer]  # (question, history) -> answer


# --- asking -------------------------------------------------------------------------------------

def run_conversations(ask: Ask, conversations: list[dict], reference_ids: Iterable[str] = ()) -> list[dict]:
    """Ask each conversation turn by turn, the bot's own earlier answers as the history."""
    reference_ids = set(reference_ids)
    out = []
    for conv in conversations:
        history: list[dict] = []
        previous: Answer | None = None
        records = []
        for turn in conv["turns"]:
            answer = ask(turn["question"], list(history))
            records.append(score_turn(turn, answer, previous, reference_ids))
            history += [{"role": "user", "content": turn["question"]},
                        {"role": "assistant", "content": answer.get("answer", "")}]
            previous = answer
        out.append({"id": conv["id"], "turns": records})
    return out


def run_misspelt(ask: Ask, rows: list[dict]) -> list[dict]:
    return [pair_record(row, ask(row["question"], []), ask(row["twin"], [])) for row in rows]


def run_uncovered(ask: Ask, rows: list[dict], topics: str = "") -> list[dict]:
    return [uncovered_record(row, ask(row["question"], []), topics) for row in rows]


def open_pipeline(store: Path | None = None):
    """A pipeline over the evaluation's own index of ``corpus/``, built and filled as
    ``eval.runner.run`` does it, with the model loaded before the first question."""
    from rag.pipeline import Pipeline
    from rag.settings import get_settings

    from . import runner

    settings = runner.evaluation_settings(get_settings(), store)
    pipeline = Pipeline(settings)
    report = pipeline.ingest(runner.corpus_sources(Path(settings.corpus_dir), CONVERSATIONS))
    for e in report.failed:
        print(f"not indexed: {e.name}: {e.reason}", file=sys.stderr)
    pipeline.embed(["warm-up"])
    pipeline.retriever()
    return pipeline


def asker(pipeline) -> Ask:
    """``pipeline.ask`` without the chat model, as a plain dict; a question that makes the
    pipeline fail is recorded as an error reply instead of stopping the run."""
    def ask(question: str, history: list) -> Answer:
        try:
            return pipeline.ask(question, history=history, finish=False).to_json()
        except Exception as e:  # noqa: BLE001 - recorded, and the run goes on
            return {"question": question, "kind": "error", "answer": f"{type(e).__name__}: {e}",
                    "citations": [], "notices": [], "sentences": []}
    return ask


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.conversation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=SETS, help="run one set only")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the figures and every record here")
    ap.add_argument("--store", type=Path, help="the evaluation index (default .rag/eval/store)")
    args = ap.parse_args(argv)
    wanted = [args.only] if args.only else list(SETS)
    # a bad file fails here, before the model is loaded
    loaded = {"conversations": load_conversations, "misspelt": load_misspelt, "uncovered": load_uncovered}
    rows = {name: loaded[name]() for name in wanted}

    from rag.schema import REFERENCE_KIND

    pipeline = open_pipeline(args.store)
    ask = asker(pipeline)
    reference_ids = {c.chunk_id for c in pipeline.store.iter_chunks() if c.kind == REFERENCE_KIND}
    records, figures = {}, {}
    if "conversations" in rows:
        records["conversations"] = run_conversations(ask, rows["conversations"], reference_ids)
        figures["conversations"] = conversation_figures(records["conversations"])
    if "misspelt" in rows:
        records["misspelt"] = run_misspelt(ask, rows["misspelt"])
        figures["misspelt"] = misspelt_figures(records["misspelt"])
    if "uncovered" in rows:
        records["uncovered"] = run_uncovered(ask, rows["uncovered"], pipeline.topics())
        figures["uncovered"] = uncovered_figures(records["uncovered"])
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"figures": figures, **records}, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
