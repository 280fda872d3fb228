"""Plain language: make quoted sentences easier to read without changing what they say.

Used after the extractive answerer picks its sentences. Each sentence is rewritten by
rules that keep its meaning and its citation:

- a list label in front of a full sentence ("Antifibrotic agents: Nintedanib...") goes;
- openers and hedges that carry nothing for a patient go ("In summary,", "it is important
  to note that");
- parentheses go (abbreviations, asides);
- clinical words become everyday ones from ``rag/data/plain_words.tsv`` (one reviewed
  table: "pulmonary fibrosis" -> "lung scarring"), longest phrase first;
- a long sentence is split where a clause boundary is unambiguous ("; ", ", while",
  ", followed by", ", leading to", ", including", ", offering").

The quoted passage shown beside the answer is never changed. ``explain_terms`` adds, for a
hard word the answer still uses, its definition from a glossary document in the corpus,
cited like any other passage. ``reading_grade`` is the Flesch-Kincaid grade (textstat
0.7.3, which needs no download).

Left out: reordering clauses, resolving pronouns, rewriting numbers; an LLM does that
better when one is configured (rag/llm.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .schema import REFERENCE_KIND

PLAIN_WORDS_PATH = Path(__file__).with_name("data") / "plain_words.tsv"

_LABEL = re.compile(r"^[A-Z][\w\s-]{2,40}:\s+(?=[A-Z])")
_PARENS = re.compile(r"\s*\([^()]{1,80}\)")
_OPENERS = re.compile(
    r"^(?:in summary|in conclusion|in addition|additionally|furthermore|moreover|nevertheless|"
    r"however|overall|notably|importantly|despite these advances|as scientific understanding deepens|"
    r"for instance|for example|thus|therefore|consequently|indeed)\s*,\s*", re.I)
_HEDGES = [
    (re.compile(r"\bit is important to note that\s+", re.I), ""),
    (re.compile(r"\bit should be noted that\s+", re.I), ""),
    (re.compile(r"\bhas been associated with\b", re.I), "has been linked to"),
    (re.compile(r"\bin the past few decades\b", re.I), "in recent years"),
    (re.compile(r"\bplay a crucial role in\b", re.I), "are key to"),
    (re.compile(r"\bplays a crucial role in\b", re.I), "is key to"),
    (re.compile(r"\bthereby\s+", re.I), "which helps in "),
]
# "While X, Y." -> "X. But Y."
_WHILE = re.compile(r"^While\s+(?P<a>[^,]{15,}),\s+(?P<b>[a-z].{10,})$")
# (pattern, what starts the new sentence). The new sentence must read on its own.
_SPLITS = [
    (re.compile(r";\s+"), ""),
    (re.compile(r",\s+while\s+"), ""),
    (re.compile(r",\s+whereas\s+"), "But "),
    (re.compile(r",\s+followed by\s+"), "Then comes "),
    (re.compile(r",\s+leading to\s+"), "This leads to "),
    (re.compile(r",\s+including\s+"), "This includes "),
    (re.compile(r",\s+offering\s+"), "It offers "),
    (re.compile(r",\s+but\s+"), "But "),
    (re.compile(r",\s+and\s+(?=(?:this|these|it|they|many|some|most)\s)"), ""),
    (re.compile(r"\s+because\s+(?=(?:they|it|this|these|the|of)\b)"), "This is because "),
    (re.compile(r",?\s+since\s+(?=(?:they|it|this|these)\s)"), "This is because "),
    (re.compile(r",\s+testing\s+whether\s+"), "They test whether "),
    (re.compile(r",\s+such\s+as\s+(?=[^,]+(?:,[^,]+)*,?\s+(?:and|or)\s+[^,]+\.?$)"), "Examples are "),
    # without a comma only when the list plainly ends the sentence ("..., and gut problems.")
    (re.compile(r"\s+such\s+as\s+(?=[^,]+(?:,[^,]+)+,?\s+(?:and|or)\s+[\w-]+(?:\s+[\w-]+){0,2}\.?$)"),
     "Examples are "),
    (re.compile(r",\s+with\s+(?=(?:many|most|some)\s+(?:people|patients)\s+\w+ing\b)"), ""),
]
_MIN_PIECE_WORDS = 5


def plain_word_pairs(path: Path = PLAIN_WORDS_PATH) -> list[tuple[str, str]]:
    """The reviewed table as (clinical phrase, plain words) pairs, in file order."""
    pairs = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        clinical, _, plain = line.partition("\t")
        if clinical.strip() and plain.strip():
            pairs.append((clinical.strip(), plain.strip()))
    return pairs


@lru_cache(maxsize=4)
def plain_words(path: Path = PLAIN_WORDS_PATH) -> tuple[tuple[re.Pattern, str], ...]:
    """The substitution table, longest phrase first, as compiled word-bounded patterns."""
    pairs = sorted(plain_word_pairs(path), key=lambda p: -len(p[0]))
    return tuple((re.compile(rf"\b{re.escape(c)}\b", re.I), p) for c, p in pairs)


def _keep_case(replacement: str, matched: str) -> str:
    return replacement[:1].upper() + replacement[1:] if matched[:1].isupper() else replacement


def _substitute(text: str) -> str:
    for pattern, plain in plain_words():
        text = pattern.sub(lambda m: _keep_case(plain, m.group(0)), text)
    return text


# "Many people having X." (left by splitting at ", with") -> "Many people had X."
_HAVING = re.compile(r"^((?:many|most|some)\s+(?:people|patients))\s+having\b", re.I)


def _finish(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip(" ,")
    s = re.sub(r"\s+([,.;:])", r"\1", s)
    s = re.sub(r"\b(the|a|an|of|to|and)\s+\1\b", r"\1", s, flags=re.I)  # "the the" left by a substitution
    if not s:
        return s
    s = _HAVING.sub(r"\1 had", s)
    s = s[0].upper() + s[1:]
    return s if s[-1] in ".!?:" else s + "."


def _split(sentence: str) -> list[str]:
    for pattern, lead in _SPLITS:
        m = pattern.search(sentence)
        if not m:
            continue
        head, tail = sentence[: m.start()], sentence[m.end():]
        if len(head.split()) >= _MIN_PIECE_WORDS and len(tail.split()) >= _MIN_PIECE_WORDS - 1:
            return _split(head) + _split(lead + tail if lead else tail)
    return [sentence]


# "Nintedanib, an antifibrotic agent, has shown..." -> "Nintedanib is an antifibrotic agent.
# Nintedanib has shown..."; "Biologic drugs, which target X, are studied" -> "Biologic drugs
# target X. Biologic drugs are studied". Only for a short subject at the start.
_APPOSITIVE = re.compile(r"^(?P<subject>[A-Z][\w'\u2019-]*(?:\s+[\w'\u2019-]+){0,3}),\s+"
                         r"(?P<what>(?:a|an|the|also known as)\s+[^,]{3,80}),\s+(?P<rest>[a-z].{10,})$")
_WHICH = re.compile(r"^(?P<subject>[A-Z][\w'\u2019-]*(?:\s+[\w'\u2019-]+){0,3}),\s+which\s+"
                    r"(?P<what>[^,]{5,100}),\s+(?P<rest>[a-z].{10,})$")
# ", which underscores..." / ", making it..." at the end of a full clause: a new sentence.
_CLAUSE_TAIL = re.compile(r",\s+(?:which|making\s+it)\s+(?=\w+s\b|a\b|an\b)")


# "Research, including larger trials, is needed to ..." -> "Research is needed to ... This
# includes larger trials." An aside between the subject and its verb moves to its own sentence.
_VERB = (r"(?:is|are|was|were|has|have|had|can|could|may|might|will|would|should|must|needs?|"
         r"needed|remains?|shows?|showed|shown|plays?|offers?|helps?|aims?|requires?|involves?|"
         r"continues?|leads?|targets?|works?|appears?|seems?)")
_ASIDE = re.compile(rf"^(?P<a>[A-Z][^,]{{3,80}}),\s+(?P<kw>including|such as|especially|particularly|where)\s+"
                    rf"(?P<b>[^;]{{5,160}}?),\s+(?P<c>{_VERB}\b.{{10,}})$")
_ASIDE_LEAD = {"including": "This includes ", "such as": "Examples are ", "especially": "This is especially ",
               "particularly": "This is especially ", "where": "In it, "}


# "Drugs such as A, B, and C are often used to ..." -> "Drugs are often used to ... Examples
# are A, B, and C."
_SUCH_AS = re.compile(rf"^(?P<a>[A-Z][\w\s-]{{2,40}}?)\s+such as\s+(?P<b>[^,;]+(?:,\s+[^,;]+)*,?\s+(?:and|or)\s+"
                      rf"[\w-]+(?:\s+[\w-]+){{0,2}}?)\s+(?P<c>(?:are|is|can|may|have|has|were|was)\b.{{10,}})$")


def _unfold(s: str) -> list[str]:
    m = _SUCH_AS.match(s)
    if m:
        return [f"{m.group('a')} {m.group('c')}", f"Examples are {m.group('b')}."]
    m = _ASIDE.match(s)
    if m:
        return [f"{m.group('a')} {m.group('c')}", _ASIDE_LEAD[m.group("kw")] + m.group("b") + "."]
    m = _WHILE.match(s)
    if m:
        return [m.group("a") + ".", "But " + m.group("b")]
    m = _APPOSITIVE.match(s)
    if m:
        what = m.group("what")
        verb = "is" if not what.startswith("also known") else "is"
        return [f"{m.group('subject')} {verb} {what}.", f"{m.group('subject')} {m.group('rest')}"]
    m = _WHICH.match(s)
    if m:
        return [f"{m.group('subject')} {m.group('what')}.", f"{m.group('subject')} {m.group('rest')}"]
    m = _CLAUSE_TAIL.search(s)
    if m and len(s[: m.start()].split()) >= 8 and len(s[m.end():].split()) >= 4:
        tail = s[m.end():]
        lead = "This makes it " if "making" in m.group(0) else "This "
        return [s[: m.start()] + ".", lead + tail]
    return [s]


_ALIAS = re.compile(r",\s+(?:also\s+)?(?:known\s+as|called)\s+(?P<alias>[^,()]{3,60}),\s+", re.I)


def simplify(sentence: str, keep_label: bool = False, known: str = "", split: bool = True) -> list[str]:
    """One quoted sentence -> one or more plainer sentences with the same meaning. A list
    item's label ("Physical therapy: ...") goes, unless ``keep_label`` (the item is shown
    as a bullet, where the label says what the item is). Another name given in passing
    (", also known as X,") goes unless ``known`` (the question) uses a word of it: said in
    every answer, it would become a stock opener. ``split=False`` rewords without splitting:
    for a sentence that the next one points back to, whose pieces would push the answer
    further down."""
    s = re.sub(r"^[-*\u2022]\s+", "", sentence.strip())  # a list item's bullet
    m = _LABEL.match(s)
    if m and len(s[m.end():].split()) >= _MIN_PIECE_WORDS:
        if keep_label:
            return [m.group(0).strip() + " " + " ".join(simplify(s[m.end():], known=known))]
        s = s[m.end():]
    alias = _ALIAS.search(s)
    if alias and not set(re.findall(r"[a-z]{3,}", alias.group("alias").lower())) & set(re.findall(r"[a-z]{3,}", known.lower())):
        s = s[: alias.start()] + " " + s[alias.end():]
    s = _OPENERS.sub("", s)
    for pattern, plain in _HEDGES:
        s = pattern.sub(plain, s)
    s = _PARENS.sub("", s)
    s = _substitute(s)
    if not split:
        return [_finish(s)] if _finish(s) else []
    pieces = [q for p in _split(s) for q in _unfold(_finish(p))]
    return [p for p in (_finish(piece) for piece in pieces) if p]


@lru_cache(maxsize=20_000)
def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of ``text`` with citation markers removed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import textstat

    clean = re.sub(r"\s*\[\d+\]", "", text).strip()
    return round(float(textstat.flesch_kincaid_grade(clean)), 1) if clean else 0.0


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
        from .text import split_sentences

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
        taken: list[tuple[int, int]] = []
        found: dict[str, tuple[int, Definition]] = {}
        for pattern, d in self._patterns:
            for m in pattern.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                if d.chunk_id not in found or m.start() < found[d.chunk_id][0]:
                    found[d.chunk_id] = (m.start(), d)
        return sorted(found.values(), key=lambda p: p[0])


def hard_word(term: str, threshold: float = 2.6) -> bool:
    """A term an average reader may not know: some word of it is rare in everyday English."""
    from .lexical import specificity

    return any(specificity(w) >= threshold for w in re.findall(r"[a-z]+", term.lower()) if len(w) > 2)


_DEFINITION_QUESTION = re.compile(
    r"^\s*(?:what(?:'s|\s+is|\s+are|\s+does|\s+do)|define|definition\s+of|meaning\s+of|"
    r"what\s+(?:is|are)\s+meant\s+by|what\s+do\s+(?:you|they|doctors)\s+mean\s+by|explain|"
    r"tell\s+me\s+what)\b|\bmean(?:s|ing)?\s*\??\s*$", re.I)


def is_definition_question(question: str) -> bool:
    """"What is X?", "What does X mean?", "define X", "X meaning"."""
    return bool(_DEFINITION_QUESTION.search(question))


_SIMPLER = re.compile(
    r"\b(?:(?:more\s+)?simpl(?:er|y|ify)|plainer|(?:in\s+)?plain\s+(?:words|english|language)|"
    r"easier\s+(?:words|to\s+understand|way)|layman'?s\s+terms|too\s+(?:complicated|technical|hard|confusing)|"
    r"(?:don'?t|do\s+not|didn'?t|did\s+not)\s+(?:understand|get\s+(?:it|that|this))|"
    r"explain\s+(?:that|it|this)\s+(?:again|differently|better)|what\s+does\s+(?:that|this|it)\s+mean|"
    r"like\s+i'?m\s+(?:5|five|a\s+child)|eli5)\b", re.I)
# Words a "say it more simply" request is made of: what is left after them is a topic.
_REQUEST_WORDS = re.compile(
    r"\b(?:can|could|would|will|you|please|pls|say|said|put|tell|explain|it|that|this|again|me|in|a|an|the|"
    r"more|much|bit|way|words?|terms|i|still|sorry|ok|okay|thanks|thank|so|but|and|what|does|mean|to|"
    r"understand|get|don'?t|do|not|didn'?t|did|too|is|was|for|of|how|why)\b", re.I)


def is_simpler_request(question: str) -> bool:
    """"Say that more simply", "in plain words please", "I don't understand"."""
    return bool(_SIMPLER.search(question))


def refers_back(question: str) -> bool:
    """A "more simply" request about the last answer, naming no topic of its own."""
    return is_simpler_request(question) and not content_left(question)


def content_left(question: str) -> bool:
    """Whether a "more simply" request also names a topic ("explain nintedanib more simply")
    rather than pointing back at the last answer."""
    rest = _REQUEST_WORDS.sub(" ", _SIMPLER.sub(" ", question))
    return bool(re.search(r"[a-z]{3,}", rest, re.I))


def asked_definitions(question: str, glossary: Glossary | None, common: frozenset[str] = frozenset(),
                      most: int = 1) -> list[Definition]:
    """Definitions to open the answer with: the terms a definition question asks about
    ("what does X mean?"). Any other question is answered, not defined: "my doctor wants
    me on mycophenolate, what does it do?" must not open by defining "doctor". The
    corpus's own subject is never defined this way."""
    if not glossary or not len(glossary) or not is_definition_question(question):
        return []
    named = [d for _, d in glossary.terms_in(question) if not _is_subject(d, common)]
    return named[:most]


