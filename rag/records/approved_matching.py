"""Whether a new question asks what an approved question asks: the pure decision, on question texts.

``matches``: two tests, both needed: the questions' MiniLM cosine reaches ``MATCH_COSINE``
(``KIND_COSINE`` when the question-kind model reads them as different kinds, "what is X"
against "how is X treated"; ``FOCUS_COSINE`` when they are of one kind and about the same
thing, ``focus_terms``), and no word of one is missing from the other (``differences``,
``differing_word``) unless it is a near-synonym of one there (``SYNONYM_COSINE``,
"kids"/"children"), everyday enough (``MOST_SPECIFIC``: a medicine's name is not), and not
a qualifier (``rag/data/qualifier_words.tsv``: "for children", "before", "high", "help"
against "worse", "stopping"), nor a number or a letter naming one of a series ("type 2",
"hepatitis B": ``is_identifier``), nor a specific word put in place of a related one
("knee"/"hip": ``SWAP_SPECIFIC``) while the questions' cosine stays below ``SWAP_BELOW``
(above it the model reads the two words as one: "symptoms"/"signs"). "Side effects of
rituximab" does not match "side effects of tocilizumab"; "is it safe for children" does
not match "is it safe". The thresholds are fitted, and measured on held-out pairs, by
``python -m eval.approved``.

Left out: the approved answers themselves, finding the best one among them and whether its
passages still stand (``rag.records.approved``); the vectors and the kind of a question,
which are passed in (``embed``, ``same_kind``, ``focus``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from rag.text.lexical import raw_tokens, specificity, stem, terms
from rag.text import wordlists

# Fitted on the fit half of eval/approved_pairs.jsonl, 279 pairs (``python -m eval.approved --fit``,
# most recall at precision 0.97 or better, the target: a wrongly served answer costs more than
# a missed one, whose patient gets the usual answer from the documents).
MATCH_COSINE = 0.91  # questions of the same kind match from this cosine ...
KIND_COSINE = 0.91  # ... questions the kind model reads differently from this one (fitted: the same)
SYNONYM_COSINE = 0.7  # a word missing from the other question is covered by one this close
QUALIFIER_SYNONYM = 0.8  # ... a qualifier only by a closer one ("kids"/"children", not "high"/"low")
MOST_SPECIFIC = 2.5  # an uncovered word rarer than this (``lexical.specificity``) blocks a match
FOCUS_COSINE = 0.9  # same kind, about the same thing (``focus_terms``): a match from this cosine
SWAP_SPECIFIC = 1.5  # two uncovered words this specific, one in the other's place, block a match
SWAP_COSINE = 0.3  # ... when they are at least this related (alternatives, not unrelated words)
SWAP_BELOW = 0.93  # ... and only while the questions' cosine is below this: above it they are synonyms

# Grammar of asking, never what a question is about.
FRAMING = frozenset("""a an the i me my we our you your it its this that these those is are am was were
be been being do does did doing can could should would will shall may might must to of for in on at by
with about from and or if so what whats how why when where which who whom whose there any some tell
know explain please need want get getting got have has had having go going ok okay s""".split())


def content_words(question: str) -> dict[str, str]:
    """Stem -> word, for the words of a question that are not the grammar of asking."""
    return {stem(t): t for t in raw_tokens(question) if t not in FRAMING}


def is_identifier(word: str) -> bool:
    """A number or a single letter naming one of a series ("type 2", "hepatitis B"): one in
    place of another is another thing, however alike the questions read."""
    return word.isdigit() or (len(word) == 1 and word.isalpha())


@dataclass(frozen=True)
class Difference:
    """A word one question has and the other lacks: how close the other's nearest word is,
    how specific the word is, whether it is a qualifier ("always", "replaced" or ""), and the
    word the other question has in its place, if any (the closest of the other's own missing
    words: "hip" for "knee"), with their cosine and that word's specificity."""

    word: str
    covered: float
    specificity: float
    qualifier: str = ""
    swapped: float = 0.0
    swapped_specificity: float = 0.0


