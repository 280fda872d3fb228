"""Which of the candidate sentences an answer uses, and in what order they are told: the
rules' hand-set weights (``SelectionParams``) and ``choose``.

The answer is told in *units*: first the lead, the on-topic sentence that best answers this
kind of question; then a few supporting sentences within ``margin`` of it (under the learned
scorer: above its floor). A sentence that points back ("This therapy...") always comes right
after the sentence it points to. An item of an announced list brings the lead-in and the
other items, and when the lead is an item of a list and the question asks for options,
symptoms, risks or the like (``LIST_KINDS``), the answer is that list, item by item.

Left out: scoring the candidates (``rag.compose.extract``, or the learned
``rag.compose.scorer``), which sentences may be quoted at all (``rag.compose.extract.quotable``)
and citing the chosen ones (``rag.compose.extract.compose``).
"""

from __future__ import annotations

import re

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rag.compose.candidates import Candidate, previous_in_passage
from rag.text.sentences import about_earlier, points_back
from rag.compose.sentence_kinds import KINDS_NEEDING_CUES, cue_strength


@dataclass(frozen=True)
class SelectionParams:
    similarity_weight: float = 1.0
    coverage_weight: float = 1.0
    passage_weight: float = 1.0  # times the passage's own cosine to the question
    margin: float = 0.2  # keep sentences within this of the best score
    redundancy: float = 0.85  # cosine above which two sentences say the same thing
    min_words: int = 5
    per_passage: int = 2  # most sentences taken from one passage (a chain's partner is extra)
    simplicity_weight: float = 0.01  # score lost per reading grade above 8 (prefers plainer sentences)
    expanded_weight: float = 1.0  # 0: judge sentences against the question as asked; 1: with expansions
    kind_weight: float = 0.3  # added for a sentence holding the asked kind's cues (3 or more: all of it)
    passage_kind_weight: float = 0.2  # times the chance that the sentence's passage answers the kind asked
    own_word: float = 0.5  # ... and this share more when it uses the question's word for the kind
    own_word_yes_no: float = 1.0  # ... for a yes/no question, where that word settles it
    list_items: int = 6  # most items when a list answers the question
    broad_list_weight: float = 0.3  # added for a list item when a broad question asks for options
    list_words: int = 170  # a list answer may run longer than a prose one


# Kinds of question a list in the documents can answer whole ("what treatments are there").
LIST_KINDS = frozenset({"treatment", "symptoms", "risks", "self_care", "research", "cause", "who_for", "other"})


