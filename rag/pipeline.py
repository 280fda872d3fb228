"""The one entry point the command line, the app, evaluation and benchmarks call.

``Pipeline`` is built once per process from a ``Settings``. It is where the clients are
made (Chroma through ``rag.indexing.chroma_client.open_client``, the embedder through
``rag.embeddings.shared_embedder``, the chat model through ``rag.chat_model.client``) and passed to the
pure stages (``rag.answering``), and where the indexes the stages read are kept: the retriever,
the glossary, the spelling vocabulary and the corpus's subject, rebuilt when the store's
revision moves. ``ask`` and its stages come from ``rag.answering.Answering``.

The embedding model is loaded on first use, so an ingest with nothing to do never loads it.
The lexical index is derived from the store's contents and cached on disk under the store's
revision, so every process (and a Chroma server's clients) sees the same index.

Left out: the stages of ``ask`` themselves, triage to finisher (``rag.answering``).
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import Sequence

from rag.answering import Answering
from rag.compose.selection import SelectionParams
from rag.compose.reranker import Reranker
from rag.compose.scorer import AnswerScorer
from rag.compose.confidence import ConfidenceModel
from rag.indexing.chunking import embedding_text
from rag.indexing.chroma_client import open_client
from rag.embeddings import DIMENSION, CachingEmbedder, model_id_for, shared_embedder
from rag.finisher import Finisher
from rag.plain.glossary import Glossary
from rag.indexing.ingest import Ingestor, IngestReport, Progress, passage_embedder
from rag.text.lexical import LexicalIndex, stem
from rag.chat_model.client import build_chat_model
from rag.prompts import Prompts, load_prompts
from rag.question.subject import shared_subject
from rag.search.expansions import defined_abbreviations
from rag.text.typed import clean_question
from rag.question.kinds import KindModel
from rag.search.retrieve import Retrieval, Retriever
from rag.schema import REFERENCE_KIND
from rag.settings import Settings
from rag.question.spelling import Vocabulary
from rag.indexing.store import ChunkStore, LedgerEntry


LEXICAL_FORMAT = "5"  # bump when what the lexical index holds changes
SUBJECT_SHARE = 0.5  # a word in more than this share of passages is the corpus's own subject


def load_scorer(settings: Settings) -> AnswerScorer | None:
    """The learned answer scorer (loaded whichever chooser is set, so a benchmark can compare
    both on one index); an error that says how to get it when the settings ask for it and its
    file is missing."""
    scorer = AnswerScorer.load()
    if scorer is None and settings.answer_scorer == "learned":
        raise RuntimeError("RAG_ANSWER_SCORER=learned but rag/data/answer_scorer.npz is missing: "
                           "run `python -m eval.train_ranker`, or set RAG_ANSWER_SCORER=rules")
    return scorer


def load_reranker(settings: Settings) -> Reranker | None:
    """The cross-encoder that rereads the learned scorer's best sentences; an error that says
    how to get it when the settings ask for it and its folder is missing."""
    reranker = Reranker.load()
    if reranker is None and settings.answer_scorer == "reranked":
        raise RuntimeError("RAG_ANSWER_SCORER=reranked but rag/data/answer_reranker/ is missing: "
                           "run `python -m eval.train_cross_encoder`, or set RAG_ANSWER_SCORER=learned")
    return reranker


class Pipeline(Answering):
    def __init__(self, settings: Settings, embedder=None, client=None, chat_model=None, records=None):
        self.settings = settings
        self._records = records  # the approved answers' database; opened on use when it exists
        # the app points it at its records (``rag.ui.state.pipeline``)
        self.records_path = Path(records.path if records is not None else settings.records_path)
        uses_llm = chat_model is not None or settings.answerer != "extractive"
        # fails fast on a bad edit (and on missing LLM templates when a model is configured)
        self.prompts: Prompts = load_prompts(settings.prompts_dir, require_templates=uses_llm)
        # ``chat_model`` is the seam tests inject a fake through; otherwise built from settings
        # (a bad answerer name or a missing provider package fails here, at start-up).
        self.chat_model = chat_model if chat_model is not None or not uses_llm else build_chat_model(settings)
        self.answerer = "extractive" if not uses_llm else "llm:" + (
            settings.answerer if settings.answerer != "extractive" else type(self.chat_model).__name__)
        self.finisher = Finisher(self.chat_model, self.prompts, settings, self.answerer) if uses_llm else None
        # ``embedder`` is the seam a test's fake (or another loaded model) comes in through;
        # otherwise the process's one model for these settings, loaded on first use.
        self.embed = CachingEmbedder((lambda: embedder) if embedder is not None else (lambda: shared_embedder(settings)),
                                     settings.embed_cache_size)
        self.model_id = embedder.model_id if embedder is not None else model_id_for(settings)
        self._embedder_given = embedder is not None
        self.store = ChunkStore(client or open_client(settings), settings.collection,
                                self.model_id, DIMENSION)
        self.confidence = ConfidenceModel.load(settings.confidence_path)
        self.kinds = KindModel.load()
        self.scorer = load_scorer(settings)
        # which kind of question each passage answers, learned on MedQuAD's answers (any chooser)
        self.kind_heads = self.scorer.heads if self.scorer is not None else None
        self.chooser = settings.answer_scorer  # "rules", "learned" or "reranked" (a benchmark may switch it)
        self.selection = SelectionParams()
        self._retriever: Retriever | None = None
        self._glossary: Glossary | None = None
        self._vocabulary: tuple[str | None, Vocabulary | None] = (None, None)
        self._subject_terms: frozenset[str] = frozenset()
        self._subject = ""  # what every document is about, from their titles ("IgA nephropathy")
        self._revision: str | None = None
        self._lock = threading.Lock()

    # --- indexing ------------------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path] | None = None, prune: bool = True,
               progress: Progress | None = None, rebuild: bool = False) -> IngestReport:
        if rebuild:
            self.store.drop()
            self.store = ChunkStore(self.store.client, self.settings.collection, self.model_id, DIMENSION)
        model, passages = passage_embedder(self.settings, self.embed.loaded, self._embedder_given)
        ingestor = Ingestor(self.store, model, self.settings.chunk_size, self.settings.chunk_overlap,
                            titles=self.settings.embed_titles, passages=passages)
        return ingestor.run(list(paths or [self.settings.corpus_dir]), prune=prune, progress=progress)

    def documents(self) -> list[LedgerEntry]:
        return sorted(self.store.ledger_entries().values(), key=lambda e: e.doc_id)

    def rename(self, doc_id: str, title: str) -> None:
        """A document's title, as patients see it in sources and topics; nothing re-indexed."""
        title = " ".join(title.split())
        if not title:
            raise ValueError("a title cannot be empty")
        self.store.rename(doc_id, title)

    def remove(self, doc_id: str) -> None:
        Ingestor(self.store, self.embed.loaded, self.settings.chunk_size,
                 self.settings.chunk_overlap).remove(doc_id)

    # --- retrieval -----------------------------------------------------------------------------

    def retriever(self) -> Retriever:
        """The retriever over the current index; rebuilt when the store's revision moves."""
        revision = self.store.revision()
        with self._lock:
            if self._retriever is None or revision != self._revision:
                lexical = self._lexical(revision)
                reference = list(self.store.iter_chunks(kind=REFERENCE_KIND))
                self._glossary = Glossary(reference)
                # Without a glossary there is nothing to leave out of dense search, and the
                # nearest-neighbour query fetches half as many passages (4 ms against 7-8 ms at
                # 50,570 passages).
                self._retriever = Retriever(self.store, self.embed, lexical,
                                            self.settings.dense_weight, self.settings.candidate_k,
                                            exclude_kind=REFERENCE_KIND if reference else None,
                                            excluded=len(reference),
                                            passage_cache_size=self.settings.passage_cache_size)
                self._subject_terms = lexical.common_terms(SUBJECT_SHARE)
                common = self._subject_terms
                self._subject = shared_subject(self._topic_titles(), lambda w: stem(w.lower()) in common,
                                               lambda w: stem(w.lower()) in lexical.vocab)
                self._revision = revision
            return self._retriever

    def vocabulary(self, refresh: bool = True) -> Vocabulary:
        """The words the documents use (with the glossary's terms and the reviewed word
        lists), for spelling correction; read once per index revision, on first use.
        ``refresh=False``: the revision was read moments ago in this question (a read per call
        is a store call)."""
        if refresh or self._retriever is None:
            self.retriever()  # brings the revision (and the glossary) up to date: one read of it
        built_for, vocabulary = self._vocabulary
        if vocabulary is None or built_for != self._revision:
            names = [d.term for d in self._glossary.definitions] if self._glossary else []
            vocabulary = Vocabulary.from_texts((c.text for c in self.store.iter_chunks()), extra=names)
            self._vocabulary = (self._revision, vocabulary)
        return vocabulary

    def _lexical(self, revision: str) -> LexicalIndex:
        path = self._lexical_cache_path()
        titles = self.settings.embed_titles
        revision = f"{revision}/{LEXICAL_FORMAT}/{'titles' if titles else 'untitled'}"
        index = LexicalIndex.load(path, revision)
        if index is None:
            chunks = [c for c in self.store.iter_chunks() if c.kind != REFERENCE_KIND]
            # BM25 reads what the model embeds: with titles on, "symptoms of gout" finds the
            # symptom passage of the document titled "Gout" by its words too.
            texts = [embedding_text(c, titles) for c in chunks]
            index = LexicalIndex.build([c.chunk_id for c in chunks], texts)
            # a title defines its initials too ("Omsk Hemorrhagic Fever (OHF)" over a page that
            # says only "OHF"): a question read as about "OHF" is searched with the name
            index.abbreviations = defined_abbreviations("\n".join(
                [*dict.fromkeys(c.title for c in chunks), *(c.text for c in chunks)]))
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

    # --- what the stages read besides the index (rag.answering) ------------------------------

    def approved_records(self):
        """The records holding approved answers (``rag.records.database``), or None before the app
        or ``rag approved`` made the file."""
        if (self._records is None or self._records.path != self.records_path) and self.records_path.exists():
            from rag.records.database import Records

            self._records = Records(self.records_path, self.settings.retention_days)
        return self._records if self._records is not None and self._records.path == self.records_path else None

    @cached_property
    def reranker(self) -> Reranker | None:
        """The cross-encoder, loaded on first use (only the reranked chooser needs it)."""
        return load_reranker(self.settings)

    def _topic_titles(self) -> list[str]:
        """Titles of the indexed documents, the glossary left out: it explains words; it is
        not a topic to offer."""
        chunks = self._glossary.chunks.values() if self._glossary is not None else \
            self.store.iter_chunks(kind=REFERENCE_KIND)
        reference = {c.doc_id for c in chunks}
        return sorted({e.title for e in self.store.ledger_entries().values()
                       if e.state == "done" and e.doc_id not in reference})

    def topics(self) -> str:
        if self.settings.topics:
            return self.settings.topics
        titles = self._topic_titles()
        if not titles:
            return "the documents an educator has added (none yet)"
        quoted = [f"\u201c{t}\u201d" for t in titles[:6]]
        return "the topics in " + (", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else quoted[0])