def definition_citation(d: Definition, glossary: Glossary, n: int):
    from .schema import Citation

    chunk = glossary.chunks[d.chunk_id]
    start = chunk.text.find(d.text)
    return Citation(n=n, chunk=chunk, score=0.0,
                    highlights=((start, start + len(d.text)),) if start >= 0 else ())


def with_definitions(definitions: list[Definition], sentences, citations, glossary: Glossary):
    """Put definitions first, numbered [1]..., and renumber the rest after them."""
    from dataclasses import replace

    from .schema import AnswerSentence

    k = len(definitions)
    front = [AnswerSentence(d.text, i + 1) for i, d in enumerate(definitions)]
    cites = [definition_citation(d, glossary, i + 1) for i, d in enumerate(definitions)]
    rest = [replace(s, citation=s.citation + k) for s in sentences]
    return front + rest, cites + [replace(c, n=c.n + k) for c in citations]


def plain_answer(sentences, citations, glossary: Glossary | None, max_terms: int = 2,
                 rewrite: bool = True, known: str = "", common: frozenset[str] = frozenset(),
                 max_sentences: int = 8):
    """Reword the answer's sentences (each keeps its citation and remembers its quote), then
    add after the whole answer, never inside it, the glossary definition of up to
    ``max_terms`` hard words it uses, each cited to the glossary passage: put between two
    sentences, a definition would change what the second one points back to. Glossary
    sentences are already plain and stay as they are; a list item stays one item (its
    pieces joined); words the patient used (``known``, the question) are not explained, nor
    the corpus's own subject (terms whose every word stem is in ``common``); definitions stop
    once the answer has ``max_sentences`` sentences. Returns (sentences, citations)."""
    from .schema import AnswerSentence

    citations = list(citations)
    out: list[AnswerSentence] = []
    from .sentence_kinds import points_back

    for k, s in enumerate(sentences):
        plain_already = glossary is not None and _is_glossary(citations, s.citation, glossary)
        if not rewrite or plain_already:
            out.append(s)
            continue
        # the sentence a pointing-back one leans on is context: reword it, don't split it
        leaned_on = (k + 1 < len(sentences) and sentences[k + 1].citation == s.citation
                     and points_back(sentences[k + 1].text))
        if s.list_item:
            text = " ".join(trim_subject(p, common) for p in simplify(s.text, keep_label=True, known=known))
            out.append(AnswerSentence(text, s.citation, quote=s.text if text != s.text else "", list_item=True))
            continue
        for piece in (trim_subject(p, common) for p in simplify(s.text, known=known, split=not leaned_on)):
            out.append(AnswerSentence(piece, s.citation, quote=s.text if piece != s.text else ""))
    out = _without_repeats(out)
    if not glossary or not len(glossary) or max_terms <= 0:
        return only_cited(out, citations)

    explained: set[str] = {c.chunk.chunk_id for c in citations if c.chunk.chunk_id in glossary.chunks}
    explained |= {d.chunk_id for _, d in glossary.terms_in(known)}
    added: list[AnswerSentence] = []
    for s in out:
        if _is_glossary(citations, s.citation, glossary):
            continue
        for _, d in glossary.terms_in(s.text):
            if (d.chunk_id in explained or not hard_word(d.term) or len(added) >= max_terms
                    or len(out) + len(added) >= max_sentences or _is_subject(d, common)
                    or _named_as_alias(s.text, d)):
                continue
            explained.add(d.chunk_id)
            citations.append(definition_citation(d, glossary, len(citations) + 1))
            added.append(AnswerSentence(d.text, len(citations)))
    return only_cited(out + added, citations)


