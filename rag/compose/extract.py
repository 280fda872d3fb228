"""The extractive answerer: answer with the documents' own sentences, each one cited.

Given the retrieved passages, every sentence in them is a candidate (``rag.compose.candidates``). A candidate's score
mixes its embedding similarity to the question, how many of the question's rarer words it
contains, how well its passage ranked, and whether it holds the cues of the kind of question
asked (``rag.compose.sentence_kinds``: a risk question wants the sentence that names the risks).

The answer is told in *units* (``choose``, in ``rag.compose.selection``): first the lead, the
on-topic sentence that best answers this kind of question; then a few supporting sentences
within ``margin`` of it. A sentence that points back ("This therapy...") always comes right
after the sentence it points to. A sentence whose only link to the question is the corpus's
own subject ("Scleroderma is also known as systemic sclerosis" for "what causes scleroderma")
is never used while an on-topic one exists. When the lead is an item of a list and the
question asks for options, symptoms, risks or the like, the answer is that list, item by item.

Sentences with a dose, a schedule or a stop/start instruction to the reader, or with
instructions to the bot, are never used, whatever was asked (``quotable``): a document may
say them, but only the care team may tell a patient what to do with their medicines.

How sure the answer is (``confidence``) comes from a small logistic model over the evidence
features of ``rag.compose.evidence`` (see ``rag/compose/confidence.py``); below the threshold the pipeline
says "not found".

Left out: rewriting sentences (see the plain-language stage) and merging facts across
sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

import numpy as np

from rag.compose.reranker import Reranker
from rag.compose.scorer import AnswerScorer, KindHeads, scalar_features
from rag.compose.candidates import Candidate, candidates, previous_in_passage
from rag.compose.selection import LIST_KINDS, SelectionParams, choose
from rag.text.citations import Numbering
from rag.compose.evidence import evidence_features, word_support
from rag.text.lexical import QueryTerms, names_only, stem, terms
from rag.text.message import question_part
from rag.text.sentences import points_back, reading_grade
from rag.safety.advice import has_dose_or_instruction
from rag.safety.flags import unquotable_reason
from rag.schema import AnswerSentence, Citation, Passage, cited
from rag.compose.sentence_kinds import (ASKING_WORDS, asked_cues, in_context, kind_strength, studies_the_cause,
                                       tells_effects_of)


@dataclass
class Extraction:
    sentences: list[AnswerSentence]
    citations: list[Citation]
    features: dict[str, float]
    best: float | None = None  # the learned scorer's best P(answers), None under the rules

    @property
    def text(self) -> str:
        return " ".join(cited(s) for s in self.sentences)

    def leading(self) -> list[AnswerSentence]:
        """What answers as the lead: the first sentence with its chain ("It can also affect
        the kidneys..."), or an announced list with its items ("Complications include")."""
        first, rest = self.sentences[:1], self.sentences[1:]
        if first and not first[0].list_item and any(s.list_item for s in rest):
            return first + [s for s in rest if s.list_item]
        return self.sentences[:2] if rest and points_back(rest[0].text) else first


def quotable(cands: list[Candidate], advice: bool = False) -> list[bool]:
    """Whether each sentence may be quoted at all: never one that tells the reader what to do
    with their medicines (a dose, a schedule, stop or start: only the care team may), nor
    one that gives the bot instructions ("ignore all previous instructions"), whichever
    document says it and whatever was asked; for a personal-advice question, no sentence
    with any amount or schedule at all (``has_dose_or_instruction``)."""
    return [unquotable_reason(c.text) is None and not (advice and has_dose_or_instruction(c.text))
            for c in cands]


# A question word below this (``lexical.specificity``: "look" 0.69, "find" 0.74) names no
# topic; "men" (0.99) and "heart" (1.19) do.
TOPIC_SPECIFICITY = 0.75
EVERYDAY_OWED = 1.0  # the least weight of the whole in the rules' coverage: one topical word (QueryTerm.weight)


def local_coverage(cands: list[Candidate], qterms: QueryTerms, owed: float = 0.1) -> np.ndarray:
    """Share of the question's words each sentence contains, each word weighted by how rare
    it is among these sentences. The topic words every candidate shares ("transplant" for a
    transplant question) count little; the words that say what is asked about it
    ("remission", "lungs") count most. ``owed``: the least weight of the whole, as a
    ``QueryTerm.weight`` (the rules' ranking passes ``EVERYDAY_OWED``; the evidence features
    and the learned scorer read the share they were fitted on)."""
    sets = [set(terms(c.text)) for c in cands]
    n = len(sets)
    hits = np.array([[max((w for t, w in qt.matches.items() if t in s), default=0.0) for qt in qterms.terms]
                     for s in sets], dtype=np.float32).reshape(n, len(qterms.terms))
    if not qterms.terms or n == 0:
        return np.zeros(n, dtype=np.float32)
    df = (hits > 0).sum(axis=0)
    rarity = np.log1p(n / (1.0 + df))
    weight = rarity * np.array([max(qt.weight, 0.1) for qt in qterms.terms])
    # the whole is at least one topical word (``owed``): everyday words left alone ("look" in
    # "what signs should i look out for?", "signs" being the kind's) can't make "looks for
    # crystals under a microscope" cover the whole question; beside a topical word they
    # count as before
    total = max(float(weight.sum()), owed * float(rarity.max()))
    return (hits @ weight) / total if total > 0 else np.zeros(n, dtype=np.float32)


def similarities(vectors: np.ndarray, qvec: np.ndarray, expanded_vec: np.ndarray | None,
                 focus_vec: np.ndarray | None, params: SelectionParams) -> np.ndarray:
    """Each sentence's cosine to the question, mixed with the expanded query's, and at least
    its cosine to the question's focus phrase."""
    sims = vectors @ np.asarray(qvec, dtype=np.float32)
    if expanded_vec is not None and params.expanded_weight > 0:
        sims = (1 - params.expanded_weight) * sims + params.expanded_weight * (vectors @ expanded_vec)
    return sims if focus_vec is None else np.maximum(sims, vectors @ focus_vec)


def base_score(cands: list[Candidate], sims: np.ndarray, passages: list[Passage],
               params: SelectionParams) -> np.ndarray:
    """Each candidate's score before word coverage: similarity, passage rank, plainness."""
    rank = np.array([passages[c.passage].dense for c in cands], dtype=np.float32)
    s = params.similarity_weight * sims + params.passage_weight * rank
    if params.simplicity_weight:
        grades = np.array([reading_grade(c.text) for c in cands], dtype=np.float32)
        s = s - params.simplicity_weight * np.maximum(grades - 8.0, 0.0)
    return s


def score(cands: list[Candidate], sims: np.ndarray, qterms: QueryTerms, passages: list[Passage],
          params: SelectionParams, base: np.ndarray | None = None, owed: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """(score, coverage) of each candidate; ``base`` is ``base_score`` when already known."""
    cover = local_coverage(cands, qterms, owed)
    base = base_score(cands, sims, passages, params) if base is None else base
    return base + params.coverage_weight * cover, cover


def topical(cands: list[Candidate], prev: list[int | None], qterms: QueryTerms,
            common: frozenset[str], cues: np.ndarray, titles: list[str] | None = None) -> list[bool]:
    """Whether each sentence (read after the one it points back to, under its document's
    title) is linked to the question by more than the corpus's own subject: it shares
    another of its words, or it holds the asked kind's cues and shares any of its words.
    "Scleroderma is also known as systemic sclerosis" shares only "scleroderma" with "what
    causes scleroderma", and is no answer. A sentence of a page titled "Cephalic Disorders"
    is about them without naming them ("Researchers are examining neurulation"); one of
    another page that happens to share "clinical trials" with the question is not more on
    topic for it. All true when the question has no word beyond the subject and everyday
    English ("will I die?", "what should I look out for?")."""
    asked = {t for qt in qterms.terms for t in qt.matches}
    # an everyday word ("look" in "what signs should i look out for?") links nothing
    wanted = {t for qt in qterms.terms if qt.specificity >= TOPIC_SPECIFICITY for t in qt.matches if t not in common}
    if not wanted:
        return [True] * len(cands)
    out = []
    for i, c in enumerate(cands):
        before = cands[prev[i]].text if prev[i] is not None else None
        words = set(terms(in_context(c.text, before)))
        titled = set(terms(titles[i])) - common if titles else set()
        out.append(bool(wanted & (words | titled)) or (cues[i] > 0 and bool(asked & words)))
    return out


def without_kind_words(qterms: QueryTerms) -> QueryTerms:
    """The question's words less those that only say what kind of answer it wants
    ("risks" in "what are the risks of X"): the kind's cues score those, and counted as
    topic words they would favour "X has risks" over the sentence that names them."""
    asking = asking_stems()
    return QueryTerms(tuple(qt for qt in qterms.terms if qt.word not in asking))


def without_name(subject: str) -> Callable[[str], str]:
    """A sentence with the words of the library's subject left out, for reading its cues."""
    named = frozenset(terms(subject))
    if not named:
        return lambda text: text
    return lambda text: _WORD.sub(lambda m: "" if _word_terms(m.group(0)) & named else m.group(0), text)


_WORD = re.compile(r"[A-Za-z][\w'-]*")


@lru_cache(maxsize=50_000)
def _word_terms(word: str) -> frozenset[str]:
    """One word's index terms, kept: every candidate of every question reads its words again."""
    return frozenset(terms(word))


@lru_cache(maxsize=1)
def asking_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in ASKING_WORDS)




def _in_context(cands: list[Candidate], i: int, prev: list[int | None], passages: list[Passage]) -> str:
    """The text embedded for a sentence: one that points back ("It can also affect...")
    means little alone, so the sentence before it is prepended, and the passage's section
    heading says what it is about."""
    before = cands[prev[i]].text if prev[i] is not None else None
    return in_context(cands[i].text, before, passages[cands[i].passage].chunk.section)


def compose(cands: list[Candidate], units: list[list[int]], passages: list[Passage],
            lists: set[int] = frozenset()) -> tuple[list[AnswerSentence], list[Citation]]:
    """The chosen sentences in the order told, each cited; passages numbered in the order
    the answer first cites them."""
    numbering = Numbering(passages)
    sentences: list[AnswerSentence] = []
    for u, unit in enumerate(units):
        for i in unit:
            c = cands[i]
            n = numbering.cite(c.passage, (c.start, c.end))
            text = c.text.rstrip(" .") + ":" if c.lead_in and u in lists else c.text
            sentences.append(AnswerSentence(text, n, list_item=u in lists and c.list_item))
    return sentences, numbering.citations()


def focus_of(question: str, min_words: int = 15) -> str | None:
    """In a long message, the sentences that ask something (``rag.text.message.question_part``,
    as retrieval uses): the rest is often background ("I'm 45, diagnosed two years ago...")
    that blurs a single embedding."""
    return question_part(question) if len(question.split()) >= min_words else None


def extract(passages: list[Passage], qvec: np.ndarray, qterms: QueryTerms,
            embed: Callable[[list[str]], np.ndarray], max_sentences: int, max_words: int,
            advice: bool = False, params: SelectionParams = SelectionParams(),
            question: str = "", expanded_vec: np.ndarray | None = None,
            kind: str = "other", common: frozenset[str] = frozenset(), yes_no: bool = False,
            scorer: AnswerScorer | None = None, kind_scores: dict[str, float] | None = None,
            reranker: Reranker | None = None, reading: str = "", rerank_weight: float = 0.0,
            rerank_support: float = 0.0, heads: KindHeads | None = None, subject: str = "",
            ranked_by: tuple[np.ndarray, np.ndarray | None] | None = None) -> Extraction:
    """Pick, order and cite sentences for a question of ``kind``; also report the evidence
    features. ``common`` holds the stems of the corpus's own subject (rag.text.lexical). With a
    ``scorer``, the learned model ranks the sentences instead of the hand-set weights and
    cues (``learned_choice``); with a ``reranker`` as well, a cross-encoder rereads the
    scorer's best few (``rag.compose.reranker``) with the ``reading`` of the question that was
    searched (a follow-up with the topic it borrowed). Under the rules (no ``scorer``), a
    ``reranker`` nudges their scores by ``rerank_weight`` times its probability instead, and
    a supporting sentence must reach ``rerank_support`` (when above 0) of that probability.
    The library's ``subject`` ("Autoimmune hepatitis") is no cue of any kind but a
    definition in its own name ("autoimmune" is a cause's cue, "kidney" a symptom's).
    ``ranked_by``: (question, expanded) vectors the rules also rank sentences by, half and
    half with the reading's (a question read with the library's subject: by what it asks)."""
    cands = candidates(passages, params.min_words)
    # The evidence features (for the fitted decision) weigh all the question's words; the
    # ranking leaves out the words that only say what kind of answer is wanted.
    topic_terms = without_kind_words(qterms)
    features = evidence_features(passages, qterms, question)
    features["word_support"] = word_support(passages[:3], qterms, embed)
    if not cands:
        features.update(sentence_top=0.0, sentence_coverage=0.0)
        return Extraction([], [], features)
    prev = previous_in_passage(cands)
    vectors = embed([_in_context(cands, i, prev, passages) for i in range(len(cands))])
    focus = focus_of(question)
    focus_vec = embed([focus])[0] if focus else None
    sims = similarities(vectors, qvec, expanded_vec, focus_vec, params)
    base = base_score(cands, sims, passages, params)
    # the evidence features read the reading searched; the ranking, also what was asked (``ranked_by``)
    rank_sims = sims if ranked_by is None else (sims + similarities(vectors, *ranked_by, focus_vec, params)) / 2
    rank_base = base if ranked_by is None else base_score(cands, rank_sims, passages, params)
    if scorer is not None:
        return learned_choice(cands, prev, passages, vectors, np.asarray(qvec, dtype=np.float32), topic_terms,
                              qterms, scorer, params, max_sentences, max_words, advice, kind, features, sims, base,
                              common, kind_scores, reranker, reading or question)
    kind_bonus = 0.0
    if heads is not None and kind_scores and params.passage_kind_weight > 0:
        # the passage that answers this kind of question as a whole (learned on MedQuAD's
        # answers): it picks the rules' sentences, not the evidence the decision reads
        kind_bonus = params.passage_kind_weight * heads.passage_agreement(vectors, [c.passage for c in cands],
                                                                         kind_scores)
    # a question read with the library's subject and naming nothing else ("Gout: what causes it"): every
    # sentence is about it, and the one spelling its name out covers no more of what is asked
    only_subject = ranked_by is not None and names_only(topic_terms, common | frozenset(terms(subject)))
    covered = QueryTerms(()) if only_subject and kind != "definition" else topic_terms
    scores, _ = score(cands, rank_sims, covered, passages, params, rank_base + kind_bonus, EVERYDAY_OWED)
    allowed = quotable(cands, advice)
    supports = None
    if reranker is not None and rerank_weight > 0 and question:
        texts = [c.text for c in cands]
        if rerank_support > 0:  # read before the nudge, on the rules' own best few
            supports = list(reranker.best_few_probabilities(reading or question, texts, scores, allowed) >= rerank_support)
        scores = reranker.nudge(reading or question, texts, scores, rerank_weight, allowed)
    asked = asked_cues(question, kind)
    if kind in LIST_KINDS and not yes_no and not [t for qt in topic_terms.terms for t in qt.matches if t not in common]:
        # "what treatments are there?" names nothing in particular: a list of them answers it
        scores = scores + params.broad_list_weight * np.array([c.list_item for c in cands], dtype=np.float32)
    own = params.own_word_yes_no if yes_no else params.own_word
    # (a definition's cues are the name's own: "Carotid artery disease is a disease in which")
    unnamed = without_name(subject if kind != "definition" else "")
    cues = np.array([0.0 if kind == "cause" and (tells_effects_of(c.text, common) or studies_the_cause(c.text))
                     else kind_strength(unnamed(c.text), kind, asked, own) for c in cands], dtype=np.float32)
    units, lists = choose(cands, scores, vectors, params, max_sentences, max_words, allowed,
                            cues=cues, on_topic=topical(cands, prev, topic_terms, common, cues,
                                                     [passages[c.passage].chunk.title for c in cands]),
                            kind=kind, supports=supports)
    add_sentence_features(features, cands, sims, qterms, passages, params, base)
    sentences, citations = compose(cands, units, passages, lists)
    return Extraction(sentences, citations, features)


def add_sentence_features(features: dict[str, float], cands: list[Candidate], sims: np.ndarray, qterms: QueryTerms,
                          passages: list[Passage], params: SelectionParams, base: np.ndarray) -> None:
    """The sentence-level evidence the fitted answer/not-found decision reads."""
    plain_scores, cover = score(cands, sims, qterms, passages, params, base)
    best = int(np.argmax(plain_scores))
    features.update(sentence_top=float(sims.max()), sentence_coverage=float(cover[best]),
                    sentence_margin=float(sims.max() - np.median(sims)),
                    dense_margin=float(max(p.dense for p in passages) - np.median([p.dense for p in passages])))


def learned_choice(cands: list[Candidate], prev: list[int | None], passages: list[Passage], vectors: np.ndarray,
                   qvec: np.ndarray,
                   topic_terms: QueryTerms, qterms: QueryTerms, scorer: AnswerScorer, params: SelectionParams,
                   max_sentences: int, max_words: int, advice: bool, kind: str, features: dict[str, float],
                   sims: np.ndarray, base: np.ndarray, common: frozenset[str] = frozenset(),
                   kind_scores: dict[str, float] | None = None, reranker: Reranker | None = None,
                   question: str = "") -> Extraction:
    """The answer as the learned scorer ranks it: the lead is the most likely answering
    sentence; a supporting one stays only if it reaches ``scorer.support`` (or is the
    sentence a chosen one points back to), so an answer is as long as what answers. As
    under the rules, a sentence linked to the question only by the library's own subject
    is not used while one linked by another word exists (``topical``). A ``reranker``
    rereads the scorer's best few with the ``question`` and its own levels then apply."""
    plain_sims = vectors @ qvec
    coverage = local_coverage(cands, topic_terms)
    scalars = scalar_features(cands, [p.chunk.text for p in passages], plain_sims, vectors, qvec, coverage)
    logits = scorer.logits(qvec, vectors, scalars, kind_scores)
    allowed = quotable(cands, advice)
    support = scorer.support
    if reranker is not None and question:
        logits = reranker.rescore(question, [c.text for c in cands], logits, allowed)
        support = reranker.support
    floor = float(np.log(support / (1.0 - support)))
    # the floor, not a margin below the lead, decides what supports it
    on_topic = topical(cands, prev, topic_terms, common, np.zeros(len(cands), np.float32),
                       [passages[c.passage].chunk.title for c in cands])
    units, lists = choose(cands, logits, vectors, replace(params, margin=float("inf")), max_sentences, max_words,
                          allowed, on_topic=on_topic, kind=kind, floor=floor, bare_lists=False)
    usable = [i for i in range(len(cands)) if allowed[i]]
    best = float(1.0 / (1.0 + np.exp(-logits[usable].max()))) if usable else 0.0
    add_sentence_features(features, cands, sims, qterms, passages, params, base)
    sentences, citations = compose(cands, units, passages, lists)
    return Extraction(sentences, citations, features, best)
