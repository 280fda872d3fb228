"""The glossary: term definitions from the corpus's reference documents, cited like any passage.

A glossary document (``kind: glossary`` in its front matter, ``schema.REFERENCE_KIND``) gives
one term per section: the heading names the term ("Hematopoietic stem cell transplantation
(HSCT)": its full name and abbreviation), the section's first sentence defines it. Two uses:

- ``asked_definitions`` / ``with_definitions``: a definition question ("what does X mean?")
  opens with the definition of X, numbered [1], the rest of the answer renumbered after it;
- ``explain_terms``: after a plain-language answer, the definition of up to a few hard words
  it still uses (a word of the term rare in everyday English), each cited to its glossary
  passage. Words the patient used, terms the answer already says another name for, and the
  corpus's own subject are not explained.

Left out: rewording (``rag.plain.rewrite``), telling a definition question from another one
(``rag.question.understand.is_definition_question``), definitions from anywhere but the glossary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.citations import cited_first
from rag.text.lexical import specificity, stem, terms
from rag.schema import REFERENCE_KIND, AnswerSentence, Citation
from rag.text.cleaning import split_sentences


@dataclass(frozen=True)
class Definition:
    term: str  # as the glossary heads it
    names: tuple[str, ...]  # the words it is known by, lowercased ("hsct", "hematopoietic ...")
    text: str  # the definition sentence(s)
    chunk_id: str


def glossary_names(heading: str) -> tuple[str, ...]:
    """'Hematopoietic stem cell transplantation (HSCT)' -> its full name and abbreviation;
    'Biologic (biological treatment)' -> both forms."""
    names = [re.sub(r"\s*\(.*?\)", "", heading).strip()]
    names += [n.strip() for n in re.findall(r"\(([^()]+)\)", heading)]
    return tuple(dict.fromkeys(n.lower() for n in names if len(n) > 1))


class Glossary:
    """Term definitions from the corpus's glossary documents (``kind: glossary``), one per
    section: the heading names the term, the section's first sentence defines it."""

    def __init__(self, chunks):
        self.definitions: list[Definition] = []
        self.chunks = {}
        for c in chunks:
            if c.kind != REFERENCE_KIND or not c.section:
                continue
            spans = split_sentences(c.text)
            first = c.text[spans[0][0]:spans[0][1]] if spans else c.text
            self.definitions.append(Definition(c.section, glossary_names(c.section), first, c.chunk_id))
            self.chunks[c.chunk_id] = c
        # Longest names first, so "pulmonary fibrosis" wins over "pulmonary".
        pairs = sorted(((n, d) for d in self.definitions for n in d.names), key=lambda p: -len(p[0]))
        self._patterns = [(re.compile(rf"\b{re.escape(n)}(?:s|es)?\b", re.I), d) for n, d in pairs]

    def __len__(self) -> int:
        return len(self.definitions)

    def terms_in(self, text: str) -> list[tuple[int, Definition]]:
        """(position, definition) of each glossary term used in ``text``, in order; a span
        covered by a longer term is not counted again."""
        return [(pos, d) for pos, _, d in self.names_in(text)]

    def names_in(self, text: str) -> list[tuple[int, str, Definition]]:
        """(position, the name as written, definition) of each glossary term used in
        ``text``, in order: "side effects" for the term "Adverse effect (side effect)"."""
        taken: list[tuple[int, int]] = []
        found: dict[str, tuple[int, str, Definition]] = {}
        for pattern, d in self._patterns:
            for m in pattern.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                if d.chunk_id not in found or m.start() < found[d.chunk_id][0]:
                    found[d.chunk_id] = (m.start(), m.group(0), d)
        return sorted(found.values(), key=lambda p: p[0])

    def quoted(self, citations, n: int) -> bool:
        """Whether citation ``n`` of ``citations`` is a glossary passage."""
        return any(c.n == n and c.chunk.chunk_id in self.chunks for c in citations)


def hard_word(term: str, threshold: float = 2.6, common: frozenset[str] = frozenset()) -> bool:
    """A term an average reader may not know: some word of it is rare in everyday English.
    The words of the library's own subject (their stems in ``common``) are known to its
    readers: "Scleroderma Foundation" is not hard where every document is about scleroderma."""
    return any(specificity(w) >= threshold for w in re.findall(r"[a-z]+", term.lower())
               if len(w) > 2 and stem(w) not in common)


