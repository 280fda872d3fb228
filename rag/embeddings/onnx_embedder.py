"""all-MiniLM-L6-v2 on onnxruntime: the same vectors as sentence-transformers, without torch.

Two jobs:

- ``export_onnx``: turn the model shipped in the wheel into ONNX files, once, under
  ``cache_dir/onnx/<model>-<digest>/``: ``model.onnx`` (fp32, graph-optimised) and
  ``model-int8.onnx`` (int8 weights, dynamic quantisation). Exporting needs torch,
  transformers and the ``onnx`` package; it takes a few seconds and happens on first use.
- ``OnnxEmbedder``: tokenise with ``tokenizers`` (the model's own ``tokenizer.json``), run
  the graph with onnxruntime, mean-pool over real tokens and L2-normalise, which is exactly
  what the model's sentence-transformers modules (Transformer, Pooling(mean), Normalize) do.
  Serving never imports torch or sentence-transformers, which alone take seconds to import.

Why not sentence-transformers' own ``export_dynamic_quantized_onnx_model``: it needs
``optimum``, which is not installed and would add a large dependency tree. The path here is
``torch.onnx.export`` (TorchScript exporter, opset 17), onnxruntime's BERT graph optimiser
(fuses LayerNorm, GELU and bias adds), then ``onnxruntime.quantization.quantize_dynamic``
with per-channel weights and ``reduce_range``: this CPU has AVX2 but no VNNI, where 8-bit
activations times full-range 8-bit weights saturate the 16-bit intermediate sums (mean
cosine to fp32 0.953 without ``reduce_range``, 0.993 with it).

Left out: OpenVINO, GPUs, static (calibrated) quantisation.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import DIMENSION, EmbedderUnavailable, model_id, offline_environment, resolve_model_path

EXPORT_VERSION = "1"  # bump when the export recipe changes: the cache key changes with it
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _digest(model_dir: Path) -> str:
    """Identifies the model's weights and config without reading 90 MB."""
    h = hashlib.sha256(EXPORT_VERSION.encode())
    for name in ("config.json", "tokenizer.json", "model.safetensors", "pytorch_model.bin"):
        p = model_dir / name
        if p.is_file():
            st = p.stat()
            h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    h.update((model_dir / "config.json").read_bytes())
    return h.hexdigest()[:12]


def export_dir(model_dir: Path, cache_dir: Path) -> Path:
    return Path(cache_dir) / "onnx" / f"{model_dir.name}-{_digest(model_dir)}"


def max_seq_length(model_dir: Path) -> int:
    """The window sentence-transformers uses for this model (256 for all-MiniLM-L6-v2)."""
    try:
        return int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, KeyError, ValueError):
        return 256


