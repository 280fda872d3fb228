"""Does the answer answer the question: what each sentence of an answer does for it, and
where the answer loses its thread.

Each sentence of an answered answer gets one role, judged on its source (the document
sentence it was reworded from, else its text): ``answer`` (holds an evidence phrase),
``chain`` (the document sentence next to an answering one that points back to it, or
another item or the lead-in of an answering list), ``glossary`` (explains a word from a
reference passage) or ``filler``. Also listed: sentences that point back ("This...",
"Examples are...") to something that no longer comes just before them, and sentences that
stop where the list they announce should start. Definitions: ``eval/README.md``,
"Answering the question".

Left out: the figures over a set of answers (``eval.metrics_summary.answer_figures``), and
whether an answering sentence answers well (it holds the evidence phrase, that is all).
"""

from __future__ import annotations

import re
from typing import Sequence

from rag.text.cleaning import LIST_MARK

from .metrics_text import contains_any, content_stems, normalize, without_markers

# An opening that points back to what came just before it: a pronoun, a determiner, a
# connective, or one of a few nouns that only make sense after their antecedent. Read on
# the sentence as the patient sees it (markers and list labels removed).
POINTS_BACK = re.compile(
    r"^[\"'(\[]*(?:this|these|that|those|it|its|they|their|them|such|then|"
    r"but|however|also|additionally|furthermore|moreover|therefore|thus|hence|otherwise|instead|"
    r"in addition|as a result|in this way|for (?:example|instance)|examples? (?:are|is|include)|"
    r"the (?:procedure|process|latter|former|same)|(?:each|all|some|many|most|one|none) of (?:these|those|them)|"
    r"(?:in|with|of|for|from|by|after|during|like|unlike|besides) (?:it|this|these|them|that|those))\b",
    re.I)
ROLES = ("answer", "chain", "glossary", "filler")
# A sentence that ends where its list should begin ("Complications include.", "... if."):
# the list it introduced was left behind.
DANGLING_LEAD = re.compile(r"(?:\binclude[sd]?|\bincluding|\bsuch as|\bas follows|\bthe following(?: \w+)?|\bif|"
                           r"\bmay be|\bare|\bis|\bto|\bwith|\bfor|\band|\bor|\bof|:)\s*[:.]?$", re.I)


def dangling_lead(text: str) -> bool:
    """The sentence stops where the list it announces should start."""
    return bool(DANGLING_LEAD.search(without_markers(text).strip()))


def points_back(text: str) -> bool:
    """The sentence opens by pointing back ("This...", "These...", "It...", "Examples are...",
    "The procedure...", "But...")."""
    return bool(POINTS_BACK.match(LIST_MARK.sub("", without_markers(text)).strip()))


def _units(passage: str) -> list[str]:
    """The passage's sentences and list items, normalised, in document order."""
    flat = " ".join(passage.split())
    parts = re.split(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9-])|\s+(?=[-*\u2022]\s)", flat)
    return [u for u in (normalize(LIST_MARK.sub("", p)).strip() for p in parts) if u]


def unit_span(source: str, passage: str) -> tuple[int, int] | None:
    """Where ``source`` (a sentence the answer took from the passage) sits in the passage:
    (first, last) index of the passage sentences it lies in or covers; for a sentence not
    found word for word, the passage sentence sharing most of its content words (at least
    half of them); None when nothing fits."""
    units = _units(passage)
    src = normalize(LIST_MARK.sub("", without_markers(source))).strip().rstrip(".")
    if not src or not units:
        return None
    inside = [i for i, u in enumerate(units) if src in u]
    if inside:
        return inside[0], inside[0]
    covered = [i for i, u in enumerate(units) if u.rstrip(".") and u.rstrip(".") in src]
    if covered:
        return covered[0], covered[-1]
    mine = content_stems(src)
    if not mine:
        return None
    best = max(range(len(units)), key=lambda i: len(mine & content_stems(units[i])))
    return (best, best) if len(mine & content_stems(units[best])) >= len(mine) / 2 else None