def shorter(sentences, citations, most: int):
    """The answer's first ``most`` sentences, with only the citations they use."""
    return only_cited(list(sentences)[:most], citations)


# Clause boundaries where the rest can stand as a sentence of its own, and how it starts.
_CLAUSE_CUTS = [
    (re.compile(r",\s+and\s+(?=(?:it|they|this|these|the|its|their|many|most|some|people|patients)\b)"), ""),
    (re.compile(r",\s+but\s+"), "But "),
    (re.compile(r",\s+which\s+(?=\w+s\b)"), "This "),
    (re.compile(r",\s+making\s+"), "This makes "),
    (re.compile(r",\s+so\s+(?=(?:it|they|this|the)\b)"), "So "),
    (re.compile(r"\s+to\s+(?=help\b|[a-z]+\s+(?:a|an|the|new|their|your|its)\b)"), "This is to "),
]


def short_pieces(sentence: str, min_words: int = 4) -> list[str]:
    """A plain sentence cut once more at a clause boundary where both halves stand alone:
    "say that more simply" wants short sentences. Uncut when there is no such boundary, or
    when the sentence is a list ("Examples are A, B, and the C"), which a cut would break."""
    if re.match(r"^(?:examples\s+are|this\s+includes|these\s+include)\b", sentence, re.I) or sentence.count(",") >= 2:
        return [sentence]
    for pattern, lead in _CLAUSE_CUTS:
        m = pattern.search(sentence)
        if not m:
            continue
        head, tail = sentence[: m.start()].strip(), sentence[m.end():].strip()
        if len(head.split()) >= min_words and len(tail.split()) >= min_words:
            return [_finish(head), _finish(lead + tail)]
    return [sentence]


