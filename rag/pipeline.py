"""The one entry point the command line, the app, evaluation and benchmarks call.

``Pipeline`` is built once per process from a ``Settings``. It is where the clients are
made (Chroma through ``rag.store.open_client``, the embedder through
``rag.embeddings.build_embedder``) and passed to the pure stages:

    question -> safety.triage -> query.contextualize -> retrieve.Retriever
             -> answer.extract -> calibration confidence -> Answer

The embedding model is loaded on first use, so an ingest with nothing to do never loads it.
The lexical index is derived from the store's contents and cached on disk under the store's
revision, so every process (and a Chroma server's clients) sees the same index.

With an ``answerer`` other than ``extractive`` (``rag.llm``), a chat model rewrites an
answered question from the same passages after triage and the extractive answer: urgent,
invalid and not-found replies never reach it, every sentence it writes is checked, and on
any failure the extractive answer is given with a notice. ``ask_stream`` yields the checked
sentences as the model writes them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .answer import SelectionParams, extract
from .calibration import ConfidenceModel
from .embeddings import DIMENSION, build_embedder, model_id_for
from .ingest import Ingestor, IngestReport, Progress
from .lexical import LexicalIndex
from .llm import GroundedStream, LLMError, build_chat_model, grounded_answer
from .prompts import Prompts, load_prompts
from .query import clean_question, contextualize, defined_abbreviations, normalize_history
from .retrieve import Retrieval, Retriever
from .lexical import stem, terms
from .plain import (Glossary, asked_definitions, is_definition_question, is_simpler_request, plain_answer,
                    reading_grade, refers_back, shorter, with_definitions)
from .safety import follow_up_urgent, treatments_named, triage
from .schema import REFERENCE_KIND, Answer, Notice, Passage
from .settings import Settings
from .store import ChunkStore, LedgerEntry, open_client


LEXICAL_FORMAT = "2"  # bump when what the lexical index holds changes
SIMPLER_MOST_SENTENCES = 3  # "say that more simply": one quoted sentence, reworded, and a definition


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


# Set by ``Pipeline.ask_stream`` around its call of ``ask``: the chat model's job is handed
# back instead of run, so its sentences can be yielded as they are written.
_DEFERRED: ContextVar[list | None] = ContextVar("rag_llm_deferred", default=None)


@dataclass(frozen=True)
class _LLMJob:
    question: str  # as triaged: injected instructions removed
    passages: list[Passage]
    advice: bool


class AnswerStream:
    """Iterate for an answer's text pieces; ``answer`` holds the final ``Answer`` after."""

    def __init__(self, pieces: Iterator[str]):
        self._pieces = pieces
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        self.answer = yield from self._pieces


