"""The conversation gate: real conversations (follow-ups without a topic, pronouns, "say
that more simply"), misspelt questions beside their correctly spelt twins, and questions
the documents don't cover, asked against a temporary index of corpus/, must score at least
as well as eval/conversation_baseline.json allows (``python -m eval.conversation`` prints
the same figures)."""

from __future__ import annotations

import json

import pytest

from eval import conversation
from eval.conversation_scoring import conversation_figures, misspelt_figures, uncovered_figures
from eval.conversation_sets import load_conversations, load_misspelt, load_uncovered
from rag.pipeline import Pipeline
from rag.schema import REFERENCE_KIND
from rag.settings import PROJECT_ROOT

from tests.conftest import make_settings

BASELINE = PROJECT_ROOT / "eval" / "conversation_baseline.json"


@pytest.fixture(scope="module")
def figures(corpus_store, embedder):
    pipeline = Pipeline(make_settings(corpus_store), embedder=embedder)
    ask = conversation.asker(pipeline)
    reference_ids = {c.chunk_id for c in pipeline.store.iter_chunks() if c.kind == REFERENCE_KIND}
    return {
        "conversations": conversation_figures(
            conversation.run_conversations(ask, load_conversations(), reference_ids)),
        "misspelt": misspelt_figures(conversation.run_misspelt(ask, load_misspelt())),
        "uncovered": uncovered_figures(
            conversation.run_uncovered(ask, load_uncovered(), pipeline.topics())),
    }


def _value(figures: dict, key: str) -> float:
    group, name = key.split(".")
    return figures[group][name]


def test_conversations_misspellings_and_declines_score_no_worse_than_the_baseline(figures):
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    short = [f"{k}: {_value(figures, k)} < {v} - {tol}" for k, (v, tol) in baseline["min"].items()
             if _value(figures, k) is None or _value(figures, k) < v - tol]
    short += [f"{k}: {_value(figures, k)} > {v} + {tol}" for k, (v, tol) in baseline["max"].items()
              if _value(figures, k) > v + tol]
    assert not short, "Below eval/conversation_baseline.json:\n- " + "\n- ".join(short) + f"\n{figures}"
