"""``python -m eval.conversation``: how the bot holds a real conversation, reads misspelt
questions, and declines what its documents don't cover, asked the way patients type.

Three files in ``eval/`` (format in ``eval/README.md``, "Conversations, misspellings and
declines"):

- ``conversations.jsonl``: conversations of 3-4 turns, asked turn by turn with the bot's own
  earlier answers as the history. Per turn: the kind the bot understood, whether it answered
  or declined as expected, whether the answer is *led* by the evidence (an evidence phrase in
  the source of one of the first two sentences, or in the passage one of them cites),
  whether it *leaks* an earlier turn's topic (a ``leak`` phrase in a sentence's source or in
  the first sentence used of a cited passage), and for "say that more simply" turns whether
  the restatement is plain (every sentence at reading grade 6 or below), short (at most
  three sentences), still cited, and not the same sentences as before.
- ``misspelt.jsonl``: each misspelt question and its correctly spelt twin, asked alone:
  does the misspelling get the same kind of reply and the same first cited passage?
- ``uncovered.jsonl``: questions the documents don't cover: is each declined, and does the
  decline name what was asked about (its ``focus``, or the focus's main word)?

The scoring functions take plain dicts (``Answer.to_json()`` and the file rows) and are
tested on hand-made ones (``tests/test_eval_conversation.py``); only ``main`` and the
``run_*`` functions need a pipeline. The pipeline is built over the evaluation's own index of
``corpus/`` exactly as ``eval.runner`` builds it, so the app's index is never touched.

Left out: the chat-model finisher (answers are extractive, ``finish=False``), judging whether
a leak-free answer is right beyond its evidence phrases, retrieval figures (``python -m eval
run`` has them), a baseline or gate for these figures, and writing a run folder (``--json``
writes every turn's record instead).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import metrics, metrics_composition, metrics_text
from .questions import EXPECTS, QUESTION_KINDS

EVAL_DIR = Path(__file__).resolve().parent
CONVERSATIONS = EVAL_DIR / "conversations.jsonl"
MISSPELT = EVAL_DIR / "misspelt.jsonl"
UNCOVERED = EVAL_DIR / "uncovered.jsonl"
SETS = ("conversations", "misspelt", "uncovered")
TURN_EXPECTS = EXPECTS + ("simpler",)  # "simpler": restate the previous answer simply

# What a "say that more simply" reply must be (the eval's own promise, not read from rag/).
SIMPLER_MAX_GRADE = 6.0
SIMPLER_MAX_SENTENCES = 3

# Words that name a kind of thing rather than the thing itself: never a focus's main word
# ("Mayo Clinic" -> "mayo", "CBD oil" -> "cbd", "keto diet" -> "keto").
GENERIC_WORDS = frozenset("""
clinic clinics hospital hospitals center centre oil oils diet diets free pill pills tablet tablets
supplement supplements remedy remedies drug drugs medicine medicines treatment treatments
""".split())

Answer = dict  # an ``Answer.to_json()`` dict
Ask = Callable[[str, list], Answer]  # (question, history) -> answer


class SetFileError(ValueError):
    pass


# --- the files ----------------------------------------------------------------------------------

def read_rows(path: Path) -> list[dict]:
    """The JSON objects of a JSON-lines file; a bad line or a repeated id raises with its
    line number."""
    rows, ids = [], set()
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise SetFileError(f"{path}:{lineno}: not JSON: {e}") from e
        if not isinstance(row, dict) or not row.get("id"):
            raise SetFileError(f"{path}:{lineno}: each line must be an object with an id")
        if row["id"] in ids:
            raise SetFileError(f"{path}:{lineno}: duplicate id {row['id']!r}")
        ids.add(row["id"])
        row["_line"] = lineno
        rows.append(row)
    return rows


def _check(path: Path, row: dict, ok: bool, what: str) -> None:
    if not ok:
        raise SetFileError(f"{path}:{row.get('_line')}: {row.get('id')}: {what}")


def _check_question(path: Path, row: dict, expects: Sequence[str]) -> None:
    _check(path, row, isinstance(row.get("question"), str) and row["question"].strip(), "no question")
    _check(path, row, row.get("expect") in expects, f"expect must be one of {', '.join(expects)}")
    _check(path, row, row.get("kind", "other") in QUESTION_KINDS, f"unknown kind {row.get('kind')!r}")
    for key in ("evidence", "leak"):
        _check(path, row, isinstance(row.get(key, []), list), f"{key} must be a list of phrases")
    if row["expect"] == "answered":
        _check(path, row, bool(row.get("evidence")), "an answered question needs evidence phrases")


def load_conversations(path: Path = CONVERSATIONS) -> list[dict]:
    """Conversations: {"id", "turns": [{"question", "expect", "kind", "evidence", "leak"}]}."""
    rows = read_rows(path)
    for row in rows:
        turns = row.get("turns")
        _check(path, row, isinstance(turns, list) and turns, "no turns")
        for turn in turns:
            _check_question(path, {**turn, "id": row["id"], "_line": row["_line"]}, TURN_EXPECTS)
        _check(path, row, turns[0]["expect"] != "simpler", "a conversation cannot open with 'simpler'")
    return rows


def load_misspelt(path: Path = MISSPELT) -> list[dict]:
    """Misspelt questions: {"id", "question", "twin", "expect", "kind", "evidence"}."""
    rows = read_rows(path)
    for row in rows:
        _check_question(path, row, EXPECTS)
        _check(path, row, isinstance(row.get("twin"), str) and row["twin"].strip(), "no twin")
        _check(path, row, row["twin"] != row["question"], "the twin is spelt the same")
    return rows


def load_uncovered(path: Path = UNCOVERED) -> list[dict]:
    """Questions the documents don't cover: {"id", "question", "expect", "focus", "category"}."""
    rows = read_rows(path)
    for row in rows:
        _check_question(path, row, ("not_found",))
        _check(path, row, isinstance(row.get("focus"), str) and row["focus"].strip(), "no focus")
    return rows


