"""Pick the embedding runtime from the settings, and hold each loaded model once per process.

- ``build_embedder``: a new embedder for a backend name (``torch``, ``onnx``, ``onnx-int8``);
  the one place a runtime is chosen.
- ``shared_embedder``: the model for these settings, loaded on the first call and kept for
  the life of the process, so every pipeline (the app's, the evaluation page's, a second
  store's) uses the same one. This is the only cache of loaded models.

Left out: unloading models (a process keeps the few it loaded) and choosing a backend by
measuring the machine.
"""

from __future__ import annotations

import threading
from pathlib import Path

from .base import Embedder, EmbedderUnavailable

_LOADED: dict[tuple, Embedder] = {}
_LOCK = threading.Lock()


def build_embedder(backend: str, model_path: Path | None, batch_size: int, cache_dir: Path) -> Embedder:
    """The one place an embedder is chosen."""
    if backend == "torch":
        from .torch_embedder import TorchEmbedder

        return TorchEmbedder(model_path, batch_size)
    if backend in ("onnx", "onnx-int8"):
        from .onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(model_path, quantized=backend == "onnx-int8", cache_dir=cache_dir,
                            batch_size=batch_size)
    raise EmbedderUnavailable(f"Unknown embed_backend {backend!r}: use torch, onnx or onnx-int8.")


def shared_embedder(settings, backend: str | None = None) -> Embedder:
    """The embedder for ``settings`` (or for another ``backend`` with the same model, as
    ingest's ``ingest_backend``), built once per process (a second caller waits for the
    first to finish loading rather than loading it again)."""
    backend = backend or settings.embed_backend
    key = (backend, str(settings.model_path or ""), settings.embed_batch_size, str(settings.cache_dir))
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = build_embedder(backend, settings.model_path, settings.embed_batch_size,
                                          settings.cache_dir)
        return _LOADED[key]
