"""Starter questions come from whatever documents are indexed, and only ones the pipeline
answers are offered."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from streamlit.testing.v1 import AppTest

from rag import cli

from rag.indexing import suggestions
from rag.pipeline import Pipeline
from rag.settings import PROJECT_ROOT, get_settings
from rag.indexing.suggestions import suggest
from rag.indexing.topics import candidates, everyday, is_fragment, question_about, repeated_phrases

GARDEN = """# Growing vegetables

## Introduction
This guide is for people new to growing vegetables at home.

## Watering tomatoes
Tomatoes need deep watering twice a week. Water the soil, not the leaves, early in the day.

## Companion planting
Basil planted next to tomatoes keeps some pests away. Marigolds also protect tomatoes.

## References
Home Garden Society, 2020.
"""

GARDEN_GLOSSARY = """---
title: Garden words
kind: glossary
---
# Garden words

## Mulch
Mulch is a layer of material spread on the soil to keep moisture in.

## Companion planting
Companion planting means growing plants together so that they help each other.

## Photosynthesis
Photosynthesis is how plants make food from light.
"""

BEES = """Bees and the garden
Bees carry pollen from flower to flower. Without bees, many fruit trees give little fruit.
Planting wild flowers brings more bees to a garden, and wild flowers need little care.
Fruit trees near wild flowers are visited by bees more often.
"""


def write_garden(tmp_path) -> Path:
    """The garden documents (two texts and a glossary) in a fresh folder."""
    corpus = tmp_path / "garden"
    corpus.mkdir()
    (corpus / "vegetables.md").write_text(
        GARDEN + "\nSpread mulch around tomatoes; mulch keeps the soil damp.\n")
    (corpus / "glossary.md").write_text(GARDEN_GLOSSARY)
    (corpus / "bees.txt").write_text(BEES)
    return corpus


def garden_chunks(tmp_path, fresh_pipeline):
    corpus = write_garden(tmp_path)
    pipeline = fresh_pipeline(corpus_dir=corpus)
    pipeline.ingest()
    return pipeline, list(pipeline.store.iter_chunks())


def test_questions_come_from_the_documents_of_any_collection(tmp_path, fresh_pipeline):
    _, chunks = garden_chunks(tmp_path, fresh_pipeline)
    found = {s.question: s for s in candidates(chunks, limit=20)}
    assert "What should I know about watering tomatoes?" in found
    assert "What should I know about companion planting?" in found
    assert found["What should I know about watering tomatoes?"].basis == "section"
    assert "What does mulch mean?" in found, "a glossary term the other documents use"
    assert not any("photosynthesis" in q.lower() for q in found), "a term no document uses"
    assert not any("introduction" in q.lower() or "references" in q.lower() for q in found)
    assert any(s.basis == "phrase" and s.doc_id == "bees.txt" for s in found.values()), \
        "a document without headings is represented by the phrases it repeats"
    assert not any("scleroderma" in q.lower() for q in found)


def test_the_first_questions_alternate_between_documents(tmp_path, fresh_pipeline):
    _, chunks = garden_chunks(tmp_path, fresh_pipeline)
    first = candidates(chunks, limit=3)
    assert len({s.doc_id for s in first}) == 3


def test_no_documents_no_questions():
    assert candidates([]) == []


def test_repeated_phrases_are_spread_over_different_words():
    phrases = repeated_phrases(BEES)
    assert "wild flowers" in phrases and "fruit trees" in phrases
    words = [w for p in phrases for w in p.split()]
    assert len(words) == len(set(words))


def test_only_questions_the_pipeline_answers_are_offered(tmp_path, fresh_pipeline):
    _, chunks = garden_chunks(tmp_path, fresh_pipeline)
    asked = []

    def answers(q: str) -> bool:
        asked.append(q)
        return "tomatoes" not in q

    offered = suggest(chunks, answers, n=2)
    assert len(offered) == 2 and all("tomatoes" not in s.question for s in offered)
    assert len(asked) >= 2 and len(asked) <= 6, "tries a bounded number of candidates"


def test_on_the_real_corpus_every_starter_question_is_answered_with_citations(corpus_pipeline):
    def answers(q: str) -> bool:
        a = corpus_pipeline.ask(q)
        return a.kind == "answered" and not a.notices

    offered = suggest(corpus_pipeline.store.iter_chunks(), answers, n=4)
    assert len(offered) == 4
    assert len({s.doc_id for s in offered}) >= 2, "more than one document is represented"
    for s in offered:
        a = corpus_pipeline.ask(s.question)
        assert a.kind == "answered" and a.citations, s.question


# --- well-formed plain questions ---------------------------------------------------------------

def test_a_clause_fragment_never_becomes_a_question():
    for fragment in ("blood comes back", "the skin is", "what is scleroderma", "care of the",
                     "fingers turn white and", "ulcers heal up"):
        assert is_fragment(fragment) and question_about(fragment) is None, fragment
    for topic in ("blood tests", "Watering tomatoes", "Raynaud phenomenon", "skin care at home"):
        assert not is_fragment(topic), topic
    assert question_about("Blood tests") == "What should I know about blood tests?"


def test_clinical_topics_are_asked_about_in_the_plain_words_of_the_table():
    assert question_about("Pharmacological treatments") == "What should I know about medicines?"
    assert "pharmacological" not in (question_about("Non-pharmacological interventions") or "").lower()
    assert everyday("skin care") and not everyday("pharmacological treatments")
    assert everyday("Raynaud attacks", names={"Raynaud"}), "a name is not jargon"


HANDS = """# Cold hands

## Pharmacological treatments
Some medicines widen the blood vessels in the fingers.

