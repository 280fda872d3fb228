"""The one entry point the command line, the app, evaluation and benchmarks call.

``Pipeline`` is built once per process from a ``Settings``. It is where the clients are
made (Chroma through ``rag.store.open_client``, the embedder through
``rag.embeddings.build_embedder``) and passed to the pure stages:

    question -> safety.triage -> query.contextualize -> retrieve.Retriever
             -> answer.extract -> calibration confidence -> Answer

The embedding model is loaded on first use, so an ingest with nothing to do never loads it.
The lexical index is derived from the store's contents and cached on disk under the store's
revision, so every process (and a Chroma server's clients) sees the same index.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from .answer import SelectionParams, extract
from .calibration import ConfidenceModel
from .embeddings import DIMENSION, build_embedder, model_id_for
from .ingest import Ingestor, IngestReport, Progress
from .lexical import LexicalIndex
from .prompts import Prompts, load_prompts
from .query import clean_question, contextualize, defined_abbreviations, normalize_history
from .retrieve import Retrieval, Retriever
from .lexical import stem, terms
from .safety import treatments_named, triage, urgent_category
from .schema import Answer, Notice
from .settings import Settings
from .store import ChunkStore, LedgerEntry, open_client


class _CachingEmbedder:
    """Remembers recent sentence vectors: answering re-embeds the same sentences often."""

    def __init__(self, factory, size: int = 20_000):
        self._factory = factory
        self._model = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._factory()
            return self._model

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = self.model.embed(missing)
            with self._lock:
                for t, v in zip(missing, vecs):
                    self._cache[t] = v
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                v = self._cache.get(t)
                if v is None:  # evicted by a concurrent call: compute it again
                    v = self.model.embed([t])[0]
                out.append(v)
        return np.vstack(out) if out else np.zeros((0, DIMENSION), dtype=np.float32)


class Pipeline:
    def __init__(self, settings: Settings, embedder=None, client=None):
        self.settings = settings
        self.prompts: Prompts = load_prompts(settings.prompts_dir)  # fails fast on a bad edit
        factory = (lambda: embedder) if embedder is not None else (lambda: build_embedder(
            settings.embed_backend, settings.model_path, settings.embed_batch_size,
            settings.cache_dir))
        self.embed = _CachingEmbedder(factory)
        self.model_id = embedder.model_id if embedder is not None else model_id_for(settings)
        self.store = ChunkStore(client or open_client(settings), settings.collection,
                                self.model_id, DIMENSION)
        self.confidence = ConfidenceModel.load(settings.confidence_path)
        self.selection = SelectionParams()
        self._retriever: Retriever | None = None
        self._revision: str | None = None
        self._lock = threading.Lock()

    # --- indexing ------------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path] | None = None, prune: bool = True,
               progress: Progress | None = None, rebuild: bool = False) -> IngestReport:
        if rebuild:
            self.store.drop()
            self.store = ChunkStore(self.store.client, self.settings.collection, self.model_id, DIMENSION)
        ingestor = Ingestor(self.store, lambda: self.embed.model, self.settings.chunk_size,
                            self.settings.chunk_overlap)
        return ingestor.run(list(paths or [self.settings.corpus_dir]), prune=prune, progress=progress)

    def documents(self) -> list[LedgerEntry]:
        return sorted(self.store.ledger_entries().values(), key=lambda e: e.doc_id)

    def remove(self, doc_id: str) -> None:
        Ingestor(self.store, lambda: self.embed.model, self.settings.chunk_size,
                 self.settings.chunk_overlap).remove(doc_id)

    # --- retrieval -----------------------------------------------------------------------------

    def retriever(self) -> Retriever:
        """The retriever over the current index; rebuilt when the store's revision moves."""
        revision = self.store.revision()
        with self._lock:
            if self._retriever is None or revision != self._revision:
                lexical = self._lexical(revision)
                self._retriever = Retriever(self.store, self.embed, lexical,
                                            self.settings.dense_weight, self.settings.candidate_k)
                self._revision = revision
            return self._retriever

    def _lexical(self, revision: str) -> LexicalIndex:
        path = self._lexical_cache_path()
        index = LexicalIndex.load(path, revision)
        if index is None:
            chunks = list(self.store.iter_chunks())
            texts = [f"{c.section}\n{c.text}" if c.section else c.text for c in chunks]
            index = LexicalIndex.build([c.chunk_id for c in chunks], texts)
            index.abbreviations = defined_abbreviations("\n".join(c.text for c in chunks))
            try:
                index.save(path, revision)
            except OSError:
                pass  # a read-only cache folder costs a rebuild next start, nothing more
        return index

    def _lexical_cache_path(self) -> Path:
        s = self.settings
        if s.server_mode:
            return Path(s.cache_dir) / f"lexical-{s.chroma_host}-{s.chroma_port}-{s.collection}.npz"
        return Path(s.store_dir) / f"lexical-{s.collection}.npz"

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> Retrieval:
        text = clean_question(query)
        return self.retriever().search(text, k or self.settings.top_k, mode=mode)

    # --- answering -----------------------------------------------------------------------------

    def ask(self, question: str, history: list | None = None) -> Answer:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        msgs = self.prompts
        raw = question if isinstance(question, str) else ""
        cleaned = clean_question(raw)
        history = normalize_history(history)
        answer = Answer(question=raw, kind="answered", answer="", disclaimer=msgs.message("disclaimer"))

        def done(a: Answer) -> Answer:
            timings["total"] = (time.perf_counter() - t0) * 1000
            a.timings_ms = timings
            return a

        # Safety first: emergencies are found even in an over-long message.
        tri = triage(cleaned)
        urgent = tri.urgent or self._urgent_in_context(cleaned, history)
        timings["safety"] = (time.perf_counter() - t0) * 1000
        if urgent:
            answer.kind = "urgent"
            answer.answer = " ".join([msgs.message("urgent_intro"), msgs.urgent[urgent], msgs.message("urgent_outro")])
            answer.notices.append(Notice("urgent", msgs.urgent[urgent]))
            answer.confidence = 1.0
            return done(answer)
        if not cleaned:
            answer.kind, answer.answer = "invalid", msgs.message("invalid_empty")
            return done(answer)
        if len(raw) > self.settings.max_question_chars:
            answer.kind = "invalid"
            answer.answer = msgs.message("invalid_too_long", length=len(raw), limit=self.settings.max_question_chars)
            return done(answer)

        if tri.injection:
            answer.notices.append(Notice("instructions_ignored", msgs.message("instructions_ignored")))
        if tri.advice:
            answer.notices.append(Notice("personal_advice", msgs.message("personal_advice")))
        if tri.symptom:
            answer.notices.append(Notice("urgent_symptom", msgs.message(
                "symptom_notice", symptom=msgs.symptom_names[tri.symptom])))
        if not tri.question.strip():
            return done(self._not_found(answer))

        t1 = time.perf_counter()
        retriever = self.retriever()
        search_text = contextualize(tri.question, history, self.settings.history_turns, retriever.known_term)
        retrieval = retriever.search(search_text, self.settings.top_k)
        timings["retrieve"] = (time.perf_counter() - t1) * 1000
        answer.query = retrieval.query
        answer.retrieved = retrieval.passages

        t2 = time.perf_counter()
        extraction = extract(retrieval.passages, retrieval.plain_vector, retrieval.terms, self.embed,
                             self.settings.answer_max_sentences, self.settings.answer_max_words,
                             advice=tri.advice, params=self.selection, question=tri.question,
                             expanded_vec=retrieval.vector)
        answer.evidence = extraction.features
        answer.confidence = self.confidence(extraction.features)
        timings["answer"] = (time.perf_counter() - t2) * 1000
        confident = answer.confidence >= self.settings.min_answer_confidence
        if tri.advice and not confident:
            # A personal-advice question is answered with what the documents say about the
            # medicine or treatment it names, when they name it at all.
            named = {stem(w) for n in treatments_named(tri.question) for w in n.split()}
            confident = any(named & set(terms(s.text)) for s in extraction.sentences)
        if not extraction.sentences or not confident:
            return done(self._not_found(answer))
        answer.sentences = extraction.sentences
        answer.citations = extraction.citations
        answer.answer = extraction.text
        return done(answer)

    def _urgent_in_context(self, question: str, history: list[dict]) -> str | None:
        """An emergency spread over two turns ("I had a transplant last week" / "now I have
        a fever"): look at the previous user turn and this one together, counting only
        matches that reach into this one."""
        earlier = [t["content"] for t in history if t["role"] == "user"]
        if not earlier or not question:
            return None
        prefix = clean_question(earlier[-1]) + " \n "
        category, _ = urgent_category(prefix + question, focus_start=len(prefix))
        return category

    def _not_found(self, answer: Answer) -> Answer:
        answer.kind = "not_found"
        answer.answer = self.prompts.message("not_found", topics=self.topics())
        answer.citations, answer.sentences = [], []
        return answer

    def topics(self) -> str:
        if self.settings.topics:
            return self.settings.topics
        titles = sorted({e.title for e in self.store.ledger_entries().values() if e.state == "done"})
        if not titles:
            return "the documents an educator has added (none yet)"
        quoted = [f"\u201c{t}\u201d" for t in titles[:6]]
        return "the topics in " + (", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else quoted[0])