def simplest(sentences, citations, glossary: Glossary | None = None, most: int = 3, grade: float = 6.0):
    """"Say that more simply": the main point of an answer in at most ``most`` short
    sentences. The answer's opening sentences are kept in order (a sentence that points back
    only with the one it points to), each cut at a clause boundary while it reads above
    ``grade`` and there is room; what room is left goes to a glossary definition the answer
    carries."""
    from .sentence_kinds import points_back

    def is_gloss(s) -> bool:
        return glossary is not None and _is_glossary(citations, s.citation, glossary)

    # a definition that opens the answer ("what does X mean?") is its main point
    opening = next((i for i, s in enumerate(sentences) if not is_gloss(s)), len(sentences))
    body = [s for i, s in enumerate(sentences) if s.text.strip() and (i < opening or not is_gloss(s))]
    out = []
    for s in body:
        if len(out) >= most or (out and points_back(s.text) and s.citation != out[-1].citation):
            break
        if out and not points_back(s.text) and len(out) >= 2:
            break  # a third sentence only when it finishes the second's thought
        out.append(s)
    i = 0
    while i < len(out) and len(out) < most:
        cut = short_pieces(out[i].text) if reading_grade(out[i].text) > grade else [out[i].text]
        if len(cut) > 1:
            quote = out[i].quote or out[i].text
            out[i:i + 1] = [replace(out[i], text=c, quote=quote) for c in cut]
        else:
            i += 1
    out = out[:most]
    for s in (s for s in sentences[opening:] if is_gloss(s)):
        if len(out) >= most:
            break
        if reading_grade(s.text) <= grade and any(d.text == s.text for t in out for _, d in glossary.terms_in(t.text)):
            out.append(s)
    return only_cited(out, citations)


