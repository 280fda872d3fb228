"""What each ``python -m rag`` subcommand does (``cmd_ingest``, ``cmd_ask``, ``cmd_search``,
``cmd_docs``, ``cmd_remove``, ``cmd_approved``, ``cmd_check``), with what they share: the
settings ``--store`` and ``--collection`` point elsewhere, JSON lines read from standard input
and printed, and a readable answer with its sources for a terminal (``render_answer``).

Left out: the arguments, their help and how the process ends on an error (``rag.cli``).
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from pathlib import Path

from pydantic import SecretStr

from rag.settings import Settings


def _settings(args) -> Settings:
    overrides = {}
    if getattr(args, "store", None):
        overrides["store_dir"] = Path(args.store)
    if getattr(args, "collection", None):
        overrides["collection"] = args.collection
    return Settings(**overrides)


def _pipeline(args):
    from rag.pipeline import Pipeline

    return Pipeline(_settings(args))


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _read_requests(key: str):
    """(text, history, error) for each non-blank stdin line. Bytes that are not UTF-8 become
    U+FFFD, so what is echoed back in the JSON is valid UTF-8."""
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    for lineno, line in enumerate(sys.stdin, 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                rec = json.loads(line)
                text = rec.get(key, rec.get("question", rec.get("query")))
                if not isinstance(text, str):
                    raise ValueError(f"no '{key}' string")
                history = rec.get("history") or []
                if not isinstance(history, list):
                    raise ValueError("'history' is not a list of turns")
                yield text, history, None, rec
            except (ValueError, AttributeError) as e:
                yield None, None, f"line {lineno}: not a usable JSON request ({e})", None
        else:
            yield line, [], None, None


# --- commands ------------------------------------------------------------------------------


def _keep_starters(pipeline) -> float:
    """Work out the chat's starter questions now, while indexing, unless they are already
    kept for this index (so the chat's first page shows them at once). Returns the seconds
    it took, for the ingest summary."""
    from rag.indexing.suggestions import store_starters, stored_starters

    started = time.monotonic()
    if stored_starters(pipeline)[0] is None:
        questions = store_starters(pipeline)
        print(f"ingest: {len(questions)} starter questions kept for the chat", file=sys.stderr)
    return time.monotonic() - started


def cmd_ingest(args) -> int:
    from rag.pipeline import Pipeline

    settings = _settings(args)
    pipeline = Pipeline(settings)
    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    started = time.monotonic()
    last = [0.0]

    def progress(done: int, total: int, name: str) -> None:
        now = time.monotonic()
        if total >= 20 and (now - last[0] > 2 or done == total):
            last[0] = now
            rate = done / max(now - started, 1e-9)
            print(f"ingest: {done}/{total} documents ({100 * done / total:.0f}%, {rate:.0f}/s)",
                  file=sys.stderr, flush=True)

    report = pipeline.ingest(paths, prune=not args.no_prune, progress=progress, rebuild=args.rebuild)
    starters = _keep_starters(pipeline)
    wall = time.monotonic() - started  # everything this command waited for, as a clock on the wall shows
    if args.json:
        _print_json({**report.to_json(), "starter_seconds": round(starters, 2), "wall_seconds": round(wall, 2)})
    else:
        print(f"Indexed in {report.seconds:.1f}s: {len(report.added)} added, {len(report.updated)} "
              f"updated, {len(report.repaired)} repaired, {len(report.unchanged)} unchanged, "
              f"{len(report.removed)} removed; {report.passages_written} passages written. "
              f"Starter questions {starters:.1f}s; {wall:.1f}s in all.")
        for doc_id, twin in report.duplicates:
            print(f"  skipped {doc_id}: same content as {twin}")
        for e in report.failed:
            print(f"  not indexed: {e.name}: {e.reason}")
        for f in report.flagged:  # what the chat will never quote: an educator should look
            print(f"  never quoted, check it: {f.doc_id}: {f.describe()}")
    return 1 if report.failed and not (report.added or report.updated or report.unchanged or report.repaired) else 0


def _parse_history(text: str | None) -> list:
    """The ``--history`` option: a JSON list of earlier turns, or ValueError saying why not."""
    if not text:
        return []
    try:
        history = json.loads(text)
    except ValueError as e:
        raise ValueError(f"--history is not valid JSON ({e})") from None
    if not isinstance(history, list):
        raise ValueError("--history must be a JSON list of turns, "
                         'like [{"role": "user", "content": "..."}]')
    return history


def cmd_ask(args) -> int:
    try:
        history = _parse_history(args.history)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    pipeline = _pipeline(args)
    if args.question is None:
        for text, history, error, _ in _read_requests("question"):
            _print_json({"error": error} if error else pipeline.ask(text, history).to_json())
        return 0
    answer = pipeline.ask(args.question, history)
    if args.json:
        _print_json(answer.to_json())
    else:
        print(render_answer(answer))
    return 2 if answer.kind == "invalid" else 0


def cmd_search(args) -> int:
    from rag.schema import passage_json

    pipeline = _pipeline(args)

    def run(text: str) -> dict:
        r = pipeline.search(text, args.k, mode=args.mode)
        return {"query": text, "searched": r.query,
                "results": [passage_json(p, i) for i, p in enumerate(r.passages, 1)]}

    if args.query is None:
        for text, _, error, _ in _read_requests("query"):
            _print_json({"error": error} if error else run(text))
        return 0
    result = run(args.query)
    if args.json:
        _print_json(result)
    else:
        for r in result["results"]:
            print(f"[{r['n']}] {r['score']:.3f} (dense {r['dense']:.3f}, bm25 {r['lexical']:.3f}) "
                  f"{r['title']} - {r['location']}")
            print(textwrap.indent(textwrap.fill(r["text"], 96), "    "))
    return 0


def cmd_docs(args) -> int:
    pipeline = _pipeline(args)
    entries = pipeline.documents()
    if args.json:
        _print_json([e.__dict__ for e in entries])
    else:
        for e in entries:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.indexed_at))
            print(f"{e.doc_id}\t{e.chunks} passages\t{e.state}\t{when}\t{e.title}")
    return 0


def cmd_remove(args) -> int:
    pipeline = _pipeline(args)
    known = {e.doc_id for e in pipeline.documents()}
    missing = [d for d in args.doc_ids if d not in known]
    for d in args.doc_ids:
        if d in known:
            pipeline.remove(d)
            print(f"removed {d}")
    for d in missing:
        print(f"not in the index: {d}", file=sys.stderr)
    return 1 if missing else 0


def _records(args):
    from rag.records.database import Records

    settings = _settings(args)
    return Records(Path(args.records) if args.records else settings.records_path, settings.retention_days)


def cmd_approved(args) -> int:
    from rag.records.approved import ApprovalError, Version, new_version

    records = _records(args)
    if args.action == "list":
        kept = records.approved_answers(with_history=args.json)
        if args.json:
            for a in kept:
                _print_json({**a.to_json(), "served": a.served, "thumbs_up": a.thumbs_up,
                             "thumbs_down": a.thumbs_down})
        for a in [] if args.json else kept:
            when = time.strftime("%Y-%m-%d", time.localtime(a.latest.approved_at))
            state = f"STALE ({a.stale})" if a.stale else "served"
            print(f"{a.id}\tv{a.latest.version} {when} {a.latest.educator}\t{state}\t{a.served} times, "
                  f"{a.thumbs_up} up {a.thumbs_down} down\t{a.question}")
        return 0
    if args.action == "remove":
        missing = [i for i in args.ids if not records.remove_approved(int(i))]
        for i in missing:
            print(f"no approved answer {i}", file=sys.stderr)
        return 1 if missing else 0
    if args.action == "export":
        out = open(args.file, "w", encoding="utf-8") if args.file else sys.stdout
        for a in reversed(records.approved_answers(with_history=True)):
            out.write(json.dumps(a.to_json(), ensure_ascii=False) + "\n")
        if args.file:
            out.close()
        return 0
    if args.action == "import":
        count = 0
        for line in Path(args.file).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                approved_id = None
                for v in d["versions"]:
                    approved_id = records.approve(Version.from_json(v), approved_id)
                if d.get("stale"):
                    records.mark_stale(approved_id, d["stale"])
                count += 1
        print(f"imported {count} approved answers", file=sys.stderr)
        return 0
    # add: the sentences, each citing a passage by its chunk id (``rag search --json``)
    if len(args.say) != len(args.cite) or not args.say:
        print("error: give each --say sentence its --cite CHUNK_ID, in order", file=sys.stderr)
        return 2
    found = {c.chunk_id: c for c in _pipeline(args).store.get(args.cite)[0]}
    unknown = [c for c in args.cite if c not in found]
    if unknown:
        print(f"error: not an indexed passage: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        version = new_version(args.question, [(t, found[c]) for t, c in zip(args.say, args.cite)], args.educator)
        approved_id = records.approve(version, args.replaces)
    except ApprovalError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(approved_id)
    return 0


def _shown(value) -> str:
    """A setting as ``check`` prints it: secrets masked, whether set or not still visible."""
    if isinstance(value, SecretStr):
        return "'********' (set, hidden)" if value.get_secret_value() else "'' (empty)"
    return repr(value)


def cmd_check(args) -> int:
    from rag.prompts import load_prompts

    settings = _settings(args)
    uses_llm = settings.answerer != "extractive"
    load_prompts(settings.prompts_dir, require_templates=uses_llm)
    if uses_llm:
        from rag.chat_model.client import build_chat_model

        build_chat_model(settings)  # a bad answerer name or a missing package is named here
    print("settings and prompts are valid")
    for name, field in Settings.model_fields.items():
        print(f"  RAG_{name.upper()} = {_shown(getattr(settings, name))}  # {field.description}")
    return 0


def render_answer(answer) -> str:
    """A readable answer with its sources, for a terminal."""
    out = [textwrap.fill(answer.answer, 96)]
    for n in answer.notices:
        if n.code != "urgent":
            out.append("Note: " + textwrap.fill(n.text, 90))
    if answer.citations:
        out.append("Sources:")
        for c in answer.citations:
            out.append(f"  [{c.n}] {c.chunk.title} - {c.chunk.location}")
            out.append(textwrap.indent(textwrap.fill(c.chunk.text, 90), "      "))
    if answer.disclaimer:
        out.append(answer.disclaimer)
    return "\n\n".join(out)