def asked_definitions(question: str, glossary: Glossary | None, common: frozenset[str] = frozenset(),
                      most: int = 1, asks_meaning: bool = False) -> list[Definition]:
    """Definitions to open the answer with: the terms a definition question asks about
    ("what does X mean?"). Any other question is answered, not defined: "my doctor wants
    me on mycophenolate, what does it do?" must not open by defining "doctor". The
    corpus's own subject is never defined this way. ``asks_meaning``: the question is worded
    as one ("what does X mean?", ``rag.question.understand.is_definition_question``); a bare
    term ("fibrosis?") is recognised here."""
    if not glossary or not len(glossary) or not (asks_meaning or bare_definition(question, glossary, common)):
        return []
    named = [d for _, d in glossary.terms_in(question) if not _is_subject(d, common)]
    return named[:most]


# What is left of "whats a cytopenia", "what's remission mean", "fibrosis meaning" or
# "fibrosis?" once the term is taken out: the words of asking what a term means, nothing else.
_ONLY_ASKING_MEANING = re.compile(
    r"^(?:\s|[?.!,:'\"]|\b(?:what|whats|what's|wat|is|are|a|an|the|does|do|mean|means|meaning|define|definition|"
    r"of|exactly|by|term|word|pls|please|again|that|called|explain|tell|me)\b)*$", re.I)


def bare_definition(question: str, glossary: Glossary | None, common: frozenset[str] = frozenset()) -> bool:
    """The question asks only what a glossary term means, in any wording ("whats a
    cytopenia", "what does remission mean", "remission?"): whatever kind the question
    model guesses, the glossary's definition answers it."""
    if not glossary or not len(glossary):
        return False
    for pos, name, d in glossary.names_in(question):
        if _is_subject(d, common):
            continue
        rest = question[:pos] + " " + question[pos + len(name):]
        if _ONLY_ASKING_MEANING.match(rest):
            return True
    return False


def definition_citation(d: Definition, glossary: Glossary, n: int) -> Citation:
    chunk = glossary.chunks[d.chunk_id]
    start = chunk.text.find(d.text)
    return Citation(n=n, chunk=chunk, score=0.0,
                    highlights=((start, start + len(d.text)),) if start >= 0 else ())


def with_definitions(definitions: list[Definition], sentences, citations, glossary: Glossary):
    """Put definitions first, numbered [1]..., and renumber the rest after them."""
    front = [AnswerSentence(d.text, i + 1) for i, d in enumerate(definitions)]
    cites = [definition_citation(d, glossary, i + 1) for i, d in enumerate(definitions)]
    return cited_first(front, cites, sentences, citations)


def explain_terms(sentences, citations, glossary: Glossary | None, most: int = 2, known: str = "",
                  common: frozenset[str] = frozenset(), max_sentences: int = 8):
    """The answer with, after it, the glossary definition of up to ``most`` hard words its
    sentences use, each cited to its glossary passage (numbered after the answer's). Not
    explained: words the patient used (``known``, the question), terms a glossary sentence
    of the answer already defines, the corpus's own subject (terms whose every word stem is
    in ``common``), a term the sentence already gives another name for; and none once the
    answer has ``max_sentences`` sentences. Returns (sentences, citations)."""
    sentences, citations = list(sentences), list(citations)
    if not glossary or not len(glossary) or most <= 0:
        return sentences, citations
    explained: set[str] = {c.chunk.chunk_id for c in citations if c.chunk.chunk_id in glossary.chunks}
    explained |= {d.chunk_id for _, d in glossary.terms_in(known)}
    added: list[AnswerSentence] = []
    for s in sentences:
        if glossary.quoted(citations, s.citation):
            continue
        for _, name, d in glossary.names_in(s.text):
            # judged by the name the answer uses: "side effects" needs no definition even
            # though the glossary files it under "Adverse effect"
            if (d.chunk_id in explained or not hard_word(name, common=common) or len(added) >= most
                    or len(sentences) + len(added) >= max_sentences or _is_subject(d, common)
                    or _named_as_alias(s.text, d)):
                continue
            explained.add(d.chunk_id)
            citations.append(definition_citation(d, glossary, len(citations) + 1))
            added.append(AnswerSentence(d.text, len(citations)))
    return sentences + added, citations


def _named_as_alias(sentence: str, d: Definition) -> bool:
    """The sentence already says what the term is: "X is also known as <term>"."""
    return any(re.search(rf"\b(?:known as|also called|called)\s+{re.escape(n)}\b", sentence, re.I)
               for n in d.names)


def _is_subject(d: Definition, common: frozenset[str]) -> bool:
    stems = terms(d.names[0]) if d.names else []
    return bool(stems) and all(t in common for t in stems)
