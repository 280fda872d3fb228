"""``python -m bench [DATA] [--sample N | --full] [--seed S]``: scale and speed on MedQuAD.

One run prints, side by side:

1. the compute bound of all-MiniLM-L6-v2 on this machine (FLOPs per token x measured fp32
   GEMM rate, see ``bench.measures``);
2. encoding speed of the same passages with sentence-transformers on torch fp32 (the
   reference), ONNX fp32 and ONNX int8, in tokens/s, as a share of the bound, and the int8
   vectors' cosine to the reference;
3. the plain alternative: sentence-transformers fp32 encoding each answer whole (cut at the
   model's 256 tokens), on the pool's documents (``--plain``: a seeded subset of them),
   wall and CPU seconds;
4. for each ``--backend``: ``python -m rag ingest`` of the documents (a real subprocess:
   wall and CPU time, documents/s, passages, tokens/s, peak memory) and its speed per
   document against (3), then a serving process (``bench.serve``: recall@10 and MRR@10 for
   dense, BM25 and fused ranking, documents scored by several passages, weights fitted on
   held-out questions, questions inside patient stories; p50/p95 of retrieval and of the
   whole ``ask``; peak memory), then ``python -m rag ask`` from a cold start, timed from
   process start to its answer.

CPU seconds are reported beside wall seconds because this machine is shared: under load
wall time measures the neighbours as much as the code.

The index goes to a temporary folder (``--store`` keeps it, and a second run with the same
``--store`` resumes: the encoder measurements are read back from it, and an interrupted
ingest indexes only what is left). With ``RAG_CHROMA_HOST`` set, every step uses that
Chroma server instead, with no other change.

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
from .report import format_results
from .stories import wrap_all


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_measured(cmd: list[str], env: dict, stdout=subprocess.PIPE) -> tuple[float, float, int, str, float]:
    """(wall seconds, peak RSS in MB, exit code, stdout, CPU seconds) of one child process.

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
    _, status, usage = os.wait4(proc.pid, 0)  # the child's own CPU time, all its threads
    proc.returncode = os.waitstatus_to_exitcode(status)
    watcher.join()
    return time.perf_counter() - t, peak[0], proc.returncode, out, usage.ru_utime + usage.ru_stime


def passage_texts(docs_path: Path, settings: Settings) -> list[str]:
    """What ingest will embed: the same loader and chunker."""
    from rag.indexing.chunking import chunk_document, embedding_text
    from rag.indexing.loaders import iter_jsonl_documents

    texts = []
    for doc in iter_jsonl_documents(docs_path):
        if not isinstance(doc, Exception):
            texts += [embedding_text(c, settings.embed_titles) for c in chunk_document(doc, settings.chunk_size, settings.chunk_overlap)]
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
        t, cpu = time.perf_counter(), time.process_time()
        vecs = enc.embed(texts)
        seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
        if counter is None:
            counter = OnnxEmbedder(settings.model_path, True, settings.cache_dir) if name.startswith("torch") else enc
        tokens = counter.tokens(texts)
        if reference is None:
            reference = vecs
        rows[name] = {"seconds": seconds, "cpu_seconds": cpu, "tokens": tokens, "tokens_per_s": tokens / seconds,
                      "share_of_bound": tokens / seconds / bound_tps,
                      "cosine_to_torch": float(np.mean(np.sum(vecs * reference, axis=1)))}
        del enc
    base = rows["torch fp32"]["seconds"]
    for r in rows.values():
        r["speedup"] = base / r["seconds"]
    return rows


def plain_encoding(texts: list[str], settings: Settings) -> dict:
    """sentence-transformers fp32 encoding each text whole (cut at the model's window): the
    simplest way to index the same documents, to compare ingest with."""
    from rag.embeddings import TorchEmbedder

    log(f"bench: plain sentence-transformers fp32 encoding of {len(texts)} documents")
    enc = TorchEmbedder(settings.model_path, settings.embed_batch_size)
    enc.embed(texts[:8])  # warm up
    t, cpu = time.perf_counter(), time.process_time()
    enc.embed(texts)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    tok = enc.model.tokenizer
    window = int(enc.model.max_seq_length)
    tokens = sum(min(len(ids), window) for ids in tok(texts, add_special_tokens=True)["input_ids"])
    return {"documents": len(texts), "tokens": tokens, "max_tokens": window, "seconds": seconds,
            "cpu_seconds": cpu, "documents_per_s": len(texts) / seconds}


