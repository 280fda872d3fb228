"""Candidate starter questions drawn from what the indexed documents actually cover.

``candidates`` reads only the indexed passages, so it works for any corpus: the section
headings of each document (structural ones such as "Introduction" or "References" are
skipped), the terms a reference document (a glossary) defines that the other documents
use, and for a document with no usable headings the phrases it repeats. Each becomes a
question through one of two neutral templates, and the candidates alternate between
documents so the first few show the breadth of the collection. A topic must read as a
noun phrase: a clause fragment ("blood comes back", "treatment is", "care of the") is never
made into a question (``is_fragment``). Clinical phrases are reworded with the reviewed
plain-words table (rag/data/plain_words.tsv), and within a document the topics in everyday
words (``wordfreq``) come before the ones that stay technical.

Left out: which candidates the pipeline answers, and keeping those beside the index
(``rag.indexing.suggestions``); on purpose, any fixed list of questions, ranking by what
patients ask most, and rewording by a language model.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import zip_longest
from typing import Iterable

from wordfreq import zipf_frequency

from rag.text.cleaning import names_a_subject
from rag.text.lexical import STOPWORDS, stem
from rag.text.plain_words import to_plain
from rag.schema import REFERENCE_KIND, Chunk

_NUMBERED_PART = re.compile(r"^(?:paragraph|page|part|chapter|section|table|figure)\s*\d+", re.I)
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_MIN_TERM_USES = 2  # a glossary term used less often than this elsewhere is not a topic
_SUBJECT_SHARE = 0.4  # a term in more than this share of passages is what all of them are about


@dataclass(frozen=True)
class Suggestion:
    question: str
    doc_id: str
    basis: str  # "section", "term" or "phrase": where the question came from


def candidates(chunks: Iterable[Chunk], limit: int = 12) -> list[Suggestion]:
    """Questions the documents' structure suggests, alternating between documents."""
    by_doc: dict[str, list[Chunk]] = defaultdict(list)
    for c in chunks:
        by_doc[c.doc_id].append(c)
    if not by_doc:
        return []
    for doc_chunks in by_doc.values():
        doc_chunks.sort(key=lambda c: c.ordinal)
    reference = {d for d, cs in by_doc.items() if cs[0].kind == REFERENCE_KIND}
    body = {d: cs for d, cs in by_doc.items() if d not in reference}
    body_texts = [c.text for cs in body.values() for c in cs]
    names = _names(" ".join(c.text for cs in by_doc.values() for c in cs))

    queues: list[list[Suggestion]] = []
    for doc_id in sorted(body):
        labels = _topic_headings(body[doc_id])
        if labels:
            topics, basis = labels, "section"
        else:
            topics, basis = repeated_phrases(" ".join(c.text for c in body[doc_id])), "phrase"
        plain = [plain_topic(t) for t in topics if not is_fragment(t)]
        plain = sorted(plain, key=lambda t: not everyday(t, names))  # stable: document order otherwise
        queues.append([Suggestion(_about(t, names), doc_id, basis) for t in plain if not is_fragment(t)])
    for doc_id in sorted(reference):
        queues.append([Suggestion(_meaning(term, names), doc_id, "term")
                       for term in _used_terms(by_doc[doc_id], body_texts)])

    out: list[Suggestion] = []
    seen: set[frozenset[str]] = set()
    for round_ in zip_longest(*queues):
        for s in round_:
            if s is None:
                continue
            key = frozenset(stem(w.lower()) for w in _WORD.findall(s.question)) - _QUESTION_WORDS
            if key in seen:
                continue
            seen.add(key)
            out.append(s)
            if len(out) >= limit:
                return out
    return out


# --- sources of topics ------------------------------------------------------------------------


def _topic_headings(chunks: list[Chunk]) -> list[str]:
    """Section headings that name a subject, in document order, each once."""
    out: list[str] = []
    for c in chunks:
        label = (c.section or "").strip().rstrip(":").strip()
        if (not label or not names_a_subject(label) or label in out or len(_WORD.findall(label)) > 8
                or _NUMBERED_PART.match(label)):
            continue
        out.append(label)
    return out


def _used_terms(glossary: list[Chunk], body_texts: list[str]) -> list[str]:
    """Terms the reference document defines (its headings) that the other documents use,
    most used first; a term in most passages is the collection's subject, not a topic."""
    texts = [t.lower() for t in body_texts]
    uses: Counter[str] = Counter()
    for c in glossary:
        term = _PARENTHESES.sub("", c.section or "").strip()
        if not term or term in uses or _NUMBERED_PART.match(term):
            continue
        pattern = re.compile(rf"\b{re.escape(term.lower())}")
        per_passage = [len(pattern.findall(t)) for t in texts]
        if sum(per_passage) < _MIN_TERM_USES or sum(map(bool, per_passage)) > _SUBJECT_SHARE * len(texts):
            continue
        uses[term] = sum(per_passage) * len(term.split())  # longer terms are more specific
    return [t for t, _ in uses.most_common()]