## Keeping warm
Gloves and warm drinks help the fingers stay warm.
"""

CIRCULATION = """When the fingers warm up, blood comes back into them and they turn red.
After an attack the blood comes back slowly. Warm water helps the blood comes back faster.
Finger ulcers need care from a nurse. Finger ulcers heal slowly.
"""


def test_suggested_questions_from_a_tiny_collection_are_plain_and_well_formed(tmp_path, fresh_pipeline):
    corpus = tmp_path / "hands"
    corpus.mkdir()
    (corpus / "hands.md").write_text(HANDS)
    (corpus / "circulation.txt").write_text(CIRCULATION)
    pipeline = fresh_pipeline(corpus_dir=corpus)
    pipeline.ingest()
    questions = [s.question for s in candidates(pipeline.store.iter_chunks(), limit=20)]
    assert "What should I know about medicines?" in questions
    assert "What should I know about finger ulcers?" in questions
    assert not any("comes back" in q or "pharmacological" in q.lower() for q in questions), questions


# --- worked out when indexing, not on the chat's first view ------------------------------------


def index_garden_from_the_command_line(tmp_path, monkeypatch) -> Path:
    """``python -m rag ingest`` (in process) over the garden documents, into a fresh store,
    with the app pointed at the same store."""
    corpus = write_garden(tmp_path)
    for name, value in {"CORPUS_DIR": corpus, "STORE_DIR": tmp_path / "store",
                        "CACHE_DIR": tmp_path / "cache",
                        "RECORDS_PATH": tmp_path / "records.sqlite3"}.items():
        monkeypatch.setenv(f"RAG_{name}", str(value))
    get_settings.cache_clear()
    assert cli.main(["ingest"]) == 0
    return corpus


def count_working_out(monkeypatch) -> list[str]:
    """Every time anything works out suggestions from the passages, noted."""
    calls: list[str] = []
    real = suggestions.suggest

    def counted(*args, **kwargs):
        calls.append("suggest")
        return real(*args, **kwargs)

    monkeypatch.setattr(suggestions, "suggest", counted)
    monkeypatch.setattr("rag.ui.state.suggest", counted, raising=False)  # where it was imported by name
    return calls


def chat_starters(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("starter-")]


def test_indexing_keeps_the_starter_questions_the_index_answers(tmp_path, monkeypatch, embedder):
    index_garden_from_the_command_line(tmp_path, monkeypatch)
    pipeline = Pipeline(get_settings(), embedder=embedder)
    kept = json.loads(suggestions.starters_path(get_settings()).read_text())["questions"]
    assert kept and kept == suggestions.work_out_starters(pipeline)
    for question in kept:
        assert pipeline.ask(question).kind == "answered", question
    get_settings.cache_clear()


def test_the_chat_shows_the_kept_questions_without_working_them_out(tmp_path, monkeypatch, embedder, caplog):
    corpus = index_garden_from_the_command_line(tmp_path, monkeypatch)
    kept = json.loads(next((tmp_path / "store").glob("starters-*.json")).read_text())["questions"]
    calls = count_working_out(monkeypatch)
    caplog.set_level(logging.INFO, logger="rag.ui.starters")

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception, at.exception
    assert chat_starters(at) == kept[:4]
    assert calls == [], "the first page view works nothing out"
    assert "starter questions: read from" in caplog.text

    # The collection changes without the command line (so nothing was kept for it): the chat
    # works them out once, says so in the log, and keeps them for the next process.
    (corpus / "compost.md").write_text("# Compost\n\n## Making compost\nKitchen scraps and leaves "
                                       "turn into compost in a few months when kept damp.\n")
    Pipeline(get_settings(), embedder=embedder).ingest()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception, at.exception
    assert chat_starters(at) and calls, "stale questions are worked out again"
    assert "working them out now" in caplog.text
    assert suggestions.stored_starters(Pipeline(get_settings(), embedder=embedder))[0] == chat_starters(at)
    get_settings.cache_clear()


# --- bounded on any collection (the ingest summary's starter step) ------------------------------


def test_starter_topics_come_from_a_bounded_sample_spread_over_a_large_collection(tmp_path, fresh_pipeline):
    corpus = write_garden(tmp_path)
    for i in range(30):
        (corpus / f"plant-{i:02d}.md").write_text(f"# Plant {i}\n\n## Caring for plant {i}\n"
                                                  f"Plant {i} likes sun and water every week.\n")
    pipeline = fresh_pipeline()
    pipeline.ingest([corpus])
    sample = suggestions.sampled_chunks(pipeline.store, documents=6)
    documents = {c.doc_id for c in sample}
    assert "glossary.md" in documents, "the glossary is read whole"
    body = sorted(documents - {"glossary.md"})
    assert len(body) == 6 and body[0] == "bees.txt" and body[-1] >= "plant-20.md", "spread over the names"
    everything = suggestions.sampled_chunks(pipeline.store, documents=100)
    assert len({c.doc_id for c in everything}) == 33, "a collection this small is read whole"


def test_trying_starter_questions_stops_when_their_time_is_up_and_keeps_what_it_found(tmp_path, fresh_pipeline):
    pipeline = fresh_pipeline()
    pipeline.ingest([write_garden(tmp_path)])
    now = [0.0]
    tried = []

    def slow_yes(question: str) -> bool:  # each question takes ten seconds
        tried.append(question)
        now[0] += 10.0
        return len(tried) == 1

    found = suggest(list(pipeline.store.iter_chunks()), slow_yes, n=4, seconds=25.0, clock=lambda: now[0])
    assert len(tried) == 3 and [s.question for s in found] == tried[:1]


def test_a_part_of_the_body_is_asked_about_with_the():
    assert question_about("Esophagus") == "What should I know about the food pipe?"
    assert question_about("Lungs") == "What should I know about the lungs?"
    assert question_about("Pharmacological treatments") == "What should I know about medicines?"
