"""The scoring of ``python -m eval.conversation``: one reply at a time (a conversation's turn,
a misspelt question beside its twin, an uncovered question's decline), then the figures
over every record of a set and the compact table they are printed as.

Plain dicts in (``Answer.to_json()`` and the file rows), plain values out, so everything
here is tested on hand-made answers (``tests/test_eval_conversation.py``).

Left out: reading the set files (``eval.conversation_sets``) and asking the pipeline
(``eval.conversation``).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from . import metrics, metrics_composition, metrics_text

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
    phrase in its source (``metrics_composition.composition``'s ``led``) or cites a
    passage that holds one. None without evidence; False for a reply that is not an answer."""
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


def sources(answer: Answer) -> list[str]:
    """The document sentence each answer sentence says (its ``quote``; its text when it is
    quoted as is), markers removed."""
    return [metrics_text.without_markers(s.get("quote") or s.get("text", "")).strip()
            for s in answer.get("sentences") or []]


def kept_point(answer: Answer, previous: Answer | None) -> bool:
    """Whether ``answer`` says again, in any words, the document sentence ``previous`` led with."""
    earlier = sources(previous or {})
    return bool(earlier) and earlier[0] in sources(answer)


def simpler_checks(answer: Answer, previous: Answer | None,
                   grade: Callable[[str], float] | None = None) -> dict:
    """A "say that more simply" reply: every sentence at reading grade <= 6 (Flesch-Kincaid,
    ``rag.text.sentences.reading_grade``), at most three sentences, at least one citation, not the
    same sentences as the previous answer, and the previous answer's main point kept (``kept``:
    a sentence of the reply says the document sentence it led with: "The procedure has risks."
    does not say "... holds promise as a potential curative therapy"). ``ok`` when it is an
    answer passing all five."""
    if grade is None:
        from rag.text.sentences import reading_grade as grade
    texts = shown_sentences(answer)
    grades = [grade(t) for t in texts]
    checks = {
        "plain": bool(grades) and max(grades) <= SIMPLER_MAX_GRADE,
        "short": 0 < len(texts) <= SIMPLER_MAX_SENTENCES,
        "cited": bool(answer.get("citations")),
        "changed": texts != shown_sentences(previous or {}),
        "kept": kept_point(answer, previous),
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
        **{f"simpler_{k}": _share([s[k] for s in simpler]) for k in ("plain", "short", "cited", "changed", "kept")},
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
        ("simpler_kept", "... the main point kept"),
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