def composition(answer: dict, evidence: Sequence[str], reference_ids: set[str] = frozenset()) -> dict | None:
    """What each sentence of an answered answer does for the question, and where the answer
    loses its thread.

    Roles, per sentence: ``answer`` (its source, the quote when the text was reworded, else
    the text, holds an evidence phrase); ``chain`` (from the same passage as an answer or
    chain sentence, the sentence just after it in the document that points back to it, or
    just before one that points back; or another item, or the lead-in, of a list one of whose
    items is an answer); ``glossary`` (cites a reference passage and holds no
    evidence); ``filler`` (anything else). ``breaks``: indexes of sentences that point back
    although the sentence before them in the answer is not their predecessor in the same
    passage (another passage, a glossary explanation, nothing at all, or a sentence further
    up the passage). ``led``: an answer sentence is among the first two (None without
    evidence). None for a reply that is not an answer."""
    if answer.get("kind") != "answered":
        return None
    by_n = {c["n"]: c for c in answer.get("citations") or []}
    rows = []
    for s in answer.get("sentences") or []:
        cited = by_n.get(s.get("citation"), {})
        source = s.get("quote") or s.get("text", "")
        rows.append({
            "chunk": cited.get("chunk_id"),
            "span": unit_span(source, cited.get("text", "")) if cited else None,
            "answer": bool(evidence) and contains_any(source, evidence),
            "glossary": cited.get("chunk_id") in reference_ids,
            "source_back": points_back(source),
            "text_back": points_back(s.get("text", "")),
        })

    def linked(a: dict, b: dict) -> bool:
        """b is the document sentence right after a (or a piece of the same one) and one
        of them points back to the other."""
        if a["chunk"] != b["chunk"] or a["chunk"] is None or not a["span"] or not b["span"]:
            return False
        if b["span"][0] == a["span"][1] + 1:
            return b["source_back"]
        if a["span"][0] == b["span"][1] + 1:
            return a["source_back"]
        return False

    roles = ["answer" if r["answer"] else "glossary" if r["glossary"] else "" for r in rows]
    grown = True
    while grown:  # a chain may run on: "The procedure involves... This aims to..."
        grown = False
        for i, r in enumerate(rows):
            if not roles[i] and any(roles[j] in ("answer", "chain") and (linked(rows[j], r) or linked(r, rows[j]))
                                    for j in range(len(rows))):
                roles[i], grown = "chain", True
    # A list answers as a whole: when one item (or its lead-in, "Complications include:")
    # holds the evidence, its other items and lead-in are part of the answer, not filler.
    sentences = answer.get("sentences") or []
    runs, run = [], []
    for i, s in enumerate(sentences):
        in_list = s.get("list_item") or (s.get("text", "").rstrip().endswith(":") and i + 1 < len(sentences)
                                         and sentences[i + 1].get("list_item"))
        if in_list and (not run or rows[run[-1]]["chunk"] == rows[i]["chunk"]):
            run.append(i)
        else:
            runs.append(run)
            run = [i] if in_list else []
    runs.append(run)
    for run in runs:
        if any(roles[i] == "answer" for i in run):
            for i in run:
                roles[i] = roles[i] or "chain"
    roles = [role or "filler" for role in roles]

    breaks = []
    for i, r in enumerate(rows):
        if not i or not r["text_back"]:
            continue
        prev = rows[i - 1]
        follows = (not prev["glossary"] and prev["chunk"] == r["chunk"]
                   and (not prev["span"] or not r["span"] or prev["span"][1] <= r["span"][0] <= prev["span"][1] + 1))
        if not follows:
            breaks.append(i)
    return {
        "roles": roles,
        "breaks": breaks,
        # a lead-in followed by its list items ("Complications include:" then bullets) is whole
        "dangling": [i for i, s in enumerate(sentences) if dangling_lead(s.get("text", ""))
                     and not (i + 1 < len(sentences) and sentences[i + 1].get("list_item"))],
        "led": any(role == "answer" for role in roles[:2]) if evidence else None,
        "answering": roles.count("answer"),
    }
