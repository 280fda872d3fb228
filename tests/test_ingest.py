"""rag.indexing.ingest + rag.indexing.store: incremental, idempotent, crash-safe indexing into a real Chroma."""

import pytest

from rag.indexing.ingest import Ingestor
from rag.indexing.chroma_client import StoreError
from rag.indexing.store import ChunkStore
from tests.conftest import CORPUS

CORPUS_DOCS = sorted(f.name for f in CORPUS.iterdir())  # the two source texts and the glossary


def passages_by_doc(pipeline):
    return {d: len(ids) for d, ids in pipeline.store.chunk_ids_by_document().items()}


def test_first_run_indexes_every_document_and_second_run_adds_nothing(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    first = p.ingest([corpus_copy])
    assert sorted(first.added) == CORPUS_DOCS
    count = p.store.count()
    second = p.ingest([corpus_copy])
    assert not second.changed and len(second.unchanged) == len(CORPUS_DOCS) and second.passages_written == 0
    assert p.store.count() == count
    entries = {e.doc_id: e for e in p.documents()}
    assert all(e.state == "done" and e.chunks > 0 for e in entries.values())
    assert passages_by_doc(p) == {d: e.chunks for d, e in entries.items()}


def test_changed_document_is_replaced_and_removed_one_disappears(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    trials = corpus_copy / "scleroderma-clinical-trials-overview.txt"
    trials.write_text(trials.read_text() + "\nA new paragraph about remote trial visits and telehealth follow-up.\n")
    (corpus_copy / "scleroderma-treatment-review.txt").unlink()
    (corpus_copy / "extra.md").write_text("# Extra\n\nRaynaud phenomenon makes fingers turn white in the cold.")
    r = p.ingest([corpus_copy])
    assert r.updated == ["scleroderma-clinical-trials-overview.txt"]
    assert r.removed == ["scleroderma-treatment-review.txt"]
    assert r.added == ["extra.md"]
    texts = " ".join(c.text for c in p.store.iter_chunks())
    assert "telehealth" in texts and "Raynaud" in texts and "Gene therapy:" not in texts
    assert set(passages_by_doc(p)) == {"scleroderma-clinical-trials-overview.txt", "extra.md", "glossary.md"}
    hits = p.search("telehealth follow-up", k=1).passages
    assert hits[0].chunk.doc_id == "scleroderma-clinical-trials-overview.txt"


def test_a_bad_file_is_reported_and_its_old_version_stays(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    before = passages_by_doc(p)
    (corpus_copy / "scleroderma-treatment-review.txt").write_bytes(b"\x00\x01binary now")
    (corpus_copy / "new.pdf").write_bytes(b"%PDF-1.4 broken")
    r = p.ingest([corpus_copy])
    assert {e.name for e in r.failed} == {"scleroderma-treatment-review.txt", "new.pdf"}
    assert passages_by_doc(p) == before


def test_duplicate_content_under_another_name_is_not_indexed_twice(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    src = corpus_copy / "scleroderma-treatment-review.txt"
    (corpus_copy / "copy-of-review.txt").write_bytes(src.read_bytes())
    r = p.ingest([corpus_copy])
    assert r.duplicates == [("copy-of-review.txt", "scleroderma-treatment-review.txt")]
    assert "copy-of-review.txt" not in passages_by_doc(p)


def test_a_renamed_file_is_moved_not_reported_as_a_duplicate(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    (corpus_copy / "scleroderma-treatment-review.txt").rename(corpus_copy / "review.txt")
    r = p.ingest([corpus_copy])
    assert r.added == ["review.txt"] and r.removed == ["scleroderma-treatment-review.txt"]


class CrashAfter:
    """The real model, interrupted after ``n`` batches, as a kill would."""

    def __init__(self, model, n):
        self.model, self.n = model, n
        self.model_id, self.dimension = model.model_id, model.dimension

    def embed(self, texts):
        if self.n == 0:
            raise KeyboardInterrupt("killed")
        self.n -= 1
        return self.model.embed(texts)


def test_an_ingest_killed_halfway_is_repaired_by_the_next_run(fresh_pipeline, corpus_copy, embedder):
    p = fresh_pipeline()
    for i in range(6):
        (corpus_copy / f"note-{i}.txt").write_text(
            f"Note {i}. " + " ".join(f"Sentence {j} about scleroderma care topic {i}." for j in range(40)))
    crashing = Ingestor(p.store, lambda: CrashAfter(embedder, 2), 600, 120, batch_passages=8)
    with pytest.raises(KeyboardInterrupt):
        crashing.run([corpus_copy])
    states = {e.doc_id: e.state for e in p.documents()}
    assert "indexing" in states.values() and "done" in states.values()

    report = p.ingest([corpus_copy])
    assert report.repaired  # the interrupted batch is redone
    entries = {e.doc_id: e for e in p.documents()}
    assert len(entries) == len(CORPUS_DOCS) + 6 and all(e.state == "done" for e in entries.values())
    assert passages_by_doc(p) == {d: e.chunks for d, e in entries.items()}  # nothing twice, nothing lost
    assert not p.ingest([corpus_copy]).changed


def test_explicit_files_are_added_without_pruning_others(fresh_pipeline, corpus_copy, tmp_path):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    extra = tmp_path / "single.txt"
    extra.write_text("A single extra document about occupational therapy and hand splints.")
    r = p.ingest([extra])
    assert r.added == ["single.txt"] and not r.removed
    assert len(p.documents()) == len(CORPUS_DOCS) + 1


def test_jsonl_documents_are_ingested_and_resumed(fresh_pipeline, tmp_path):
    import json

    f = tmp_path / "docs.jsonl"
    f.write_text("\n".join(json.dumps({"id": f"d{i}", "title": f"Doc {i}", "text": f"Document {i} explains topic number {i} in detail."}) for i in range(5)))
    p = fresh_pipeline()
    assert len(p.ingest([f]).added) == 5
    assert len(p.ingest([f]).unchanged) == 5


def test_a_store_built_with_another_model_is_refused(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    with pytest.raises(StoreError, match="rebuild"):
        ChunkStore(p.store.client, p.settings.collection, "some-other-model:fp32", 384)


def test_rebuild_drops_and_reindexes(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    r = p.ingest([corpus_copy], rebuild=True)
    assert len(r.added) == len(CORPUS_DOCS)


def test_remove_takes_a_document_out(fresh_pipeline, corpus_copy):
    p = fresh_pipeline()
    p.ingest([corpus_copy])
    p.remove("scleroderma-treatment-review.txt")
    left = {"glossary.md", "scleroderma-clinical-trials-overview.txt"}
    assert {e.doc_id for e in p.documents()} == left and set(passages_by_doc(p)) == left


def test_an_ingest_with_nothing_to_do_never_loads_the_model(tmp_path, corpus_copy, embedder):
    from rag.pipeline import Pipeline
    from tests.conftest import make_settings

    Pipeline(make_settings(tmp_path / "s"), embedder=embedder).ingest([corpus_copy])

    def no_model():
        raise AssertionError("the model was loaded")

    p = Pipeline(make_settings(tmp_path / "s"), embedder=embedder)
    r = Ingestor(p.store, no_model, p.settings.chunk_size, p.settings.chunk_overlap).run([corpus_copy])
    assert len(r.unchanged) == len(CORPUS_DOCS)


def test_jsonl_documents_are_read_again_when_indexed_with_their_own_text(fresh_pipeline, tmp_path):
    import json

    f = tmp_path / "docs.jsonl"
    rows = [{"id": f"d{i}", "text": f"Document {i} explains topic number {i} in some detail."} for i in range(4)]
    lines = [json.dumps(r) for r in rows]
    lines.insert(2, "{not json")
    lines.append(json.dumps({"id": "d1", "text": "A second record with the id d1 is refused."}))
    f.write_text("\n".join(lines))
    p = fresh_pipeline()
    report = p.ingest([f])
    assert sorted(report.added) == ["d0", "d1", "d2", "d3"]
    assert {e.name for e in report.failed} == {"docs.jsonl line 3", "d1"}
    texts = {c.doc_id: c.text for c in p.store.iter_chunks()}
    assert texts == {r["id"]: r["text"] for r in rows}

    rows[3]["text"] = "Document 3 now says something else entirely, in new words."
    f.write_text("\n".join(json.dumps(r) for r in rows))
    again = p.ingest([f])
    assert again.updated == ["d3"] and sorted(again.unchanged) == ["d0", "d1", "d2"]
    assert {c.doc_id: c.text for c in p.store.iter_chunks()}["d3"] == rows[3]["text"]


def test_progress_counts_documents_once_they_are_written(fresh_pipeline, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(5):
        (folder / f"n{i}.txt").write_text(" ".join(f"Sentence {j} about hand care {i}." for j in range(30)))
    p = fresh_pipeline()
    seen = []

    def progress(done, total, doc_id):
        seen.append((done, total, p.store.count()))

    Ingestor(p.store, p.embed.loaded, 600, 120, batch_passages=4).run([folder], progress=progress)
    assert seen[-1][:2] == (5, 5)
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert all(count > 0 for _, _, count in seen), "nothing is reported before passages are stored"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(fresh_pipeline, tmp_path, monkeypatch):
    from pathlib import Path

    from rag.indexing.loaders import MAX_FILE_BYTES

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.txt").write_text("Physical therapy keeps joints moving and muscles strong in scleroderma.")
    huge = folder / "huge.txt"
    with open(huge, "wb") as f:  # sparse: takes no disk space
        f.truncate(MAX_FILE_BYTES + 1)
    read = []
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real_read_bytes(self))
    r = fresh_pipeline().ingest([folder])
    assert r.added == ["ok.txt"]
    assert [(e.name, "too large" in e.reason) for e in r.failed] == [("huge.txt", True)]
    assert "huge.txt" not in read


class Counting:
    """The real model, counting the texts it is given."""

    def __init__(self, model):
        self.model, self.texts = model, []
        self.model_id, self.dimension = model.model_id, model.dimension

    def embed(self, texts):
        self.texts += list(texts)
        return self.model.embed(texts)


def test_a_passage_text_already_embedded_is_never_embedded_again(fresh_pipeline, tmp_path, embedder):
    import json

    import numpy as np

    shared = "Raynaud's phenomenon makes fingers turn white or blue in the cold."
    paragraphs = {i: f"Paragraph {i} describes a separate topic, number {i}, at some length." for i in range(4)}
    rows = [{"id": "a", "text": f"{shared}\n\n{paragraphs[0]}"}, {"id": "b", "text": f"{shared}\n\n{paragraphs[1]}"}]
    f = tmp_path / "docs.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows))
    p = fresh_pipeline()
    counting = Counting(embedder)
    first = Ingestor(p.store, lambda: counting, 100, 0).run([f])
    assert first.passages_written == 4 and first.passages_embedded == 3
    assert sorted(counting.texts) == sorted([shared, paragraphs[0], paragraphs[1]])

    rows[1]["text"] = f"{shared}\n\n{paragraphs[2]}"  # b edited: only its new paragraph is new
    f.write_text("\n".join(json.dumps(r) for r in rows))
    counting.texts = []
    again = Ingestor(p.store, lambda: counting, 100, 0).run([f])
    assert again.updated == ["b"] and counting.texts == [paragraphs[2]]
    chunks, vectors = p.store.get([c.chunk_id for c in p.store.iter_chunks("b")], with_vectors=True)
    expected = embedder.embed([c.text for c in chunks])
    assert np.allclose(vectors, expected, atol=1e-5)  # reused vectors are the text's own


def test_stored_vectors_made_another_way_are_not_reused(fresh_pipeline, tmp_path, embedder):
    import json

    f = tmp_path / "docs.jsonl"
    f.write_text(json.dumps({"id": "a", "title": "Hand care", "text": "Warm gloves help cold fingers."}))
    p = fresh_pipeline()
    Ingestor(p.store, lambda: embedder, 600, 0).run([f])
    counting = Counting(embedder)
    report = Ingestor(p.store, lambda: counting, 600, 0, titles=True).run([f])  # the title is now embedded
    assert report.updated == ["a"] and counting.texts == ["Hand care: Warm gloves help cold fingers."]
