"""The benchmark's printed report and its targets (pure: results dict in, text out)."""

from __future__ import annotations

TARGETS = {"recall@10": 0.88, "mrr@10": 0.65, "search_p50": 25.0, "search_p95": 60.0, "story_gap": 0.02,
           "cold_start_s": 3.0, "serve_rss_mb": 1536.0, "ingest_vs_plain": 1.5}


def format_results(r: dict, full: bool) -> str:
    c, p = r["compute"], r["plain"]
    lines = [
        f"MedQuAD benchmark: {r['documents']} documents ({c['passages']} passages, {c['tokens']:,} tokens), "
        f"{r['queries']} queries, seed {r['seed']}, {r['cores']} cores"
        + (f", Chroma server {r['server']}" if r["server"] else ", embedded Chroma"),
        "",
        f"compute bound: {c['mflop_per_token']:.1f} MFLOP/token at {c['mean_tokens']:.0f} tokens/passage; "
        f"fp32 GEMM {c['gemm_gflops']:.0f} GFLOP/s -> {c['bound_tokens_per_s']:,.0f} tokens/s",
        "",
        f"{'encoder (same passages)':<24}{'seconds':>9}{'cpu s':>8}{'tokens/s':>10}{'of bound':>10}{'speedup':>9}{'cos':>8}",
    ]
    for name, e in r["encoders"].items():
        lines.append(f"{name:<24}{e['seconds']:>9.1f}{e.get('cpu_seconds', 0):>8.1f}{e['tokens_per_s']:>10,.0f}"
                     f"{e['share_of_bound']:>10.0%}{e['speedup']:>8.2f}x{e['cosine_to_torch']:>8.4f}")
    lines += [
        "",
        f"plain alternative: sentence-transformers fp32, each answer cut at {p['max_tokens']} tokens: "
        f"{p['documents']} documents, {p['tokens']:,} tokens in {p['seconds']:.1f}s (cpu {p['cpu_seconds']:.1f}s), "
        f"{p['documents_per_s']:.1f} documents/s",
    ]
    for backend, b in r["backends"].items():
        i, s, cs = b["ingest"], b["serve"], b["cold_start"]
        tps = f"{i['tokens_per_s']:,.0f} tokens/s" if i["tokens_per_s"] else "nothing to embed (resumed)"
        q = s["quality"]
        lines += [
            "",
            f"[{backend}, passages {i.get('passages_backend', backend)}] ingest {i['seconds']:.1f}s (cpu {i['cpu_seconds']:.1f}s) for {i['documents']} documents "
            f"({i['resumed']} already indexed), {i['documents_per_s']:.1f} documents/s, {tps}, "
            f"{i['passages_written']} passages written ({i['passages_embedded']} embedded), "
            f"peak {i['peak_rss_mb']:.0f} MB" + (" (measured by the run that indexed them)" if i.get("earlier_run") else ""),
        ]
        if i["documents"]:
            lines.append(f"ingest vs plain sentence-transformers, per document: {speed(b, p, 'seconds'):.2f}x "
                         f"wall, {speed(b, p, 'cpu_seconds'):.2f}x cpu; per token: {token_speed(b, p):.2f}x "
                         f"(ingest reads {c['tokens'] / r['documents']:.0f} tokens per document, the plain "
                         f"encoding {p['tokens'] / p['documents']:.0f})")
        lines.append(f"{'ranking':<44}{'recall@10':>10}{'MRR@10':>8}")
        rows = [("dense", q["dense"]), ("bm25", q["lexical"]), ("fused (document at its best passage)", q["hybrid"]),
                (f"fused, documents by several passages ({q['aggregated']['weight']})", q["aggregated"]),
                ("fused, weights fitted on held-out questions", q["fitted"]),
                ("questions inside patient stories", q["story"])]
        if "story_same" in q:
            n = q["story_same"]["queries"]
            rows += [(f"  first {n}: bare questions", q["bare_same"]), (f"  first {n}: stories", q["story_same"]),
                     (f"  first {n}: stories as one whole text", q["story_whole"])]
        else:
            rows.append(("  the same, searched as one whole text", q["story_whole"]))
        lines += [f"{label:<44}{m['recall@10']:>10.3f}{m['mrr@10']:>8.3f}" for label, m in rows]
        fits = "; ".join(f"dense weight {f['dense_weight']}, aggregation {f['aggregation']}" for f in q["fitted"]["fitted"])
        lines += [
            f"fitted per half: {fits}",
            f"retrieval p50 {s['search_ms']['p50']:.1f} ms, p95 {s['search_ms']['p95']:.1f} ms (n={s['search_ms']['n']}); "
            f"story messages p50 {s['story_ms']['p50']:.1f} ms, p95 {s['story_ms']['p95']:.1f} ms; "
            f"ask p50 {s['ask_ms']['p50']:.0f} ms, p95 {s['ask_ms']['p95']:.0f} ms (n={s['ask_ms']['n']}, {s['ask_kinds']})",
            f"serving: peak {s['peak_rss_mb']:.0f} MB over {s['passages']} passages, start-up {s['startup_s']:.1f}s"
            + (f", loaded {s['modules']}" if s["modules"] else ", torch never imported"),
            f"cold `rag ask`: median {cs['median_s']:.2f}s (runs {', '.join(f'{x:.2f}' for x in cs['runs_s'])}), "
            f"peak {cs['peak_rss_mb']:.0f} MB" + ("" if cs["ok"] else " (FAILED)"),
            "targets: " + ", ".join(targets(b, p, full)),
        ]
    return "\n".join(lines)


def speed(b: dict, plain: dict, key: str) -> float:
    """How many times faster ingest is than plain encoding, per document (``key``: seconds
    or cpu_seconds)."""
    i = b["ingest"]
    if not i["documents"] or not i[key]:
        return 0.0
    return (plain[key] / plain["documents"]) / (i[key] / i["documents"])


def token_speed(b: dict, plain: dict) -> float:
    """How many times more tokens per second ingest embeds than plain encoding (wall): the
    encoder's speed, apart from how much of each document is read."""
    tps = b["ingest"].get("tokens_per_s")
    return tps / (plain["tokens"] / plain["seconds"]) if tps and plain["seconds"] else 0.0


def targets(b: dict, plain: dict, full: bool) -> list[str]:
    s, q = b["serve"], b["serve"]["quality"]
    checks = [
        ("recall@10>=0.88", q["hybrid"]["recall@10"] >= TARGETS["recall@10"]),
        ("MRR@10>=0.65", q["hybrid"]["mrr@10"] >= TARGETS["mrr@10"]),
        ("p50<=25ms", s["search_ms"]["p50"] <= TARGETS["search_p50"]),
        ("p95<=60ms", s["search_ms"]["p95"] <= TARGETS["search_p95"]),
        ("stories within 2 points", q["hybrid"]["recall@10"] - q["story"]["recall@10"] <= TARGETS["story_gap"]),
        ("cold<=3s", b["cold_start"]["median_s"] <= TARGETS["cold_start_s"]),
        ("serve<=1.5GB", s["peak_rss_mb"] <= TARGETS["serve_rss_mb"]),
    ]
    if b["ingest"]["documents"]:
        checks.append(("ingest>=1.5x plain encoding", speed(b, plain, "seconds") >= TARGETS["ingest_vs_plain"]))
    scope = [] if full else ["(sample: quality and latency are easier than on the full pool)"]
    return [f"{n} {'met' if ok else 'MISSED'}" for n, ok in checks] + scope