def only_cited(sentences, citations):
    """Drop citations no sentence cites any more (a repeat was dropped) and number the rest
    1..k in their order."""
    from dataclasses import replace

    used = {s.citation for s in sentences}
    kept = [c for c in citations if c.n in used]
    new_n = {c.n: i for i, c in enumerate(kept, 1)}
    return ([replace(s, citation=new_n[s.citation]) for s in sentences],
            [replace(c, n=new_n[c.n]) for c in kept])


def _without_repeats(sentences):
    """Drop a sentence whose words are mostly those of an earlier one (a definition and an
    unfolded apposition can say the same thing)."""
    from .lexical import terms

    kept, seen = [], []
    for s in sentences:
        words = set(terms(s.text))
        if any(words and len(words & w) / len(words) >= 0.75 for w in seen):
            continue
        kept.append(s)
        seen.append(words)
    return kept


_SUBJECT_TAIL = re.compile(
    r",?\s+(?:in|for|among)\s+(?:(?:people|patients|individuals|those)\s+(?:with|who\s+have|affected\s+by)\s+)?"
    r"(?:this\s+disease|(?P<word>[a-z]+))\s*\.$", re.I)


def trim_subject(sentence: str, common: frozenset[str]) -> str:
    """Drop a closing "in people with scleroderma" when scleroderma is what the whole corpus
    is about: every answer is about it, and the phrase only lengthens the sentence."""
    from .lexical import stem

    m = _SUBJECT_TAIL.search(sentence)
    if not m or len(sentence[: m.start()].split()) < 6:
        return sentence
    word = m.group("word")
    if word is not None and stem(word.lower()) not in common:
        return sentence
    return sentence[: m.start()].rstrip(" ,") + "."


def _named_as_alias(sentence: str, d: Definition) -> bool:
    """The sentence already says what the term is: "X is also known as <term>"."""
    return any(re.search(rf"\b(?:known as|also called|called)\s+{re.escape(n)}\b", sentence, re.I)
               for n in d.names)


def _is_subject(d: Definition, common: frozenset[str]) -> bool:
    from .lexical import terms

    stems = terms(d.names[0]) if d.names else []
    return bool(stems) and all(t in common for t in stems)


def _is_glossary(citations, n: int, glossary: Glossary) -> bool:
    return any(c.n == n and c.chunk.chunk_id in glossary.chunks for c in citations)