def prepared(path: Path | None, key: dict, build) -> dict:
    """``build()``, or its result saved under ``path`` by an earlier run with the same key
    (a resumed ``--full`` run does not measure the encoders again)."""
    if path and path.is_file():
        saved = json.loads(path.read_text())
        if saved.get("key") == key:
            return saved["value"]
    value = build()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": key, "value": value}))
    return value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="MedQuAD .jsonl(.gz)")
    ap.add_argument("--sample", type=int, default=2000, help="documents in the pool (seeded sample)")
    ap.add_argument("--full", action="store_true", help="the whole data set (16,407 documents)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--queries", type=int, default=1000, help="questions evaluated (0 = all in the pool)")
    ap.add_argument("--ask", type=int, default=100, help="questions also run through the whole ask")
    ap.add_argument("--encode", type=int, default=600, help="passages in the encoder comparison")
    ap.add_argument("--plain", type=int, default=2000,
                    help="documents encoded by plain sentence-transformers (a seeded subset of the pool)")
    ap.add_argument("--backend", action="append", choices=["torch", "onnx", "onnx-int8"],
                    help="backend(s) to ingest and serve with (default: the configured one)")
    ap.add_argument("--store", help="keep the index here (and resume into it)")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--report", help="print the results a --json file holds, and measure nothing")
    args = ap.parse_args(argv)
    if args.report:
        saved = json.loads(Path(args.report).read_text())
        print(format_results(saved, full=bool(saved.get("full"))))
        return 0

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
    key = {"name": name, "encode": args.encode, "plain": args.plain, "passages": len(texts),
           "chunk": [settings.chunk_size, settings.chunk_overlap, settings.embed_titles]}
    saved = Path(args.store) / f"bench-{name}.json" if args.store else None

    def measure_encoders() -> dict:
        from rag.embeddings import OnnxEmbedder

        gflops = measured_gflops()
        rng = random.Random(args.seed)
        sample_texts = rng.sample(texts, min(args.encode, len(texts)))
        counter = OnnxEmbedder(settings.model_path, True, settings.cache_dir)
        all_tokens = counter.tokens(texts)
        seq = all_tokens / max(len(texts), 1)
        fpt = flops_per_token(seq)
        bound_tps = gflops * 1e9 / fpt
        del counter
        plain_docs = sorted(rng.sample(wl.documents, min(args.plain, len(wl.documents))), key=lambda d: d.id)
        return {"compute": {"passages": len(texts), "tokens": all_tokens, "mean_tokens": seq,
                            "mflop_per_token": fpt / 1e6, "gemm_gflops": gflops, "bound_tokens_per_s": bound_tps},
                "encoders": encoder_comparison(sample_texts, settings, bound_tps),
                "plain": plain_encoding([d.answer for d in plain_docs], settings)}

    results.update(prepared(saved, key, measure_encoders))
    all_tokens = results["compute"]["tokens"]

    queries_path = work / "queries.json"
    stories = wrap_all({q.id: q.question for q in wl.queries}, args.seed)
    queries_path.write_text(json.dumps([{"id": q.id, "question": q.question, "story": stories[q.id],
                                         "relevant": sorted(wl.relevant[q.id])} for q in wl.queries]))
    for backend in backends:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_EMBED_BACKEND": backend, "PYTHONPATH": str(PROJECT_ROOT)}
        store = Path(args.store) / backend if args.store else work / f"store-{backend}"
        collection = f"{name}-{backend}"
        where = ["--store", str(store), "--collection", collection]
        log(f"bench: ingest with {backend}")
        seconds, rss, code, out, cpu = run_measured(
            [sys.executable, "-m", "rag", "ingest", str(docs_path), "--json", *where], env)
        if code != 0:
            log(f"bench: ingest failed ({code})")
            return 1
        report = json.loads(out.strip().splitlines()[-1])
        # A resumed run indexes only what was left: rates count the work this run did.
        indexed = len(report["added"]) + len(report["updated"]) + len(report["repaired"])
        share = report["passages_written"] / max(len(texts), 1)
        row = {"ingest": {"seconds": seconds, "cpu_seconds": cpu, "documents": indexed,
                          "passages_backend": settings.ingest_backend or backend,
                          "passages_embedded": report.get("passages_embedded", report["passages_written"]),
                          "documents_per_s": indexed / seconds, "passages_written": report["passages_written"],
                          "tokens_per_s": all_tokens * share / seconds if indexed else None,
                          "peak_rss_mb": rss, "resumed": report["unchanged"]}}
        log(f"bench: ingest {json.dumps(row['ingest'])}")
        # An ingest that finished in an earlier run is reported from its own measurement.
        ingest_file = store / "bench-ingest.json"
        if indexed == 0 and ingest_file.is_file():
            row["ingest"] = {**json.loads(ingest_file.read_text()), "earlier_run": True}
        elif args.store and not report["unchanged"]:
            ingest_file.write_text(json.dumps(row["ingest"]))
        log(f"bench: serving {len(wl.queries)} queries with {backend}")
        _, rss, code, out, _ = run_measured(
            [sys.executable, "-m", "bench.serve", "--store", str(store), "--collection", collection,
             "--queries", str(queries_path), "--ask", str(args.ask)], env)
        if code != 0:
            log(f"bench: serving failed ({code})")
            return 1
        row["serve"] = json.loads(out.strip().splitlines()[-1])  # its own VmHWM, exact
        cold = []
        for q in wl.queries[:3]:
            seconds, rss_cold, code, _, _ = run_measured(
                [sys.executable, "-m", "rag", "ask", q.question, *where], env, stdout=subprocess.DEVNULL)
            cold.append((seconds, rss_cold, code))
        row["cold_start"] = {"median_s": statistics.median(s for s, _, _ in cold),
                             "runs_s": [s for s, _, _ in cold], "peak_rss_mb": max(r for _, r, _ in cold),
                             "ok": all(c == 0 for _, _, c in cold)}
        results["backends"][backend] = row

    results["full"] = len(wl.documents) >= len(pairs)
    print(format_results(results, full=results["full"]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if not args.store:
        shutil.rmtree(work, ignore_errors=True)  # documents and index: --store keeps an index
    return 0


if __name__ == "__main__":
    sys.exit(main())