# --- scoring one reply (plain dicts in, plain values out) ------------------------------------

def first_citation(answer: Answer) -> str | None:
    """The chunk id of citation 1 (the first cited passage), None when nothing is cited."""
    cited = answer.get("citations") or []
    if not cited:
        return None
    one = next((c for c in cited if c.get("n") == 1), cited[0])
    return one.get("chunk_id")


def used_texts(answer: Answer) -> list[str]:
    """What an answer says, as the documents say it: each sentence's source (its quote when
    reworded, else its text) and, for each cited passage, the first sentence of it used
    (its first highlight)."""
    out = [s.get("quote") or s.get("text", "") for s in answer.get("sentences") or []]
    for c in answer.get("citations") or []:
        spans = c.get("highlights") or []
        if spans:
            start, end = spans[0]
            out.append(c.get("text", "")[start:end])
    return out


def is_led(answer: Answer, evidence: Sequence[str], reference_ids: Iterable[str] = ()) -> bool | None:
    """An answer is led by the evidence when one of its first two sentences holds an evidence
    phrase in its source (``metrics_composition.composition``'s ``led``) or cites a passage
    that holds one. None without evidence; False for a reply that is not an answer."""
    if not evidence:
        return None
    comp = metrics_composition.composition(answer, evidence, set(reference_ids))
    if comp is None:
        return False
    if comp["led"]:
        return True
    by_n = {c.get("n"): c for c in answer.get("citations") or []}
    return any(metrics_text.contains_any(by_n.get(s.get("citation"), {}).get("text", ""), evidence)
               for s in (answer.get("sentences") or [])[:2])


def leaked(answer: Answer, leak: Sequence[str]) -> list[str]:
    """The leak phrases (an earlier turn's topic) found in what the answer says."""
    if answer.get("kind") != "answered":
        return []
    texts = [metrics_text.normalize(t) for t in used_texts(answer)]
    return [p for p in leak if p.strip() and any(metrics_text.normalize(p) in t for t in texts)]


def shown_sentences(answer: Answer) -> list[str]:
    """The answer's sentences as the patient reads them (citation markers removed)."""
    return [metrics_text.without_markers(s.get("text", "")) for s in answer.get("sentences") or []]