class Pipeline:
    def __init__(self, settings: Settings, embedder=None, client=None, chat_model=None):
        self.settings = settings
        uses_llm = chat_model is not None or settings.answerer != "extractive"
        # fails fast on a bad edit (and on missing LLM templates when a model is configured)
        self.prompts: Prompts = load_prompts(settings.prompts_dir, require_templates=uses_llm)
        # ``chat_model`` is the seam tests inject a fake through; otherwise built from settings
        # (a bad answerer name or a missing provider package fails here, at start-up).
        self.chat_model = chat_model if chat_model is not None or not uses_llm else build_chat_model(settings)
        self.answerer = "extractive" if not uses_llm else "llm:" + (
            settings.answerer if settings.answerer != "extractive" else type(chat_model).__name__)
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
        self._glossary: Glossary | None = None
        self._subject_terms: frozenset[str] = frozenset()
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
                self._glossary = Glossary(self.store.iter_chunks(kind=REFERENCE_KIND))
                self._subject_terms = lexical.common_terms()
                self._revision = revision
            return self._retriever

    def _lexical(self, revision: str) -> LexicalIndex:
        path = self._lexical_cache_path()
        revision = f"{revision}/{LEXICAL_FORMAT}"
        index = LexicalIndex.load(path, revision)
        if index is None:
            chunks = [c for c in self.store.iter_chunks() if c.kind != REFERENCE_KIND]
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
        tri = triage(cleaned, self.embed)
        urgent = tri.urgent or self._urgent_in_context(cleaned, history)
        timings["safety"] = (time.perf_counter() - t0) * 1000
        if urgent:
            answer.kind = "urgent"
            answer.answer = " ".join([msgs.urgent[urgent], msgs.message("urgent_intro"), msgs.message("urgent_outro")])
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
        # "Say that more simply": the last question again, in fewer and plainer sentences.
        asked, simpler = tri.question, self.settings.plain_language and is_simpler_request(tri.question)
        if simpler and refers_back(tri.question):
            earlier = [t["content"] for t in history if t["role"] == "user" and not refers_back(t["content"])]
            asked = triage(clean_question(earlier[-1])).question if earlier else ""
        if not asked.strip():
            return done(self._not_found(answer))
        max_sentences = 1 if simpler else self.settings.answer_max_sentences

        t1 = time.perf_counter()
        retriever = self.retriever()
        search_text = contextualize(asked, history, self.settings.history_turns, retriever.known_term)
        retrieval = retriever.search(search_text, self.settings.top_k)
        timings["retrieve"] = (time.perf_counter() - t1) * 1000
        answer.query = retrieval.query
        answer.retrieved = retrieval.passages

        t2 = time.perf_counter()
        extraction = extract(retrieval.passages, retrieval.plain_vector, retrieval.terms, self.embed,
                             max_sentences, self.settings.answer_max_words,
                             advice=tri.advice, params=self.selection, question=asked,
                             expanded_vec=retrieval.vector)
        answer.evidence = extraction.features
        answer.confidence = self.confidence(extraction.features)
        timings["answer"] = (time.perf_counter() - t2) * 1000
        confident = answer.confidence >= self.settings.min_answer_confidence
        if tri.advice and not confident:
            # A personal-advice question is answered with what the documents say about the
            # medicine or treatment it names, when they name it at all.
            named = {stem(w) for n in treatments_named(asked) for w in n.split()}
            confident = any(named & set(terms(s.text)) for s in extraction.sentences)
        sentences, citations = (extraction.sentences, extraction.citations) if confident else ([], [])
        plain = self.settings.plain_language
        definitions = asked_definitions(asked, self._glossary, self._subject_terms) if plain else []
        if definitions and (sentences or is_definition_question(asked)):
            # Start by saying what the asked-about term is; a definition alone answers only
            # a definition question ("what does X mean?").
            sentences, citations = with_definitions(definitions, sentences, citations, self._glossary)
        if not sentences:
            return done(self._not_found(answer))
        if plain:
            sentences, citations = plain_answer(
                sentences, citations, self._glossary, self.settings.explain_terms,
                known=asked, common=self._subject_terms)
            if simpler:
                sentences, citations = shorter(sentences, citations, SIMPLER_MOST_SENTENCES)
        answer.sentences, answer.citations = sentences, citations
        answer.answer = " ".join(f"{s.text} [{s.citation}]" for s in sentences)
        answer.reading_grade = reading_grade(answer.answer)
        if self.chat_model is not None:
            answer = self._answer_with_llm(answer, _LLMJob(asked, list(retrieval.passages), tri.advice),
                                           timings)
        return done(answer)

    # --- answers written by a chat model (rag.llm) -------------------------------------------

    @property
    def streams(self) -> bool:
        """True when answers are written by a chat model, so they are worth streaming live."""
        return self.chat_model is not None

    def ask_stream(self, question: str, history: list | None = None) -> "AnswerStream":
        """``ask``, as text pieces ("sentence [n] ") while the answer is written; the final
        ``Answer`` is ``.answer`` once iterated. It may be the extractive fallback, with its
        notice, after some model sentences were already yielded: show the final one."""
        return AnswerStream(self._stream(question, history))

    def ask_extractive(self, question: str, history: list | None = None) -> Answer:
        """``ask`` without the chat model: what the documents' own sentences answer. For
        checks that must not cost a model call (which starter questions are answerable)."""
        token = _DEFERRED.set([])  # the model's job is handed back, and dropped
        try:
            return self.ask(question, history)
        finally:
            _DEFERRED.reset(token)

    def _stream(self, question: str, history: list | None) -> Iterator[str]:
        jobs: list[_LLMJob] = []
        token = _DEFERRED.set(jobs)
        try:
            answer = self.ask(question, history)
        finally:
            _DEFERRED.reset(token)
        if not jobs:
            for piece in ([f"{s.text} [{s.citation}] " for s in answer.sentences] or [answer.answer]):
                yield piece
            return answer
        job, t0 = jobs[0], time.perf_counter()
        run = GroundedStream(self.chat_model, self.prompts, job.question, job.passages, job.advice,
                             self.settings.llm_min_support, self.settings.answer_max_sentences)
        try:
            for s in run:
                yield f"{s.text} [{s.citation}] "
        except LLMError as e:
            self._fall_back(answer, e)
        else:
            self._use_llm(answer, run.checked)
        self._llm_timing(answer.timings_ms, t0)
        return answer

    def _answer_with_llm(self, answer: Answer, job: "_LLMJob", timings: dict[str, float]) -> Answer:
        """Replace the extractive answer's sentences with the chat model's checked ones, or
        keep them and add the ``llm_fallback`` notice."""
        deferred = _DEFERRED.get()
        if deferred is not None:  # ask_stream runs the model itself, yielding as it goes
            deferred.append(job)
            return answer
        t0 = time.perf_counter()
        try:
            checked = grounded_answer(self.chat_model, self.prompts, job.question, job.passages,
                                      job.advice, self.settings.llm_min_support,
                                      self.settings.answer_max_sentences)
        except LLMError as e:
            self._fall_back(answer, e)
        else:
            self._use_llm(answer, checked)
        self._llm_timing(timings, t0)
        return answer

    def _use_llm(self, answer: Answer, checked) -> None:
        answer.sentences, answer.citations = checked.sentences, checked.citations
        answer.answer = checked.text
        answer.reading_grade = reading_grade(answer.answer)
        answer.answerer = self.answerer
        answer.llm = {"model": self.answerer, "error": None,
                      "dropped": [d.to_json() for d in checked.dropped]}

    def _fall_back(self, answer: Answer, error: LLMError) -> None:
        answer.notices.append(Notice("llm_fallback", self.prompts.message("llm_fallback")))
        answer.llm = {"model": self.answerer, "error": error.reason, "detail": error.detail}

    @staticmethod
    def _llm_timing(timings: dict[str, float], t0: float) -> None:
        ms = (time.perf_counter() - t0) * 1000
        timings["llm"] = ms
        if "total" in timings:  # ask_stream: the model ran after ask() finished
            timings["total"] += ms

    def _urgent_in_context(self, question: str, history: list[dict]) -> str | None:
        """An emergency spread over two turns ("I had a transplant last week" / "now I have
        a fever"; "my finger is white" / "it's been like that for three hours"): the previous
        user turn and this one read together (``safety.follow_up_urgent``)."""
        earlier = [t["content"] for t in history if t["role"] == "user"]
        if not earlier or not question:
            return None
        return follow_up_urgent(clean_question(earlier[-1]), question, self.embed)

    def _not_found(self, answer: Answer) -> Answer:
        answer.kind = "not_found"
        answer.answer = self.prompts.message("not_found", topics=self.topics())
        answer.citations, answer.sentences = [], []
        return answer

    def topics(self) -> str:
        if self.settings.topics:
            return self.settings.topics
        # The glossary explains words; it is not a topic to offer.
        chunks = self._glossary.chunks.values() if self._glossary is not None else \
            self.store.iter_chunks(kind=REFERENCE_KIND)
        reference = {c.doc_id for c in chunks}
        titles = sorted({e.title for e in self.store.ledger_entries().values()
                         if e.state == "done" and e.doc_id not in reference})
        if not titles:
            return "the documents an educator has added (none yet)"
        quoted = [f"\u201c{t}\u201d" for t in titles[:6]]
        return "the topics in " + (", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else quoted[0])
