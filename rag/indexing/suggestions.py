"""Starter questions drawn from what the indexed documents actually cover.

The candidates come from the indexed passages (``rag.indexing.topics``: section headings,
glossary terms, repeated phrases, each worded as a question in plain words). ``suggest`` then
keeps only the candidates the pipeline really answers (it is handed a yes/no function), so a
suggestion never ends in "not found".

Finding them asks the pipeline a dozen questions (seconds on a small machine), and is bounded
on any collection: topics come from at most ``SAMPLED_DOCUMENTS`` documents spread over it
(``sampled_chunks``), and no candidate is tried after ``STARTER_SECONDS``. It is done
when the documents are indexed (``python -m rag ingest``, the Documents page): ``store_starters``
keeps them in a JSON file beside the index, keyed by the index's revision and the settings
an answer depends on, and the chat reads them back with ``stored_starters``; the chat works
them out itself only when none are stored for the current index.

Left out: where the candidates come from and how they are worded (``rag.indexing.topics``);
on purpose, any fixed list of questions, ranking by what patients ask most (the records
could feed that later), and rewording by a language model.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable, Iterable

from rag.indexing.topics import Suggestion, candidates
from rag.schema import REFERENCE_KIND, Chunk


def suggest(chunks: Iterable[Chunk], answers: Callable[[str], bool], n: int = 4,
            tries: int | None = None, seconds: float | None = None,
            clock: Callable[[], float] = time.monotonic) -> list[Suggestion]:
    """The first ``n`` candidates that ``answers`` says the pipeline answers, trying at most
    ``tries`` (default ``3 * n``) so a store with odd headings costs a bounded time, and
    none after ``seconds`` have gone by (what was found by then is kept)."""
    out: list[Suggestion] = []
    started = clock()
    for s in candidates(chunks, limit=tries or 3 * n):
        if seconds is not None and clock() - started >= seconds:
            break
        if answers(s.question):
            out.append(s)
            if len(out) == n:
                break
    return out


# --- kept beside the index -------------------------------------------------------------------

STARTERS = 4  # starter questions shown on an empty chat and after "not found"
# Working them out is bounded, whatever the size of the collection: topics come from this
# many documents at most (and the glossary), and candidates are tried for this long at most.
SAMPLED_DOCUMENTS = 24
STARTER_SECONDS = 30.0
_STORED_FORMAT = 1  # raise when what is stored, or how it is worked out, changes
# Settings that say where things are kept, how the app is run or what a chat model does: an
# extractive answer, hence which questions are answered, does not depend on them.
_NOT_ANSWERING = frozenset({
    "corpus_dir", "store_dir", "collection", "prompts_dir", "cache_dir", "chroma_host",
    "chroma_port", "chroma_ssl", "chroma_token", "chroma_tenant", "chroma_database",
    "model_path", "embed_batch_size", "answerer", "llm_base_url", "llm_api_key",
    "llm_timeout_s", "llm_min_support", "records_path", "retention_days", "educator_password",
    "upload_max_mb", "pdf_max_pages", "pdf_max_stream_mb", "pdf_max_text_chars",
    "reviewed_questions_path", "chunk_size", "chunk_overlap"})


def sampled_chunks(store, documents: int = SAMPLED_DOCUMENTS) -> list[Chunk]:
    """The passages topics are drawn from: every reference document's (the glossary), and
    those of at most ``documents`` other documents, spread evenly over the collection in
    the order of their names. A collection of that many documents or fewer is read whole."""
    reference = list(store.iter_chunks(kind=REFERENCE_KIND))
    glossaries = {c.doc_id for c in reference}
    body = sorted(d for d, e in store.ledger_entries().items() if e.state == "done" and d not in glossaries)
    if len(body) <= documents:
        return reference + [c for c in store.iter_chunks() if c.doc_id not in glossaries]
    step = len(body) / documents
    picked = [body[int(i * step)] for i in range(documents)]
    return reference + [c for doc_id in picked for c in store.iter_chunks(doc_id=doc_id)]


def work_out_starters(pipeline, n: int = STARTERS, seconds: float | None = STARTER_SECONDS) -> list[str]:
    """The first ``n`` suggested questions the pipeline answers from its documents alone
    (never a chat model call per candidate), from a sample of the documents
    (``sampled_chunks``) and within ``seconds``."""
    def answered(question: str) -> bool:
        a = pipeline.ask_extractive(question)
        return a.kind == "answered" and not a.notices

    return [s.question for s in suggest(sampled_chunks(pipeline.store), answered, n=n, seconds=seconds)]


def starters_path(settings) -> Path:
    """Where an index's starter questions are kept: beside a local index, or in the cache
    folder for a Chroma server."""
    if settings.server_mode:
        return Path(settings.cache_dir) / (f"starters-{settings.chroma_host}-{settings.chroma_port}-"
                                           f"{settings.collection}.json")
    return Path(settings.store_dir) / f"starters-{settings.collection}.json"


def _index_key(pipeline) -> str:
    answering = pipeline.settings.model_dump_json(exclude=set(_NOT_ANSWERING))
    digest = hashlib.sha256(answering.encode("utf-8")).hexdigest()[:16]
    return f"{_STORED_FORMAT}/{pipeline.store.revision()}/{digest}"


def store_starters(pipeline, n: int = STARTERS) -> list[str]:
    """Work out the starter questions of the current index and keep them beside it (written
    whole, then renamed). Returns them; a folder that cannot be written only costs the chat
    the work on its first view."""
    questions = work_out_starters(pipeline, n)
    path = starters_path(pipeline.settings)
    record = {"key": _index_key(pipeline), "questions": questions}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass
    return questions


def stored_starters(pipeline) -> tuple[list[str] | None, str]:
    """The starter questions kept for the current index, or None with why not ("none
    stored", "stored for another index or settings", "unreadable")."""
    path = starters_path(pipeline.settings)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"none stored at {path}"
    except (OSError, ValueError):
        return None, f"{path} is unreadable"
    if not isinstance(record, dict) or not isinstance(record.get("questions"), list):
        return None, f"{path} is unreadable"
    if record.get("key") != _index_key(pipeline):
        return None, f"{path} was stored for another index or settings"
    questions = [q for q in record["questions"] if isinstance(q, str)]
    return questions, f"read from {path}"