def simpler_checks(answer: Answer, previous: Answer | None,
                   grade: Callable[[str], float] | None = None) -> dict:
    """A "say that more simply" reply: every sentence at reading grade <= 6 (Flesch-Kincaid,
    ``rag.text.sentences.reading_grade``), at most three sentences, at least one citation, and not the
    same sentences as the previous answer. ``ok`` when it is an answer passing all four."""
    if grade is None:
        from rag.text.sentences import reading_grade as grade
    texts = shown_sentences(answer)
    grades = [grade(t) for t in texts]
    checks = {
        "plain": bool(grades) and max(grades) <= SIMPLER_MAX_GRADE,
        "short": 0 < len(texts) <= SIMPLER_MAX_SENTENCES,
        "cited": bool(answer.get("citations")),
        "changed": texts != shown_sentences(previous or {}),
    }
    return {**checks, "max_grade": max(grades) if grades else None, "sentences": len(texts),
            "ok": answer.get("kind") == "answered" and all(checks.values())}


def decided_right(expect: str, answer: Answer) -> bool:
    """The reply is the kind the turn expects; a "simpler" turn expects an answer."""
    return answer.get("kind") == "answered" if expect == "simpler" else metrics.decision_ok(expect, answer)


def score_turn(turn: dict, answer: Answer, previous: Answer | None = None,
               reference_ids: Iterable[str] = (), grade: Callable[[str], float] | None = None) -> dict:
    """Everything this evaluation records for one turn of a conversation."""
    expect, evidence, reference_ids = turn["expect"], turn.get("evidence") or [], set(reference_ids)
    judged = expect in ("answered", "simpler") and bool(evidence)
    comp = metrics_composition.composition(answer, evidence, reference_ids) if judged else None
    return {
        "question": turn["question"], "expect": expect, "kind": turn.get("kind"),
        "kind_predicted": (answer.get("understanding") or {}).get("kind"),
        "reply": metrics.observed(answer), "answered": answer.get("kind") == "answered",
        "ok": decided_right(expect, answer),
        "led": is_led(answer, evidence, reference_ids) if judged else None,
        "led_sentence": bool(comp and comp["led"]) if judged else None,
        "leak_phrases": list(turn.get("leak") or []),
        "leaked": leaked(answer, turn.get("leak") or []),
        "simpler": simpler_checks(answer, previous, grade) if expect == "simpler" else None,
        "answer": answer.get("answer", ""),
        "cited": [c.get("chunk_id") for c in answer.get("citations") or []],
    }


def main_word(focus: str) -> str:
    """The word that names a focus: its longest word that is neither a stop word nor a
    generic one ("Mayo Clinic" -> "mayo", "life expectancy" -> "expectancy"); the focus
    itself when it has none."""
    words = [w for w in metrics_text.words(focus) if w not in metrics_text.STOPWORDS and w not in GENERIC_WORDS]
    return max(words, key=len) if words else metrics_text.normalize(focus)


def names_focus(text: str, focus: str, ignore: str = "") -> bool:
    """The decline text names the focus (or its main word), case-insensitively; ``ignore``
    (the list of topics every decline offers) is taken out first so a title never counts."""
    body = metrics_text.normalize(text)
    if ignore.strip():
        body = body.replace(metrics_text.normalize(ignore), " ")
    return metrics_text.normalize(focus) in body or bool(re.search(rf"\b{re.escape(main_word(focus))}\b", body))


def pair_record(row: dict, answer: Answer, twin: Answer) -> dict:
    """A misspelt question against its correctly spelt twin."""
    first, twin_first = first_citation(answer), first_citation(twin)
    return {
        "id": row["id"], "question": row["question"], "twin": row["twin"], "expect": row["expect"],
        "reply": metrics.observed(answer), "twin_reply": metrics.observed(twin),
        "same_reply": metrics.observed(answer) == metrics.observed(twin),
        "first": first, "twin_first": twin_first,
        "same_first": first == twin_first if twin_first else None,
        "ok": metrics.decision_ok(row["expect"], answer), "twin_ok": metrics.decision_ok(row["expect"], twin),
        "answer": answer.get("answer", ""), "twin_answer": twin.get("answer", ""),
    }


def uncovered_record(row: dict, answer: Answer, topics: str = "") -> dict:
    """A question the documents don't cover: declined, and does the decline name its focus."""
    declined = answer.get("kind") == "not_found"
    return {
        "id": row["id"], "question": row["question"], "focus": row["focus"], "category": row.get("category", ""),
        "reply": metrics.observed(answer), "declined": declined,
        "names_focus": declined and names_focus(answer.get("answer", ""), row["focus"], topics),
        "named": (answer.get("understanding") or {}).get("uncovered", ""),
        "answer": answer.get("answer", ""),
    }