def repeated_phrases(text: str, max_phrases: int = 6) -> list[str]:
    """Two- and three-word phrases a text repeats, most repeated (and longest) first,
    no two sharing a word."""
    words = _WORD.findall(text)
    counts: Counter[tuple[str, ...]] = Counter()
    for n in (2, 3):
        for i in range(len(words) - n + 1):
            gram = tuple(words[i:i + n])
            lower = [w.lower() for w in gram]
            if lower[0] in STOPWORDS or lower[-1] in STOPWORDS or any(len(w) < 3 for w in lower):
                continue
            if n == 3 and lower[1] in STOPWORDS and lower[1] not in {"of", "and"}:
                continue
            counts[tuple(lower)] += 1
    ranked = sorted((g for g, c in counts.items() if c >= 2),
                    key=lambda g: (-counts[g] * len(g), g))
    out: list[str] = []
    used: set[str] = set()
    for gram in ranked:
        content = {stem(w) for w in gram if w not in STOPWORDS}
        if content & used:
            continue
        used |= content
        out.append(" ".join(gram))
        if len(out) == max_phrases:
            break
    return out


# --- wording ---------------------------------------------------------------------------------

# Verb forms and auxiliaries: a topic holding one is a piece of a sentence ("blood comes
# back", "skin is"), not the name of a subject.
_VERB_FORMS = frozenset("""am is are was were be been being isn't aren't wasn't weren't has have had
    do does did can could will would may might must shall should comes come came goes went gets
    got makes made takes took gives gave shows helps means becomes became seems keeps needs
    causes leads occurs happens starts stops looks feels tends appears remains returns turns""".split())
# Words a noun phrase does not end with: prepositions, articles, conjunctions, particles.
_BAD_ENDINGS = frozenset("""a an the of to in on at by for with from into onto over under about
    and or but nor as than that which who whom whose back up down out off away""".split())
_BAD_STARTS = frozenset("a an the of to in on at by for with from and or but as than that which".split())
_EVERYDAY = 3.0  # zipf frequency: a word used at least about once per million words


def is_fragment(topic: str) -> bool:
    """True when ``topic`` is a clause fragment rather than a noun phrase: it holds a verb
    form or auxiliary, or it starts or ends on a word a subject's name cannot start or end with."""
    words = [w.lower() for w in _WORD.findall(topic)]
    if not words:
        return True
    return (any(w in _VERB_FORMS for w in words) or words[-1] in _BAD_ENDINGS
            or words[-1] in STOPWORDS or words[0] in _BAD_STARTS)


def plain_topic(topic: str) -> str:
    """``topic`` with its clinical phrases replaced by the reviewed plain words
    ("Pharmacological treatments" -> "Medicines")."""
    return to_plain(topic)


def everyday(topic: str, names: set[str] = frozenset()) -> bool:
    """Every word of ``topic`` is common in everyday English; names (Raynaud) do not count."""
    words = [w for w in _WORD.findall(topic) if w not in names and w.lower() not in STOPWORDS]
    return all(zipf_frequency(w.lower(), "en") >= _EVERYDAY for w in words)


def question_about(topic: str, names: set[str] = frozenset()) -> str | None:
    """The starter question for a topic in plain words, or None when the topic is a fragment."""
    topic = plain_topic(topic)
    return None if is_fragment(topic) else _about(topic, names)


_QUESTION_WORDS = frozenset({"what", "should", "i", "know", "about", "doe", "does", "mean"})


# Parts of the body that take "the" in running text: a heading "Esophagus" becomes the plain
# "Food pipe", and "What should I know about food pipe?" is not English.
_TAKES_THE = frozenset("""food pipe|windpipe|voice box|gut|heart|lung|lungs|kidney|kidneys|liver|stomach|
    bowel|bowels|bladder|immune system|digestive tract|esophagus|oesophagus|thyroid|pancreas|spine""".replace(
    "\n", "").replace("    ", "").split("|"))


def _about(topic: str, names: set[str]) -> str:
    words = _in_running_text(topic, names)
    return f"What should I know about {'the ' if words.lower() in _TAKES_THE else ''}{words}?"


def _meaning(term: str, names: set[str]) -> str:
    return f"What does {_in_running_text(term, names)} mean?"


_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z][a-z'\u2019-]+")


def _names(text: str) -> set[str]:
    """Capitalised words the documents write with a capital in mid-sentence and never in
    lower case: names (Raynaud, Texas), which keep their capital inside a question."""
    lowercase = {w for w in _WORD.findall(text) if w.islower()}
    return {w for w in _MID_SENTENCE_CAPITAL.findall(text) if w.lower() not in lowercase}


def _in_running_text(label: str, names: set[str]) -> str:
    """A heading as it reads inside a sentence: "Companion planting" becomes "companion
    planting"; names and abbreviations keep their capitals."""
    def lower(m: re.Match) -> str:
        w = m.group(0)
        return w.lower() if w[:1].isupper() and w[1:].islower() and w not in names else w
    return _WORD.sub(lower, label.strip())
