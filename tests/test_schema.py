"""An answer has one kept shape: ``Answer.to_json`` writes it, ``Answer.from_json`` reads it
back to the same typed answer (sentences, citations, passages with their provenance, the
question's understanding), and JSON kept before there was one shape still reads."""

from __future__ import annotations

import json

from rag.schema import Answer, AnswerSentence, Chunk, Citation, Notice, Passage


def chunk(i: int, text: str, **extra) -> Chunk:
    return Chunk(chunk_id=f"c{i}", doc_id="review.md", title="Treatment review",
                 location=extra.pop("location", "Treatments"), text=text, start=100 * i,
                 end=100 * i + len(text), source_start=120 * i, source_end=120 * i + len(text) + 3,
                 ordinal=i, section=extra.pop("section", "Treatments"), doc_hash="abc123", **extra)


CHUNKS = [chunk(1, "Nintedanib slows lung scarring. It is taken twice a day."),
          chunk(2, "Fibrosis: the build-up of scar tissue.", location="Fibrosis", section="Fibrosis",
                kind="glossary"),
          chunk(3, "Outlook varies from person to person.", location="page 4", section="", page=4)]


def hand_made() -> Answer:
    """Every field set, scores already at the precision the JSON keeps."""
    return Answer(
        question="What does nintedanib do?", kind="answered",
        answer="Nintedanib slows lung scarring. [1] Fibrosis means scar tissue. [2]",
        citations=[Citation(1, CHUNKS[0], 0.8123, ((0, 31),)),
                   Citation(2, CHUNKS[1], 0.5, ((0, 38), (10, 20)))],
        notices=[Notice("personal_advice", "Ask your care team about your own dose.")],
        sentences=[AnswerSentence("Nintedanib slows lung scarring.", 1),
                   AnswerSentence("Fibrosis means scar tissue.", 2,
                                  quote="Fibrosis: the build-up of scar tissue."),
                   AnswerSentence("Taken twice a day.", 1, list_item=True)],
        disclaimer="Education, not medical advice.", confidence=0.9312,
        query="nintedanib what does it do", timings_ms={"total": 41.5, "retrieve": 12.0},
        evidence={"best_cosine": 0.7123}, reading_grade=6.5, answerer="llm:test",
        llm={"model": "m", "error": None, "dropped": ["One sentence."]},
        understanding={"kind": "how_it_works", "kind_confidence": 0.812, "yes_no": False,
                       "uncovered": ""},
        retrieved=[Passage(CHUNKS[0], 0.8123, 0.75, 0.9), Passage(CHUNKS[2], 0.61, 0.6, 0.0)],
    )


def test_an_answer_read_back_from_its_json_is_the_same_answer():
    a = hand_made()
    kept = json.loads(json.dumps(a.to_json()))  # as stored: through JSON text
    assert Answer.from_json(kept) == a


def test_a_retrieved_passage_carries_what_every_reader_needs():
    [first, second] = hand_made().to_json()["retrieved"]
    assert (first["rank"], first["cited"], second["rank"], second["cited"]) == (1, 1, 2, None)
    assert first["title"] == "Treatment review" and first["doc_id"] == "review.md"
    assert first["text"].startswith("Nintedanib") and first["section"] == "Treatments"
    assert second["page"] == 4 and second["location"] == "page 4"
    assert (first["score"], first["dense"], first["lexical"]) == (0.8123, 0.75, 0.9)


def test_a_real_answer_keeps_its_shape_through_json(corpus_pipeline):
    for question in ("What does nintedanib do?", "is it safe?"):
        a = corpus_pipeline.ask(question, [{"role": "user", "content": "what is a stem cell transplant?"}])
        kept = json.loads(json.dumps(a.to_json()))
        again = Answer.from_json(kept)
        assert again.to_json() == kept
        assert again.sentences == a.sentences and again.understanding == a.understanding
        assert [c.chunk for c in again.citations] == [c.chunk for c in a.citations]
        assert [p.chunk for p in again.retrieved] == [p.chunk for p in a.retrieved]


def test_json_kept_by_older_versions_reads_with_what_it_has():
    old = {"question": "q", "kind": "not_found", "answer": "Not in my documents.", "confidence": 0.1,
           "retrieved": [{"rank": 1, "chunk_id": "c1", "doc_id": "review.md", "location": "Treatments",
                          "score": 0.3, "dense": 0.2, "lexical": 0.4}]}
    a = Answer.from_json(old)
    assert a.kind == "not_found" and a.sentences == [] and a.reading_grade is None
    [p] = a.retrieved
    assert (p.chunk.chunk_id, p.chunk.doc_id, p.chunk.text, p.score) == ("c1", "review.md", "", 0.3)
    assert {k: a.to_json()["retrieved"][0][k] for k in ("rank", "cited", "title", "text")} == \
        {"rank": 1, "cited": None, "title": "", "text": ""}
    assert Answer.from_json({"answer": "Just text."}).answer == "Just text."
