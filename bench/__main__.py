"""``python -m bench [DATA] [--sample N | --full] [--seed S]``: scale and speed on MedQuAD.

One run prints, side by side:

1. the compute bound of all-MiniLM-L6-v2 on this machine (FLOPs per token x measured fp32
   GEMM rate, see ``bench.measures``);
2. encoding speed of the same passages with sentence-transformers on torch fp32 (the
   reference), ONNX fp32 and ONNX int8, in tokens/s, as a share of the bound, and the int8
   vectors' cosine to the reference;
3. for each ``--backend``: ``python -m rag ingest`` of the documents (a real subprocess:
   time, documents/s, passages, tokens/s, peak memory), then a serving process
   (``bench.serve``: recall@10 and MRR@10 for dense, BM25 and fused ranking; p50/p95 of
   retrieval and of the whole ``ask``; peak memory), then ``python -m rag ask`` from a cold
   start, timed from process start to its answer.

The index goes to a temporary folder (``--store`` keeps it, and a second run with the same
``--store`` resumes an interrupted ingest). With ``RAG_CHROMA_HOST`` set, every step uses
that Chroma server instead, with no other change.

Left out: the benchmark is not a test; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rag.settings import PROJECT_ROOT, Settings

from .data import DEFAULT_DATA, read_pairs, workload, write_documents
from .measures import flops_per_token, measured_gflops, vm_hwm_mb

TARGETS = {"recall@10": 0.90, "mrr@10": 0.70, "search_p50": 20.0, "search_p95": 50.0,
           "cold_start_s": 3.0, "serve_rss_mb": 1536.0, "full_ingest_s": 300.0, "encode_speedup": 2.0}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_measured(cmd: list[str], env: dict, stdout=subprocess.PIPE) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS in MB, exit code, stdout) of one child process.

    Peak memory is the child's own high-water mark (``VmHWM`` in /proc, sampled until it
    exits): ``getrusage`` would report the parent's peak too, since Linux carries
    ``ru_maxrss`` across fork and exec."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, stdout=stdout, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], vm_hwm_mb(proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    watcher.join()
    return time.perf_counter() - t, peak[0], proc.returncode, out


def passage_texts(docs_path: Path, settings: Settings) -> list[str]:
    """What ingest will embed: the same loader and chunker."""
    from rag.chunking import chunk_document, embedding_text
    from rag.loaders import iter_jsonl_documents

    texts = []
    for doc in iter_jsonl_documents(docs_path):
        if not isinstance(doc, Exception):
            texts += [embedding_text(c) for c in chunk_document(doc, settings.chunk_size, settings.chunk_overlap)]
    return texts


def encoder_comparison(texts: list[str], settings: Settings, bound_tps: float) -> dict:
    import numpy as np

    from rag.embeddings import OnnxEmbedder, TorchEmbedder

    rows = {}
    reference = None
    builders = [("torch fp32", lambda: TorchEmbedder(settings.model_path, settings.embed_batch_size)),
                ("onnx fp32", lambda: OnnxEmbedder(settings.model_path, False, settings.cache_dir, settings.embed_batch_size)),
                ("onnx int8", lambda: OnnxEmbedder(settings.model_path, True, settings.cache_dir, settings.embed_batch_size))]
    counter = None
    for name, build in builders:
        log(f"bench: encoding {len(texts)} passages with {name}")
        enc = build()
        enc.embed(texts[:16])  # warm up
        t = time.perf_counter()
        vecs = enc.embed(texts)
        seconds = time.perf_counter() - t
        if counter is None:
            counter = OnnxEmbedder(settings.model_path, True, settings.cache_dir) if name.startswith("torch") else enc
        tokens = counter.tokens(texts)
        if reference is None:
            reference = vecs
        rows[name] = {"seconds": seconds, "tokens": tokens, "tokens_per_s": tokens / seconds,
                      "share_of_bound": tokens / seconds / bound_tps,
                      "cosine_to_torch": float(np.mean(np.sum(vecs * reference, axis=1)))}
        del enc
    base = rows["torch fp32"]["seconds"]
    for r in rows.values():
        r["speedup"] = base / r["seconds"]
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="MedQuAD .jsonl(.gz)")
    ap.add_argument("--sample", type=int, default=2000, help="documents in the pool (seeded sample)")
    ap.add_argument("--full", action="store_true", help="the whole data set (16,407 documents)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--queries", type=int, default=1000, help="questions evaluated (0 = all in the pool)")
    ap.add_argument("--ask", type=int, default=100, help="questions also run through the whole ask")
    ap.add_argument("--encode", type=int, default=600, help="passages in the encoder comparison")
    ap.add_argument("--backend", action="append", choices=["torch", "onnx", "onnx-int8"],
                    help="backend(s) to ingest and serve with (default: the configured one)")
    ap.add_argument("--store", help="keep the index here (and resume into it)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)

    settings = Settings()
    backends = args.backend or [settings.embed_backend]
    pairs = read_pairs(Path(args.data))
    wl = workload(pairs, None if args.full else args.sample, args.seed, args.queries or None)
    name = f"medquad-{len(wl.documents)}-s{args.seed}"
    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    docs_path = write_documents(wl.documents, work / f"{name}.jsonl")
    results: dict = {"documents": len(wl.documents), "queries": len(wl.queries), "seed": args.seed,
                     "server": settings.chroma_host and f"{settings.chroma_host}:{settings.chroma_port}",
                     "cores": os.cpu_count(), "backends": {}}
    log(f"bench: {len(wl.documents)} documents, {len(wl.queries)} queries, work folder {work}")

    texts = passage_texts(docs_path, settings)
    gflops = measured_gflops()
    rng = random.Random(args.seed)
    sample_texts = rng.sample(texts, min(args.encode, len(texts)))
    from rag.embeddings import OnnxEmbedder

    counter = OnnxEmbedder(settings.model_path, True, settings.cache_dir)
    all_tokens = counter.tokens(texts)
    seq = all_tokens / max(len(texts), 1)
    fpt = flops_per_token(seq)
    bound_tps = gflops * 1e9 / fpt
    results["compute"] = {"passages": len(texts), "tokens": all_tokens, "mean_tokens": seq,
                          "mflop_per_token": fpt / 1e6, "gemm_gflops": gflops, "bound_tokens_per_s": bound_tps}
    del counter
    results["encoders"] = encoder_comparison(sample_texts, settings, bound_tps)

    queries_path = work / "queries.json"
    queries_path.write_text(json.dumps([{"id": q.id, "question": q.question, "relevant": sorted(wl.relevant[q.id])}
                                        for q in wl.queries]))
    for backend in backends:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_EMBED_BACKEND": backend, "PYTHONPATH": str(PROJECT_ROOT)}
        store = Path(args.store) / backend if args.store else work / f"store-{backend}"
        collection = f"{name}-{backend}"
        where = ["--store", str(store), "--collection", collection]
        log(f"bench: ingest with {backend}")
        seconds, rss, code, out = run_measured(
            [sys.executable, "-m", "rag", "ingest", str(docs_path), "--json", *where], env)
        if code != 0:
            log(f"bench: ingest failed ({code})")
            return 1
        report = json.loads(out.strip().splitlines()[-1])
        # A resumed run indexes only what was left: rates count the work this run did.
        indexed = len(report["added"]) + len(report["updated"]) + len(report["repaired"])
        share = report["passages_written"] / max(len(texts), 1)
        row = {"ingest": {"seconds": seconds, "documents": indexed, "documents_per_s": indexed / seconds,
                          "passages_written": report["passages_written"],
                          "tokens_per_s": all_tokens * share / seconds if indexed else None,
                          "peak_rss_mb": rss, "resumed": report["unchanged"]}}
        log(f"bench: serving {len(wl.queries)} queries with {backend}")
        _, rss, code, out = run_measured(
            [sys.executable, "-m", "bench.serve", "--store", str(store), "--collection", collection,
             "--queries", str(queries_path), "--ask", str(args.ask)], env)
        if code != 0:
            log(f"bench: serving failed ({code})")
            return 1
        row["serve"] = json.loads(out.strip().splitlines()[-1])  # its own VmHWM, exact
        cold = []
        for q in wl.queries[:3]:
            seconds, rss_cold, code, _ = run_measured(
                [sys.executable, "-m", "rag", "ask", q.question, *where], env, stdout=subprocess.DEVNULL)
            cold.append((seconds, rss_cold, code))
        row["cold_start"] = {"median_s": statistics.median(s for s, _, _ in cold),
                             "runs_s": [s for s, _, _ in cold], "peak_rss_mb": max(r for _, r, _ in cold),
                             "ok": all(c == 0 for _, _, c in cold)}
        results["backends"][backend] = row

    print(format_results(results, full=len(wl.documents) >= len(pairs)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if not args.store:
        shutil.rmtree(work, ignore_errors=True)  # documents and index: --store keeps an index
    return 0


def format_results(r: dict, full: bool) -> str:
    c = r["compute"]
    lines = [
        f"MedQuAD benchmark: {r['documents']} documents ({c['passages']} passages, {c['tokens']:,} tokens), "
        f"{r['queries']} queries, seed {r['seed']}, {r['cores']} cores"
        + (f", Chroma server {r['server']}" if r["server"] else ", embedded Chroma"),
        "",
        f"compute bound: {c['mflop_per_token']:.1f} MFLOP/token at {c['mean_tokens']:.0f} tokens/passage; "
        f"fp32 GEMM {c['gemm_gflops']:.0f} GFLOP/s -> {c['bound_tokens_per_s']:,.0f} tokens/s",
        "",
        f"{'encoder (same passages)':<24}{'seconds':>9}{'tokens/s':>10}{'of bound':>10}{'speedup':>9}{'cos':>8}",
    ]
    for name, e in r["encoders"].items():
        lines.append(f"{name:<24}{e['seconds']:>9.1f}{e['tokens_per_s']:>10,.0f}{e['share_of_bound']:>10.0%}"
                     f"{e['speedup']:>8.2f}x{e['cosine_to_torch']:>8.4f}")
    for backend, b in r["backends"].items():
        i, s, cs = b["ingest"], b["serve"], b["cold_start"]
        tps = f"{i['tokens_per_s']:,.0f} tokens/s" if i["tokens_per_s"] else "nothing to embed (resumed)"
        lines += [
            "",
            f"[{backend}] ingest {i['seconds']:.1f}s for {i['documents']} documents "
            f"({i['resumed']} already indexed), {i['documents_per_s']:.1f} documents/s, {tps}, "
            f"{i['passages_written']} passages written, peak {i['peak_rss_mb']:.0f} MB",
            f"{'ranking':<12}{'recall@10':>10}{'MRR@10':>8}",
        ]
        for mode in ("dense", "lexical", "hybrid"):
            q = s["quality"][mode]
            label = {"lexical": "bm25", "hybrid": "fused"}.get(mode, mode)
            lines.append(f"{label:<12}{q['recall@10']:>10.3f}{q['mrr@10']:>8.3f}")
        lines += [
            f"retrieval p50 {s['search_ms']['p50']:.1f} ms, p95 {s['search_ms']['p95']:.1f} ms "
            f"(n={s['search_ms']['n']}); ask p50 {s['ask_ms']['p50']:.0f} ms, p95 {s['ask_ms']['p95']:.0f} ms "
            f"(n={s['ask_ms']['n']}, {s['ask_kinds']})",
            f"serving: peak {s['peak_rss_mb']:.0f} MB over {s['passages']} passages, start-up {s['startup_s']:.1f}s"
            + (f", loaded {s['modules']}" if s["modules"] else ", torch never imported"),
            f"cold `rag ask`: median {cs['median_s']:.2f}s (runs {', '.join(f'{x:.2f}' for x in cs['runs_s'])}), "
            f"peak {cs['peak_rss_mb']:.0f} MB" + ("" if cs["ok"] else " (FAILED)"),
            "targets: " + ", ".join(targets(b, r, full)),
        ]
    return "\n".join(lines)


def targets(b: dict, r: dict, full: bool) -> list[str]:
    s, q = b["serve"], b["serve"]["quality"]["hybrid"]
    int8 = r["encoders"]["onnx int8"]["speedup"]
    checks = [
        ("recall@10>=0.90", q["recall@10"] >= TARGETS["recall@10"]),
        ("MRR@10>=0.70", q["mrr@10"] >= TARGETS["mrr@10"]),
        ("p50<=20ms", s["search_ms"]["p50"] <= TARGETS["search_p50"]),
        ("p95<=50ms", s["search_ms"]["p95"] <= TARGETS["search_p95"]),
        ("cold<=3s", b["cold_start"]["median_s"] <= TARGETS["cold_start_s"]),
        ("serve<=1.5GB", s["peak_rss_mb"] <= TARGETS["serve_rss_mb"]),
        ("int8 encode>=2x torch", int8 >= TARGETS["encode_speedup"]),
    ]
    if full and b["ingest"]["tokens_per_s"] and not b["ingest"]["resumed"]:
        checks.append(("ingest<5min", b["ingest"]["seconds"] <= TARGETS["full_ingest_s"]))
    scope = "" if full else " (sample: quality and latency are easier than on the full pool)"
    return [f"{n} {'met' if ok else 'MISSED'}" for n, ok in checks] + ([scope.strip()] if scope else [])


if __name__ == "__main__":
    sys.exit(main())