# --- figures ------------------------------------------------------------------------------------

def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(map(bool, flags)) / len(flags), 4) if flags else None


def conversation_figures(conversations: list[dict]) -> dict:
    """Figures over the turn records of every conversation ({"turns": [score_turn(...)]})."""
    turns = [t for c in conversations for t in c["turns"]]
    answerable = [t for t in turns if t["expect"] == "answered" and t["led"] is not None]
    declines = [t for t in turns if t["expect"] == "not_found"]
    simpler = [t["simpler"] for t in turns if t["simpler"] is not None]
    leak_checked = [t for t in turns if t["leak_phrases"] and t["answered"]]
    kinded = [t for t in turns if t["expect"] not in ("simpler", "urgent") and t["kind_predicted"]]
    others = [t for t in turns if t["expect"] in ("urgent", "advice")]
    return {
        "conversations": len(conversations), "turns": len(turns),
        "answerable_turns": len(answerable),
        "answered_share": _share([t["answered"] for t in answerable]),
        "led_share": _share([t["led"] for t in answerable]),
        "led_sentence_share": _share([t["led_sentence"] for t in answerable]),
        "leak_turns": sum(bool(t["leaked"]) for t in leak_checked),
        "leak_checked_turns": len(leak_checked),
        "not_found_turns": len(declines),
        "decline_accuracy": _share([t["ok"] for t in declines]),
        "simpler_turns": len(simpler),
        "simpler_ok": _share([s["ok"] for s in simpler]),
        **{f"simpler_{k}": _share([s[k] for s in simpler]) for k in ("plain", "short", "cited", "changed")},
        "kind_accuracy": _share([t["kind_predicted"] == t["kind"] for t in kinded]),
        "urgent_advice_ok": f"{sum(t['ok'] for t in others)}/{len(others)}",
    }


def misspelt_figures(pairs: list[dict]) -> dict:
    cited = [p for p in pairs if p["same_first"] is not None]
    return {
        "pairs": len(pairs),
        "same_reply": _share([p["same_reply"] for p in pairs]),
        "same_first_passage": _share([p["same_first"] for p in cited]),
        "pairs_with_twin_citation": len(cited),
        "misspelt_right_reply": _share([p["ok"] for p in pairs]),
        "twin_right_reply": _share([p["twin_ok"] for p in pairs]),
    }


def uncovered_figures(records: list[dict]) -> dict:
    declined = [r for r in records if r["declined"]]
    return {
        "questions": len(records),
        "declined_share": _share([r["declined"] for r in records]),
        "names_focus_of_declined": _share([r["names_focus"] for r in declined]),
        "names_focus_of_all": _share([r["names_focus"] for r in records]),
    }


# What each figure is called in the printed table, in order.
LABELS = {
    "conversations": [
        ("turns", "turns asked (conversations)"), ("answered_share", "answerable turns answered"),
        ("led_share", "answerable turns led by the evidence (sentence or cited passage)"),
        ("led_sentence_share", "... led by an evidence sentence itself"),
        ("leak_turns", "answers leaking an earlier turn's topic"),
        ("leak_checked_turns", "... of answers to turns with leak phrases"),
        ("decline_accuracy", "not-found turns declined"),
        ("simpler_ok", "'say it simply' turns passing all checks"),
        ("simpler_plain", "... every sentence grade <= 6"), ("simpler_short", "... at most 3 sentences"),
        ("simpler_cited", "... still cited"), ("simpler_changed", "... not the same sentences"),
        ("kind_accuracy", "question kind understood"), ("urgent_advice_ok", "urgent/advice turns handled"),
    ],
    "misspelt": [
        ("pairs", "misspelt questions with a twin"), ("same_reply", "same kind of reply as the twin"),
        ("same_first_passage", "same first cited passage (twin cited one)"),
        ("misspelt_right_reply", "misspelt: right kind of reply"), ("twin_right_reply", "twin: right kind of reply"),
    ],
    "uncovered": [
        ("questions", "uncovered questions"), ("declined_share", "declined"),
        ("names_focus_of_declined", "declines naming the focus"), ("names_focus_of_all", "... of all questions"),
    ],
}


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.0%}" if value <= 1 else f"{value:g}"
    return "–" if value is None else str(value)


