"""all-MiniLM-L6-v2 on sentence-transformers and PyTorch (CPU, fp32): the reference runtime.

Importing this module is cheap: torch and sentence-transformers are imported only when a
``TorchEmbedder`` is made. Left out: GPUs, other precisions (see ``onnx_embedder``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .base import DIMENSION, EmbedderUnavailable, model_id, offline_environment, resolve_model_path


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
        self.model_id = model_id(model_path, "torch")

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