def choose(cands: list[Candidate], scores: np.ndarray, vectors: np.ndarray, params: SelectionParams,
           max_sentences: int, max_words: int, allowed: list[bool] | None = None,
           cues: np.ndarray | None = None, on_topic: list[bool] | None = None,
           kind: str = "other", floor: float | None = None,
           bare_lists: bool = True, supports: Sequence[bool] | None = None) -> tuple[list[list[int]], set[int]]:
    """The sentences to use, as *units* in the order they are told: the lead unit first
    (the on-topic sentence that best answers this kind of question), then supporting ones.
    A unit is a sentence with the sentence it points back to right before it, so nothing
    ever comes between "X is a new treatment." and "It has risks."; or a list: an item of
    an announced list brings the announcement and its items, and a question about options
    whose best sentence is an item is answered with the whole list (with ``bare_lists``
    False, only a list a lead-in announces: a page's bullet points that merely follow one
    another are told one by one). With ``floor`` (the learned scorer's), a supporting
    sentence must score at least that; with ``supports``, a supporting sentence must be one
    it marks (the one it points back to comes along all the same). Returns (units, the
    indices of the units that are lists)."""
    n = len(cands)
    cues = np.zeros(n, dtype=np.float32) if cues is None else cues
    on_topic = [True] * n if on_topic is None else on_topic
    ok = [(allowed is None or allowed[i]) for i in range(n)]
    ranked = scores + params.kind_weight * cues
    order = [int(i) for i in np.argsort(-ranked, kind="stable") if ok[i] and on_topic[i]]
    if not order:
        order = [int(i) for i in np.argsort(-ranked, kind="stable") if ok[i]][:1]
    if not order:
        return [], set()
    if kind in KINDS_NEEDING_CUES or (kind not in ("definition", "other") and defines(cands[order[0]].text)
                                      and cues[order[0]] <= 0):
        # a risk question leads with a sentence that names a risk, when an on-topic one does;
        # nor does any other kind lead with what the thing is ("Scleroderma is a rare autoimmune
        # disease ..." for "is there anything that helps the skin") when a sentence answers it
        cued = [i for i in order if cues[i] > 0 and on_topic[i]]
        if cued:
            order = [cued[0]] + [i for i in order if i != cued[0]]
    prev = previous_in_passage(cands)
    nxt = {p: i for i, p in enumerate(prev) if p is not None}

    def whole_list(g: int) -> list[int]:
        members = sorted((i for i in range(n) if cands[i].group == g and ok[i]), key=lambda i: cands[i].start)
        heads = [i for i in members if cands[i].lead_in]
        kept, words = heads[:1], sum(cands[i].words for i in heads[:1])
        for i in (i for i in members if cands[i].list_item):
            if _said(cands[i].text) in {_said(cands[j].text) for j in kept}:
                continue  # an item the page lists twice
            if len(kept) > params.list_items or (kept and words + cands[i].words > max(max_words, params.list_words)):
                break
            kept.append(i)
            words += cands[i].words
        # a lead-in is never told without its items ("Sometimes surgery may be used to treat")
        return kept if any(cands[i].list_item for i in kept) else []

    announced_lists = {c.group for c in cands if c.lead_in}
    lead = order[0]
    g = cands[lead].group
    announced = g in announced_lists
    if g >= 0 and (announced or (bare_lists and kind in LIST_KINDS)):
        members = [i for i in range(n) if cands[i].group == g and cands[i].list_item and ok[i]]
        # a list answers a question about the options, not one naming a single item of it
        kept = whole_list(g)
        if kept and len(members) >= 2 and (announced or sum(on_topic[i] for i in members) >= 2):
            if not announced and cues[lead] > cues[kept[0]]:
                # a bare list of statements ("key points"): the item that says what was asked
                # comes before a first that says it less ("X is the most common form of ...",
                # "X is a genetic disease" before "X is caused by an inherited mutation")
                rest = [i for i in kept if i != lead]
                kept = [lead] + (rest if lead in kept else rest[:-1])
            return [kept], {0}

    best = float(ranked[lead])
    units: list[list[int]] = []
    lists: set[int] = set()
    placed: set[int] = set()
    words = 0
    for i in order:
        if len(placed) >= max_sentences or float(ranked[i]) < best - params.margin:
            break
        if placed and floor is not None and float(ranked[i]) < floor:
            break
        if placed and supports is not None and not supports[i]:
            continue
        if i in placed or any(float(vectors[i] @ vectors[j]) > params.redundancy for j in placed):
            continue
        if _said(cands[i].text) in {_said(cands[j].text) for j in placed}:
            continue  # a sentence a page repeats word for word (its context differed, its vector too)
        g = cands[i].group
        if g in announced_lists:
            unit = [j for j in whole_list(g) if j not in placed]  # an announced list comes whole
            cost = sum(cands[j].words for j in unit)
            if unit and (not placed or words + cost <= max(max_words, params.list_words)):
                lists.add(len(units))
                units.append(unit)
                placed.update(unit)
                words += cost
            continue
        if sum(cands[j].passage == cands[i].passage for j in placed) >= params.per_passage:
            continue
        # a step of a procedure comes after the step before it ("The harvested cells are
        # then reinfused" after "The procedure involves harvesting...")
        p = prev[i] if points_back(cands[i].text) or (kind == "procedure" and about_earlier(cands[i].text)) else None
        need = [p] if p is not None and p not in placed and ok[p] \
            and _said(cands[p].text) not in {_said(cands[j].text) for j in placed} else []
        cost = cands[i].words + sum(cands[j].words for j in need)
        if placed and (words + cost > max_words or len(placed) + 1 + len(need) > max_sentences):
            continue
        if p is not None and p in placed:  # right after the sentence it points to
            unit = next(u for u in units if p in u)
            unit.insert(unit.index(p) + 1, i)
        else:
            units.append(need + [i])
        placed.update(need + [i])
        words += cost
        if len(placed) == 1:
            # "Hemolytic anemia is a type of anemia." says only what it is a kind of: the
            # sentence after it saying what anemia is belongs to it
            j = _says_what_the_class_is(cands, i, nxt.get(i))
            if j is not None and ok[j] and j not in placed and words + cands[j].words <= max_words:
                units[-1].append(j)
                placed.add(j)
                words += cands[j].words
    return units, lists


_ONLY_A_CLASS = re.compile(r"^.{1,80}?\b(?:is|are)\s+(?:a|an|one)\s+(?:(?:common|rare|specific|certain|serious)\s+)?"
                           r"(?:type|kind|form|group|class|family|sort)s?\s+of\s+(?P<cls>[\w' -]{2,40}?)\s*\.?$", re.I)


def _says_what_the_class_is(cands: list[Candidate], lead: int, after: int | None) -> int | None:
    """The sentence right after a lead that only names its class ("X is a type of anemia."),
    when that sentence speaks of the class ("The term 'anemia' usually refers to ...")."""
    m = _ONLY_A_CLASS.match(cands[lead].text)
    if m is None or after is None:
        return None
    head = re.findall(r"\w+", m.group("cls").lower())[-1]
    return after if re.search(rf"\b{re.escape(head[:max(4, len(head) - 2)])}", cands[after].text.lower()) else None


def defines(text: str) -> bool:
    """A sentence in the textbook shape of a definition ("Gout is a form of arthritis"): two
    of the definition cues (``rag.compose.sentence_kinds``)."""
    return cue_strength(text, "definition") >= 2


def _said(text: str) -> str:
    """A sentence's words, for telling two copies of it apart from two different sentences."""
    return " ".join(re.findall(r"\w+", text.lower()))
