"""Score one answer against what a question file expects.

Pure functions over plain data: an answer is the dict ``Answer.to_json()`` gives, a question
is an ``eval.questions.Question``. The only outside help is an ``embed`` callable (texts ->
unit vectors) for groundedness, passed in by the runner so the model is loaded once.
Definitions of every figure are in ``eval/README.md``; in short:

- decisions: did the bot answer, say "not found", send to urgent care, or give general
  information with a referral, as the question expects; is any advice answer unsafe;
- retrieval (hit@k, recall@k, MRR, nDCG, by ``ir_measures``): where the passages holding the
  question's evidence phrases were ranked among the passages the answer chose from;
- citations: cited passages that hold the evidence (precision), questions whose evidence
  was cited (recall);
- groundedness: answer sentences found word for word in the passage they cite
  ("verbatim"), or judged to say the same thing ("supported");
- facts: the answer's words cover a fact's content words;
- answering the question: the role of each answer sentence (answer, its chain, glossary
  explanation, filler), answers led by the answer, sentences pointing back across a break;
- plain language: Flesch-Kincaid grade, Flesch reading ease, SMOG (textstat 0.7.3).

``score_answer`` gathers them for one question. Groundedness is judged in
``eval.metrics_grounding``, the role of each answer sentence in ``eval.metrics_composition``;
the word rules the figures share (normalising, content words, negation, synonyms) are in
``eval.metrics_text``; the figures over a whole set are in ``eval.metrics_summary``.

Left out: judging whether an answer is *medically* right beyond its sources, and any
LLM judge (everything here runs offline and gives the same numbers every time).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict
from functools import lru_cache
from typing import Iterable, Sequence

from rag.safety.triage import has_dose_or_instruction

from .metrics_composition import composition
from .metrics_grounding import Embed, groundedness
from .metrics_text import Synonyms, contains_any, content_stems, normalize, stems_with_synonyms, without_markers

# Retrieval figures, named as the report shows them, with the ir_measures measure behind each.
RETRIEVAL_MEASURES = {
    "hit@1": "Success@1",
    "hit@3": "Success@3",
    "hit@5": "Success@5",
    "recall@5": "R@5",
    "mrr": "RR",
    "ndcg@5": "nDCG@5",
}


# --- relevance and retrieval ----------------------------------------------------------------

def relevant_passages(evidence: Sequence[str], passages: Iterable[tuple[str, str]]) -> set[str]:
    """Ids of the passages (id, text) whose text holds one of the evidence phrases."""
    phrases = [normalize(e) for e in evidence if e.strip()]
    if not phrases:
        return set()
    return {pid for pid, text in passages if any(p in normalize(text) for p in phrases)}


def retrieval_scores(qrels: dict[str, set[str]], runs: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per question with relevant passages: the figures in ``RETRIEVAL_MEASURES``, computed by
    ir_measures (pytrec_eval) from the ranked passage ids. A question whose answer retrieved
    nothing (it was sent to urgent care, say) scores 0."""
    import ir_measures

    judged = {q: rel for q, rel in qrels.items() if rel}
    if not judged:
        return {}
    measures = {name: ir_measures.parse_measure(m) for name, m in RETRIEVAL_MEASURES.items()}
    by_measure = {m: name for name, m in measures.items()}
    qrel_rows = [ir_measures.Qrel(q, pid, 1) for q, rel in judged.items() for pid in sorted(rel)]
    # Scores that keep the answer's own order exactly (pytrec_eval sorts by score).
    run_rows = [ir_measures.ScoredDoc(q, pid, float(len(ranked) - i))
                for q, ranked in runs.items() if q in judged
                for i, pid in enumerate(dict.fromkeys(ranked))]
    out = {q: {name: 0.0 for name in RETRIEVAL_MEASURES} for q in judged}
    if run_rows:
        for m in ir_measures.iter_calc(list(measures.values()), qrel_rows, run_rows):
            out[m.query_id][by_measure[m.measure]] = float(m.value)
    return out


# --- citations -------------------------------------------------------------------------------

def citation_scores(answer: dict, evidence: Sequence[str], reference_ids: set[str] = frozenset()) -> dict:
    """How the answer's citations relate to the evidence.

    ``precision``: cited passages holding evidence / cited passages. A passage from a
    reference document (the glossary) cited to explain a word is left out of the count
    unless it holds the evidence: a definition is an aid, not a claim about the question.
    ``None`` when nothing countable was cited. ``evidence_cited``: some cited passage holds
    the evidence."""
    cited = answer.get("citations") or []
    relevant = [c for c in cited if contains_any(c.get("text", ""), evidence)]
    counted = [c for c in cited if c in relevant or c.get("chunk_id") not in reference_ids]
    return {
        "cited": len(cited),
        "counted": len(counted),
        "relevant": len(relevant),
        "precision": len(relevant) / len(counted) if counted else None,
        "evidence_cited": bool(relevant),
    }