@contextlib.contextmanager
def _export_lock(folder: Path):
    """Two processes starting together export once: the second waits for the first."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".export.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def export_onnx(model_dir: Path, cache_dir: Path, quantized: bool) -> Path:
    """The ONNX file for this model (exported now if not cached), fp32 or int8."""
    folder = export_dir(model_dir, cache_dir)
    fp32, int8 = folder / "model.onnx", folder / "model-int8.onnx"
    wanted = int8 if quantized else fp32
    if wanted.is_file():
        return wanted
    with _export_lock(folder):
        if not fp32.is_file():
            _export_fp32(model_dir, fp32)
        if quantized and not int8.is_file():
            _quantize(fp32, int8)
    return wanted


def _export_fp32(model_dir: Path, out: Path) -> None:
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import torch
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel
    except ImportError as e:
        raise EmbedderUnavailable(
            f"Exporting the model to ONNX needs torch, transformers and onnx ({e.name} is "
            "missing): `pip install -r requirements.txt`, or use RAG_EMBED_BACKEND=torch."
        ) from e
    offline_environment()
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class LastHidden(torch.nn.Module):
        # transformers' BertModel.forward takes keyword arguments only in recent versions.
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    # Two rows of different lengths, so the traced graph has real padding and masking.
    ids = torch.tensor([[101, 7592, 2088, 102, 0, 0], [101, 1037, 2936, 6251, 2182, 102]])
    mask = (ids > 0).long()
    raw = out.with_name("model-raw.onnx.tmp")
    axes = {n: {0: "batch", 1: "tokens"} for n in (*_INPUTS, "last_hidden_state")}
    with warnings.catch_warnings():
        # The tracer warns about shape checks that are constant for BERT inputs (padding
        # of the mask to the key length, the causal flag): the graph is checked against
        # sentence-transformers in tests/test_onnx_embedder.py.
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHidden(model).eval(), (ids, mask, torch.zeros_like(ids)), str(raw),
                          dynamo=False, input_names=list(_INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17)
    config = json.loads((model_dir / "config.json").read_text())
    optimized = optimize_model(str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]),
                               hidden_size=int(config["hidden_size"]), opt_level=1)
    tmp = out.with_name(out.name + ".tmp")
    optimized.save_model_to_file(str(tmp))
    raw.unlink(missing_ok=True)
    tmp.replace(out)  # atomic: a reader never sees half a model


def _quantize(fp32: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(out.name + ".tmp")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to run a pre-processing script first
    try:
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     reduce_range=True,
                     # The optimiser's fused ops are in another domain, so shape inference
                     # cannot type every MatMul output; they are all float.
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
    tmp.replace(out)


def cpu_threads() -> int:
    """Cores this process may use (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def cpu_session(ort, path: Path, threads: int):
    """An onnxruntime CPU session for a small sequential graph on few cores (also the answer
    reranker's, ``rag.compose.reranker``)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    # Inter-op parallelism only adds contention for a sequential graph on few cores.
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle pool threads sleep instead of spinning: on a shared machine spinning burns a
    # core for nothing (a third more CPU time for the same vectors, measured under load).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def padded_feed(encodings) -> dict[str, np.ndarray]:
    """A model's inputs for a batch of ``tokenizers`` encodings, padded with zeros to the
    longest (token types as the tokenizer gave them: all 0 for single texts, 1 for the
    second text of a pair)."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for r, e in enumerate(encodings):
        n = len(e.ids)
        ids[r, :n], mask[r, :n], types[r, :n] = e.ids, 1, e.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


class OnnxEmbedder:
    """Unit-length float32 sentence vectors from an ONNX export, run by onnxruntime."""

    def __init__(self, model_path: Path | None = None, quantized: bool = True,
                 cache_dir: Path = Path(".rag/cache"), batch_size: int = 16, threads: int | None = None):
        offline_environment()
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:
            raise EmbedderUnavailable(
                f"The ONNX backend needs onnxruntime and tokenizers ({e.name} is missing): "
                "`pip install -r requirements.txt`, or use RAG_EMBED_BACKEND=torch."
            ) from e
        model_dir = resolve_model_path(model_path)
        self.path = export_onnx(model_dir, cache_dir, quantized)
        self.quantized = quantized
        self.batch_size = batch_size
        self.dimension = DIMENSION
        self.model_id = model_id(model_path, "onnx-int8" if quantized else "onnx")

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_seq_length(model_dir))
        self.tokenizer.no_padding()  # padded per batch below, to that batch's longest text

        self.threads = threads or cpu_threads()
        # A question is one small batch: all cores work on it (intra-op threads). Many
        # batches (an ingest) run side by side instead, one core each on a second,
        # single-threaded session (``_bulk_session``), which avoids the pool's hand-offs at
        # every operator: 1.4-1.6x the passages per second on 2 cores, measured in
        # ``bench``'s encoder table.
        self.session = self._session(ort, self.threads)
        self._bulk_session = None
        self._bulk_lock = threading.Lock()
        self._inputs = [i.name for i in self.session.get_inputs()]

    def _session(self, ort, threads: int):
        return cpu_session(ort, self.path, threads)

    def bulk_session(self):
        """The single-threaded session batches share when run side by side (made once, on
        the first bulk call: serving questions never needs it)."""
        with self._bulk_lock:
            if self._bulk_session is None:
                import onnxruntime as ort

                self._bulk_session = self._session(ort, 1)
            return self._bulk_session

    def tokens(self, texts: Sequence[str]) -> int:
        """How many tokens the model would read for these texts (after truncation)."""
        return sum(len(e.ids) for e in self.tokenizer.encode_batch(list(texts)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)
        # Batches of similar length waste less work on padding (sentence-transformers does
        # the same); results go back in the caller's order.
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        batches = [order[start:start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        if len(batches) < 2 or self.threads < 2:
            for rows in batches:
                out[rows] = self._run([encodings[i] for i in rows], self.session)
            return out
        session = self.bulk_session()

        def run(rows: np.ndarray) -> None:
            out[rows] = self._run([encodings[i] for i in rows], session)

        # onnxruntime releases the GIL while it runs, so these threads use every core.
        with ThreadPoolExecutor(self.threads, thread_name_prefix="onnx-batch") as pool:
            list(pool.map(run, batches))
        return out

    def _run(self, encodings, session) -> np.ndarray:
        feed = padded_feed(encodings)
        mask = feed["attention_mask"]
        hidden = session.run(None, {k: feed[k] for k in self._inputs})[0]
        summed = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32))
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
