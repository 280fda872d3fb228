"""The ONNX backend gives sentence-transformers' vectors without importing torch.

The export is made once per session into a temporary cache; the reference is the real
model on torch (the ``embedder`` fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rag.embeddings import build_embedder, default_model_path, model_id_for
from rag.embeddings.onnx_embedder import OnnxEmbedder, export_onnx
from rag.settings import PROJECT_ROOT, Settings

TEXTS = [
    "What is scleroderma?",
    "Raynaud's phenomenon makes the fingers turn white, then blue, then red in the cold.",
    # Longer than the model's 256-token window: both runtimes must cut it the same way.
    "Methotrexate and mycophenolate are used for skin thickening in diffuse disease. " * 40,
    "a",
    "",
    "Nintedanib slows the decline of lung function in interstitial lung disease (ILD).",
]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def onnx_fp32(onnx_cache):
    return OnnxEmbedder(quantized=False, cache_dir=onnx_cache, batch_size=4)


@pytest.fixture(scope="session")
def onnx_int8(onnx_cache):
    return OnnxEmbedder(quantized=True, cache_dir=onnx_cache, batch_size=4)


def test_fp32_export_gives_the_same_vectors_as_sentence_transformers(embedder, onnx_fp32):
    ref = embedder.embed(TEXTS)
    got = onnx_fp32.embed(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    assert np.abs(got - ref).max() < 1e-4
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_int8_vectors_stay_close_and_keep_the_ranking(embedder, onnx_int8):
    ref = embedder.embed(TEXTS)
    got = onnx_int8.embed(TEXTS)
    cosines = (got * ref).sum(axis=1)
    assert cosines.min() > 0.95, cosines
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    queries = ["cold white fingers", "drug for lung scarring", "skin tightening medicine"]
    docs = TEXTS[1:3] + TEXTS[5:]
    ref_rank = np.argmax(embedder.embed(queries) @ embedder.embed(docs).T, axis=1)
    got_rank = np.argmax(onnx_int8.embed(queries) @ onnx_int8.embed(docs).T, axis=1)
    assert ref_rank.tolist() == got_rank.tolist() == [0, 2, 1]


def test_results_do_not_depend_on_batching_or_order(onnx_fp32):
    one_by_one = np.vstack([onnx_fp32.embed([t]) for t in TEXTS])
    together = onnx_fp32.embed(TEXTS)
    reversed_ = onnx_fp32.embed(TEXTS[::-1])[::-1]
    assert np.abs(one_by_one - together).max() < 1e-5
    assert np.abs(reversed_ - together).max() < 1e-5
    assert onnx_fp32.embed([]).shape == (0, 384)


def test_export_happens_once_and_is_reused(onnx_cache, onnx_int8):
    model_dir = default_model_path()
    path = export_onnx(model_dir, onnx_cache, quantized=True)
    assert path == onnx_int8.path and path.is_file()
    before = path.stat().st_mtime_ns
    OnnxEmbedder(quantized=True, cache_dir=onnx_cache)
    assert path.stat().st_mtime_ns == before
    assert not list(path.parent.glob("*.tmp"))


def test_backend_setting_builds_it_with_the_id_the_index_records(onnx_cache):
    for backend in ("onnx", "onnx-int8"):
        settings = Settings(embed_backend=backend, cache_dir=onnx_cache)
        built = build_embedder(settings.embed_backend, settings.model_path, 8, settings.cache_dir)
        assert isinstance(built, OnnxEmbedder)
        assert built.model_id == model_id_for(settings)
    # fp32 ONNX and torch make the same vectors, so an index built with either serves both.
    assert model_id_for(Settings(embed_backend="onnx")) == model_id_for(Settings(embed_backend="torch"))
    assert model_id_for(Settings(embed_backend="onnx-int8")) != model_id_for(Settings(embed_backend="torch"))


def test_serving_never_imports_torch_or_sentence_transformers(onnx_cache, onnx_int8):
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from rag.embeddings import OnnxEmbedder\n"
        f"e = OnnxEmbedder(quantized=True, cache_dir=Path({str(onnx_cache)!r}))\n"
        "v = e.embed(['what helps with heartburn?'])\n"
        "print(json.dumps({'shape': list(v.shape), 'loaded': sorted(m for m in "
        "('torch', 'sentence_transformers', 'transformers') if m in sys.modules)}))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=PROJECT_ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"shape": [1, 384], "loaded": []}


def test_batches_run_side_by_side_give_the_vectors_one_batch_at_a_time_gives(onnx_cache):
    texts = [f"Passage {i}: " + "skin thickening and Raynaud's " * (i % 7 + 1) for i in range(40)]
    side_by_side = OnnxEmbedder(quantized=True, cache_dir=onnx_cache, batch_size=4, threads=2)
    one_at_a_time = OnnxEmbedder(quantized=True, cache_dir=onnx_cache, batch_size=4, threads=1)
    got, ref = side_by_side.embed(texts), one_at_a_time.embed(texts)
    assert side_by_side._bulk_session is not None and one_at_a_time._bulk_session is None
    assert np.abs(got - ref).max() < 1e-6  # same batches, same kernels: in the caller's order


def test_a_cached_vector_is_the_models_own_vector_for_that_text(onnx_fp32):
    from rag.embeddings import CachingEmbedder

    cache = CachingEmbedder(lambda: onnx_fp32)
    first = cache(TEXTS)
    kept = cache(TEXTS[::-1])[::-1]
    assert np.array_equal(kept, first)  # exactly what the model gave the first time
    alone = np.vstack([onnx_fp32.embed([t]) for t in TEXTS])
    assert np.abs(kept - alone).max() < 1e-5  # and what it gives each text alone
    sims = kept @ kept.T
    assert (sims[~np.eye(len(TEXTS), dtype=bool)] < 0.999).all()  # no two texts share a vector