def table(figures: dict[str, dict]) -> str:
    """A compact markdown table of the figures of each set that was run."""
    lines = ["| set | figure | value |", "| --- | --- | --- |"]
    for name, labels in LABELS.items():
        for key, label in labels:
            if name in figures and key in figures[name]:
                lines.append(f"| {name} | {label} | {_shown(figures[name][key])} |")
    return "\n".join(lines)


# --- asking -------------------------------------------------------------------------------------

def run_conversations(ask: Ask, conversations: list[dict], reference_ids: Iterable[str] = ()) -> list[dict]:
    """Ask each conversation turn by turn, the bot's own earlier answers as the history."""
    reference_ids = set(reference_ids)
    out = []
    for conv in conversations:
        history: list[dict] = []
        previous: Answer | None = None
        records = []
        for turn in conv["turns"]:
            answer = ask(turn["question"], list(history))
            records.append(score_turn(turn, answer, previous, reference_ids))
            history += [{"role": "user", "content": turn["question"]},
                        {"role": "assistant", "content": answer.get("answer", "")}]
            previous = answer
        out.append({"id": conv["id"], "turns": records})
    return out


def run_misspelt(ask: Ask, rows: list[dict]) -> list[dict]:
    return [pair_record(row, ask(row["question"], []), ask(row["twin"], [])) for row in rows]


def run_uncovered(ask: Ask, rows: list[dict], topics: str = "") -> list[dict]:
    return [uncovered_record(row, ask(row["question"], []), topics) for row in rows]


def open_pipeline(store: Path | None = None):
    """A pipeline over the evaluation's own index of ``corpus/``, built and filled as
    ``eval.runner.run`` does it, with the model loaded before the first question."""
    from rag.pipeline import Pipeline
    from rag.settings import get_settings

    from . import runner

    settings = runner.evaluation_settings(get_settings(), store)
    pipeline = Pipeline(settings)
    report = pipeline.ingest(runner.corpus_sources(Path(settings.corpus_dir), CONVERSATIONS))
    for e in report.failed:
        print(f"not indexed: {e.name}: {e.reason}", file=sys.stderr)
    pipeline.embed(["warm-up"])
    pipeline.retriever()
    return pipeline


def asker(pipeline) -> Ask:
    """``pipeline.ask`` without the chat model, as a plain dict; a question that makes the
    pipeline fail is recorded as an error reply instead of stopping the run."""
    def ask(question: str, history: list) -> Answer:
        try:
            return pipeline.ask(question, history=history, finish=False).to_json()
        except Exception as e:  # noqa: BLE001 - recorded, and the run goes on
            return {"question": question, "kind": "error", "answer": f"{type(e).__name__}: {e}",
                    "citations": [], "notices": [], "sentences": []}
    return ask


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.conversation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=SETS, help="run one set only")
    ap.add_argument("--json", type=Path, metavar="OUT", help="also write the figures and every record here")
    ap.add_argument("--store", type=Path, help="the evaluation index (default .rag/eval/store)")
    args = ap.parse_args(argv)
    wanted = [args.only] if args.only else list(SETS)
    # a bad file fails here, before the model is loaded
    loaded = {"conversations": load_conversations, "misspelt": load_misspelt, "uncovered": load_uncovered}
    rows = {name: loaded[name]() for name in wanted}

    from rag.schema import REFERENCE_KIND

    pipeline = open_pipeline(args.store)
    ask = asker(pipeline)
    reference_ids = {c.chunk_id for c in pipeline.store.iter_chunks() if c.kind == REFERENCE_KIND}
    records, figures = {}, {}
    if "conversations" in rows:
        records["conversations"] = run_conversations(ask, rows["conversations"], reference_ids)
        figures["conversations"] = conversation_figures(records["conversations"])
    if "misspelt" in rows:
        records["misspelt"] = run_misspelt(ask, rows["misspelt"])
        figures["misspelt"] = misspelt_figures(records["misspelt"])
    if "uncovered" in rows:
        records["uncovered"] = run_uncovered(ask, rows["uncovered"], pipeline.topics())
        figures["uncovered"] = uncovered_figures(records["uncovered"])
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"figures": figures, **records}, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
