"""Run a question file through the pipeline and keep everything the evaluation found.

``evaluate`` asks every question with one pipeline (the model is loaded once), scores each
answer (``eval.metrics``), ranks retrieval with ``ir_measures`` over the whole set and
returns per-question results plus the summary (``eval.metrics_summary``). ``run`` is what
the command line and the educator page call: it opens a pipeline on an evaluation store
(``corpus/`` indexed into a folder of its own, so evaluation never touches the app's
index), evaluates, and writes a run folder:

- ``results.jsonl``: per question, the question, the full answer JSON (``Answer.to_json``)
  and every figure;
- ``summary.json``: the aggregate figures, with the settings (no secrets), code version,
  question-file hash and corpus ledger they came from;
- ``report.md`` and PNG charts (``eval.report``, ``eval.report_charts``).

Left out: asking questions in parallel (the set takes about a minute on two cores, and one
process keeps latency figures comparable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Callable

from rag.pipeline import Pipeline
from rag.schema import REFERENCE_KIND, Answer, Chunk, Passage
from rag.settings import PROJECT_ROOT, Settings

from . import metrics, metrics_summary, metrics_text
from .questions import QUESTION_KINDS, Question, load_questions

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "questions.jsonl"
RUNS_DIR = PROJECT_ROOT / "eval" / "runs"
RESULTS, SUMMARY, REPORT = "results.jsonl", "summary.json", "report.md"
_SECRET = re.compile(r"token|password|secret|api_key|apikey", re.I)

Progress = Callable[[int, int, str], None]  # (questions done, total, id of the last one)


def default_store(settings: Settings, corpus_name: str = "") -> Path:
    """The evaluation's own index, next to the app's derived data (``.rag/eval/store``; for
    another corpus than the app's, ``.rag/eval/store-<corpus folder name>``)."""
    return Path(settings.cache_dir).parent / "eval" / (f"store-{corpus_name}" if corpus_name else "store")


def corpus_name(settings: Settings, corpus: Path | None) -> str:
    """A short name for ``corpus`` when it is not the app's own corpus folder ("" when it is)."""
    if corpus is None or Path(corpus).resolve() == Path(settings.corpus_dir).resolve():
        return ""
    return re.sub(r"[^a-z0-9]+", "-", Path(corpus).resolve().name.lower()).strip("-")[:40] or "corpus"


def evaluation_settings(settings: Settings, store: Path | None = None, corpus: Path | None = None) -> Settings:
    """Settings pointing at the evaluation's index: ``store``, or by default its own folder,
    and, against a Chroma server, its own collection, so indexing a corpus for the evaluation
    never removes a document from the index patients use. ``corpus``: another folder of
    documents to evaluate on (eval/corpora/<name>), indexed into a store of its own."""
    name = corpus_name(settings, corpus)
    update: dict = {"store_dir": Path(store) if store else default_store(settings, name)}
    if name:
        update["corpus_dir"] = Path(corpus)
    if settings.server_mode and store is None:
        update["collection"] = f"{settings.collection}-eval" + (f"-{name}" if name else "")
    return settings.model_copy(update=update)


def corpus_sources(corpus_dir: Path, questions_path: Path) -> list[Path]:
    """What to index: the corpus folder, or, when it holds question files (as in
    eval/corpora/<name>/questions.jsonl: ``questions*.jsonl`` or the file being asked),
    everything in the folder but those."""
    corpus_dir, asked = Path(corpus_dir), Path(questions_path).resolve()

    def is_questions(p: Path) -> bool:
        return p.resolve() == asked or (p.name.startswith("questions") and p.suffix == ".jsonl")

    entries = sorted(corpus_dir.iterdir()) if corpus_dir.is_dir() else []
    if not any(is_questions(p) for p in entries):
        return [corpus_dir]
    return [p for p in entries if not is_questions(p)]


def run(settings: Settings, questions_path: Path = DEFAULT_QUESTIONS, out_dir: Path | None = None,
        store: Path | None = None, ingest: bool = True, embedder=None,
        progress: Progress | None = None, corpus: Path | None = None) -> Path:
    """Evaluate ``questions_path`` and write a run folder; returns its path.

    ``store``: the index to use (default ``default_store``); ``ingest``: index
    ``settings.corpus_dir`` (or ``corpus``) into it first (unchanged files are skipped);
    ``embedder``: a loaded model to use (default: the process's shared one)."""
    questions_path = Path(questions_path)
    questions = load_questions(questions_path)  # a bad file fails here, before any work
    settings = evaluation_settings(settings, store, corpus)
    if not Path(settings.corpus_dir).is_dir():
        raise FileNotFoundError(f"no corpus folder at {settings.corpus_dir}")
    pipeline = Pipeline(settings, embedder=embedder)
    warnings: list[str] = []
    if ingest:
        report = pipeline.ingest(corpus_sources(Path(settings.corpus_dir), questions_path))
        warnings += [f"document not indexed: {e.name}: {e.reason}" for e in report.failed]
    results, summary = evaluate(pipeline, questions, progress)
    summary["warnings"] = warnings + summary["warnings"]
    summary["provenance"] = provenance(settings, questions_path, pipeline)
    out = Path(out_dir) if out_dir else new_run_dir(summary["provenance"])
    write_run(out, results, summary)
    return out


def evaluate(pipeline: Pipeline, questions: list[Question], progress: Progress | None = None,
             synonyms: metrics_text.Synonyms | None = None) -> tuple[list[dict], dict]:
    """Ask and score every question. Returns (per-question results, summary)."""
    chunks = list(pipeline.store.iter_chunks())
    reference_ids = {c.chunk_id for c in chunks if c.kind == REFERENCE_KIND}
    # Retrieval only ever ranks non-reference passages, so only those can be relevant to it.
    searchable = [(c.chunk_id, c.text) for c in chunks if c.chunk_id not in reference_ids]
    synonyms = plain_synonyms() if synonyms is None else synonyms
    # Load the model and build the lexical index now, so the first question's time to
    # answer is not the start-up time.
    pipeline.embed(["warm-up"])
    pipeline.retriever()
    results = []
    for i, q in enumerate(questions, 1):
        answer = _ask(pipeline, q)
        relevant = metrics.relevant_passages(q.evidence, searchable)
        scored = metrics.score_answer(q, answer, pipeline.embed, relevant, reference_ids, synonyms)
        results.append({
            "id": q.id, "question": q.question, "history": list(q.history), "expect": q.expect,
            "category": q.category, "kind": str(q.extra.get("kind") or ""),
            "evidence": list(q.evidence), "facts": list(q.facts),
            "answer": answer, "metrics": scored,
        })
        if progress:
            progress(i, len(questions), q.id)

    qrels = {r["id"]: set(r["metrics"]["relevant_passages"]) for r in results
             if r["expect"] in ("answered", "advice")}
    ranked = {r["id"]: [p["chunk_id"] for p in r["answer"].get("retrieved") or []] for r in results}
    scores = metrics.retrieval_scores(qrels, ranked)
    for r in results:
        r["metrics"]["retrieval"] = scores.get(r["id"])
    summary = metrics_summary.summarize(results)
    summary["warnings"] = question_warnings(questions, [(c.chunk_id, c.text) for c in chunks], results)
    return results, summary


def _ask(pipeline: Pipeline, q: Question) -> dict:
    """The answer JSON; a question that makes the pipeline fail is recorded as an error
    (and fails its decision) instead of stopping the run."""
    try:
        return pipeline.ask(q.question, list(q.history)).to_json()
    except Exception as e:  # noqa: BLE001 - the run reports it and goes on
        return {"question": q.question, "kind": "error", "answer": f"{type(e).__name__}: {e}",
                "citations": [], "notices": [], "sentences": [], "retrieved": [], "timings_ms": {}}


def question_warnings(questions: list[Question], passages: list[tuple[str, str]], results: list[dict]) -> list[str]:
    """Problems in the question file that make a figure meaningless, in plain words."""
    out = []
    texts = [metrics_text.normalize(t) for _, t in passages]
    for q in questions:
        for phrase in q.evidence:
            if not any(metrics_text.normalize(phrase) in t for t in texts):
                out.append(f"{q.id}: evidence phrase not found in any indexed passage: “{phrase}”")
        kind = q.extra.get("kind")
        if kind and kind not in QUESTION_KINDS:
            out.append(f"{q.id}: unknown kind “{kind}” (one of {', '.join(QUESTION_KINDS)})")
        if q.expect == "answered" and not q.evidence:
            out.append(f"{q.id}: expects an answer but lists no evidence, so its citations are not scored")
    for r in results:
        if r["answer"].get("kind") == "error":
            out.append(f"{r['id']}: the pipeline failed on this question: {r['answer']['answer']}")
    return out


def plain_synonyms() -> list[tuple[str, str]]:
    """The product's reviewed table of plain words (clinical phrase -> same meaning in
    everyday words), used to recognise reworded sentences; empty when there is none."""
    from rag.text.plain_words import PLAIN_WORDS_PATH, plain_word_pairs

    return plain_word_pairs() if Path(PLAIN_WORDS_PATH).is_file() else []


# --- provenance --------------------------------------------------------------------------------

def provenance(settings: Settings, questions_path: Path, pipeline: Pipeline) -> dict:
    """Where the figures came from: enough to tell two runs apart, or to repeat one."""
    data = Path(questions_path).read_bytes()
    return {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "code": git_version(),
        "questions": {"path": _display_path(questions_path), "sha256": hashlib.sha256(data).hexdigest()},
        "corpus": [{"doc_id": e.doc_id, "title": e.title, "content_hash": e.content_hash,
                    "chunks": e.chunks, "state": e.state} for e in pipeline.documents()],
        "model_id": pipeline.model_id,
        "settings": public_settings(settings),
    }


def public_settings(settings: Settings) -> dict:
    """Every setting, minus anything secret (tokens, passwords, keys)."""
    return {k: v for k, v in settings.model_dump(mode="json").items() if not _SECRET.search(k)}


def git_version(root: Path = PROJECT_ROOT) -> dict:
    """The commit the code is at, and whether the working tree differs from it."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {"commit": commit or "unknown", "dirty": bool(status) if status is not None else None}


def _display_path(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


# --- run folders -------------------------------------------------------------------------------

def new_run_dir(prov: dict, root: Path | None = None) -> Path:
    """``eval/runs/<UTC time>-<commit>``: names sort in time order."""
    root = Path(root) if root else RUNS_DIR
    stamp = prov["created_at"].replace(":", "").replace("+0000", "").replace("+00:00", "")
    name = f"{stamp}-{prov['code']['commit'][:8]}"
    path, n = root / name, 2
    while path.exists():
        path, n = root / f"{name}-{n}", n + 1
    return path


def write_run(out: Path, results: list[dict], summary: dict) -> None:
    from .report import write_report

    out.mkdir(parents=True, exist_ok=True)
    with open(out / RESULTS, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / SUMMARY).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_report(out, results, summary)


def load_summary(path: Path) -> dict:
    """The summary of a run folder alone (its figures, settings and provenance)."""
    return json.loads((Path(path) / SUMMARY).read_text(encoding="utf-8"))


def load_run(path: Path) -> tuple[dict, list[dict]]:
    """(summary, results) of a run folder. Each answer is in the one shape ``Answer.to_json``
    writes: one kept by an older version (retrieved passages without text, title or citation
    number) is read back through ``Answer.from_json`` and written out again."""
    path = Path(path)
    results = [json.loads(line) for line in (path / RESULTS).read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in results:
        r["answer"] = one_shape(r.get("answer") or {})
    return load_summary(path), results


_ANSWER_KEYS = frozenset(Answer("", "answered", "").to_json())
_PASSAGE_KEYS = frozenset(Passage(Chunk("", "", "", "", "", 0, 0, 0, 0, 0), 0.0).to_json(1))


def one_shape(answer: dict) -> dict:
    """An answer's JSON in the shape ``Answer.to_json`` writes today (as it is, when it is)."""
    if _ANSWER_KEYS <= answer.keys() and all(_PASSAGE_KEYS <= p.keys() for p in answer["retrieved"]):
        return answer
    return Answer.from_json(answer).to_json()


def list_runs(root: Path | None = None) -> list[Path]:
    """Finished run folders, oldest first."""
    root = Path(root) if root else RUNS_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / SUMMARY).is_file() and (p / RESULTS).is_file())
