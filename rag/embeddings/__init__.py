"""Turn text into unit-length vectors with all-MiniLM-L6-v2, offline.

- ``base``: the ``Embedder`` protocol, ``DIMENSION``, ``EmbedderUnavailable`` and the model
  id rule (``model_id``, ``model_id_for``), in one place.
- ``torch_embedder``: sentence-transformers on PyTorch, fp32: the reference.
- ``onnx_embedder``: the same network exported to ONNX and run by onnxruntime, fp32 or int8.
- ``factory``: ``build_embedder`` picks the runtime from the settings; ``shared_embedder``
  holds each loaded model once per process.
- ``cache``: ``CachingEmbedder``, recent sentence vectors in front of a lazily loaded model.

Chroma's default embedding function is never used: the store is always handed vectors.
Importing this package loads no model and imports neither torch nor onnxruntime.

Part of the shared layer: may import ``rag.settings`` and itself only. Left out: what the
vectors are used for (``rag.indexing``, ``rag.search``).
"""

from .base import (DIMENSION, MODEL_NAME, Embedder, EmbedderUnavailable, default_model_path, model_id,
                   model_id_for, offline_environment, resolve_model_path)
from .cache import CachingEmbedder
from .factory import build_embedder, shared_embedder
from .onnx_embedder import OnnxEmbedder
from .torch_embedder import TorchEmbedder

__all__ = ["DIMENSION", "MODEL_NAME", "CachingEmbedder", "Embedder", "EmbedderUnavailable", "OnnxEmbedder",
           "TorchEmbedder", "build_embedder", "default_model_path", "model_id", "model_id_for",
           "offline_environment", "resolve_model_path", "shared_embedder"]