def qualifiers() -> dict[str, str]:
    return wordlists.mapping("qualifier_words")


def differences(a: str, b: str, embed: Callable[[list[str]], np.ndarray]) -> tuple[Difference, ...]:
    """The words of each question the other lacks (by stem), each with its nearest word in
    the other question and its nearest among the words the other has and this one lacks
    (cosines of the words' vectors)."""
    table = qualifiers()
    wa, wb = content_words(a), content_words(b)
    lacks = {0: [w for s, w in wa.items() if s not in wb], 1: [w for s, w in wb.items() if s not in wa]}
    out = []
    for side, other in ((0, wb), (1, wa)):
        missing, theirs, instead = lacks[side], list(other.values()), lacks[1 - side]
        if not missing:
            continue
        vecs = embed(missing + theirs)
        sims = vecs[:len(missing)] @ vecs[len(missing):].T if theirs else np.zeros((len(missing), 0))
        for i, w in enumerate(missing):
            covered = float(sims[i].max()) if theirs else 0.0
            partner = [(float(sims[i, theirs.index(x)]), specificity(x)) for x in instead if x in theirs]
            swapped, swapped_spec = max(partner) if partner else (0.0, 0.0)
            out.append(Difference(w, round(covered, 4), specificity(w),
                                  "always" if is_identifier(w) else table.get(w, ""),
                                  round(swapped, 4), swapped_spec))
    return tuple(out)


@dataclass(frozen=True)
class MatchParams:
    match_cosine: float = MATCH_COSINE
    kind_cosine: float = KIND_COSINE
    most_specific: float = MOST_SPECIFIC
    swap_specific: float = SWAP_SPECIFIC
    focus_cosine: float = FOCUS_COSINE
    synonym_cosine: float = SYNONYM_COSINE
    swap_below: float = SWAP_BELOW


def differing_word(diffs: Sequence[Difference], params: MatchParams = MatchParams(), swaps: bool = True) -> str:
    """The word that makes two questions ask different things ("" when none does): a
    qualifier with no near-synonym in the other question (one marked "replaced" only when the
    other question has a qualifier of its own there), a number, or a specific word with no
    near-synonym."""
    qualified = [d for d in diffs if d.qualifier]
    for d in diffs:
        if not is_identifier(d.word) and d.covered >= max(params.synonym_cosine,
                                                     QUALIFIER_SYNONYM if d.qualifier else 0.0):
            continue
        if d.qualifier == "always" or (d.qualifier == "replaced" and len(qualified) > 1):
            return d.word
        if not d.qualifier and d.specificity > params.most_specific:
            return d.word
        if (swaps and not d.qualifier and d.swapped >= SWAP_COSINE
                and min(d.specificity, d.swapped_specificity) >= params.swap_specific):
            return d.word  # one topic put in another's place: "knee" / "hip", "smoking" / "vaping"
    return ""


def focus_terms(question: str, focus: Callable[[str], Sequence[str]]) -> frozenset[str]:
    """What a question is about, as stemmed terms ("Does rituximab have side effects?" ->
    {"rituximab"}); ``focus`` gives its focus phrases (``rag.question.kinds.focus_phrase``,
    passed in by the pipeline)."""
    return frozenset(t for phrase in focus(question) for t in terms(phrase))


def matches(cosine: float, same_kind: bool, diffs: Sequence[Difference],
            params: MatchParams = MatchParams(), same_focus: bool = False) -> bool:
    """The decision, from the two questions' cosine, whether the kind model reads them as the
    same kind of question, whether they are about the same thing (``focus_terms``), and the
    words that set them apart (``differences``). Two questions of the same kind about the
    same thing match from a lower cosine (``FOCUS_COSINE``)."""
    least = params.match_cosine if same_kind else params.kind_cosine
    if same_kind and same_focus:
        least = min(least, params.focus_cosine)
    return cosine >= least and not differing_word(diffs, params, swaps=cosine < params.swap_below)