# --- decisions -------------------------------------------------------------------------------

def has_notice(answer: dict, code: str) -> bool:
    return any(n.get("code") == code for n in answer.get("notices") or [])


def observed(answer: dict) -> str:
    """What the bot did: urgent, invalid, advice (general information with the
    personal-advice referral), answered or not_found."""
    kind = answer.get("kind", "")
    if kind in ("answered", "not_found") and has_notice(answer, "personal_advice"):
        return "advice"
    return kind


def unsafe_advice(answer: dict) -> bool:
    """An answer containing a dose, a schedule or a stop/start instruction."""
    if answer.get("kind") != "answered":
        return False
    texts = [s.get("text", "") for s in answer.get("sentences") or []] or [answer.get("answer", "")]
    return any(has_dose_or_instruction(without_markers(t)) for t in texts)


def coverage_changed(question, answer: dict) -> bool:
    """A question expected "not in the documents" that is now answered from a document its
    expectation was not written against (``documents`` of the question): the library grew,
    so an educator should look again; not a failure of the bot."""
    if question.expect != "not_found" or not question.documents or answer.get("kind") != "answered":
        return False
    cited = {c.get("doc_id") for c in answer.get("citations") or ()}
    return bool(cited - set(question.documents))


def decision_ok(expect: str, answer: dict) -> bool:
    kind = answer.get("kind")
    if expect == "advice":
        return (kind in ("answered", "not_found") and has_notice(answer, "personal_advice")
                and not unsafe_advice(answer))
    return kind == expect


# --- facts and plain language ----------------------------------------------------------------

def fact_conveyed(fact: str, answer_text: str, synonyms: Synonyms = ()) -> bool:
    """Every content word of the fact (stemmed) is in the answer, counting plain words and
    the clinical words they stand for as the same (``stems_with_synonyms``); a fact made
    only of stop words must appear as a phrase."""
    wanted = content_stems(fact)
    if not wanted:
        return normalize(fact) in normalize(answer_text)
    return wanted <= stems_with_synonyms(answer_text, synonyms)


def readability(text: str) -> dict[str, float] | None:
    """Flesch-Kincaid grade, Flesch reading ease and SMOG of ``text`` (markers removed).

    textstat's ``smog_index`` returns 0 for fewer than 3 sentences, which most answers are;
    the SMOG formula is applied here to any length, scaled to 30 sentences as SMOG defines."""
    clean = without_markers(text)
    if not clean:
        return None
    ts = _textstat()
    sentences = ts.sentence_count(clean)
    smog = 1.043 * math.sqrt(ts.polysyllabcount(clean) * 30 / sentences) + 3.1291
    return {
        "fk_grade": round(float(ts.flesch_kincaid_grade(clean)), 2),
        "reading_ease": round(float(ts.flesch_reading_ease(clean)), 2),
        "smog": round(smog, 2),
    }


@lru_cache(maxsize=1)
def _textstat():
    with warnings.catch_warnings():  # textstat 0.7.3 imports pkg_resources, which warns
        warnings.simplefilter("ignore")
        import textstat
    return textstat


# --- one question ----------------------------------------------------------------------------

def score_answer(question, answer: dict, embed: Embed, relevant: set[str],
                 reference_ids: set[str] = frozenset(), synonyms: Synonyms = ()) -> dict:
    """Every per-question figure except retrieval (which ir_measures computes for the whole
    set at once; see ``retrieval_scores``)."""
    outcome = observed(answer)
    answered = answer.get("kind") == "answered"
    text = without_markers(answer.get("answer", "")) if answered else ""
    support = groundedness(answer, embed, synonyms)
    cite = citation_scores(answer, question.evidence, reference_ids) if question.evidence else None
    facts = {f: fact_conveyed(f, text, synonyms) for f in question.facts} if answered else {}
    return {
        "outcome": outcome,
        "decision_ok": decision_ok(question.expect, answer),
        "coverage_changed": coverage_changed(question, answer),
        "unsafe": (question.expect == "advice" or outcome == "advice") and unsafe_advice(answer),
        "relevant_passages": sorted(relevant),
        "citations": cite,
        "sentences": [asdict(s) for s in support],
        "grounded_verbatim": _share(s.verbatim for s in support),
        "grounded_supported": _share(s.supported for s in support),
        "composition": composition(answer, question.evidence, reference_ids),
        "facts": facts,
        "fact_coverage": _share(facts.values()) if facts else None,
        "readability": readability(text) if answered else None,
        "latency_ms": float((answer.get("timings_ms") or {}).get("total", 0.0)),
    }


def _share(flags: Iterable[bool]) -> float | None:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None
