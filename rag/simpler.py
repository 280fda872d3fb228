"""Say it simpler: an answer's main point again, in a few short sentences of everyday words.

Used when a patient asks "say that more simply" or "I don't understand" (``rag.understand``
tells), after ``rag.plain.plain_answer`` reworded the answer. Each answer sentence, the
first (the main point) first, becomes short sentences by rules:

- clutter goes: citation markers ("[3]"), parentheses ("(e.g., ...)", "(SSc)"), "e.g.", "etc.";
- clinical words become everyday ones (``rag/data/plain_words.tsv``, through
  ``rag.plain.simplify``, which also drops openers and hedges and unfolds asides), then
  long phrasings shorter ones (``_SHORTER``: "clinical trials" -> "trials", "has shown the
  ability to" -> "can"), which only a request for simpler words justifies;
- a sentence that still reads above ``grade`` is split at clause boundaries where both
  halves stand alone ("; ", ", which", "while", "because", ", and it can", ", leading to",
  ", along with", "a disease that affects ..."), the second half led by words that tie it
  to the first ("This leads to ...", "It can ...");
- a piece still above ``grade`` loses what carries least, one step at a time: filler words
  ("also", "carefully"), an opening "For X," or "Despite X,", a closing "in people with X",
  the answer's own subject ("... for scleroderma", when most of the answer is about it), a
  closing "in recent years", a closing purpose ("to improve ...").

A piece is kept only when ``rag.plain.reading_grade`` (Flesch-Kincaid, what the evaluation
measures) puts it at ``grade`` or below: a hard piece is dropped, never returned. A piece
that leans on the one before ("This leads to ...", "It can ...") is kept only right after
it. Every piece keeps the citation of the sentence it came from, and ``quote`` keeps that
sentence as the document has it. The answer's own glossary sentences (``explain_terms``
added them) explain, right after it, a hard word a kept piece still uses, when there is
room and the definition can be said at ``grade``.

An answer that already reads at ``grade`` or below, in words no table has a plainer form
of, comes back shortened and not reworded: there is nothing simpler to say it with. When
no piece of any sentence reaches ``grade``, the shortest piece is returned, not nothing.

Left out: reordering clauses, resolving pronouns, conjugating verbs, rewriting numbers or
long lists (a list is kept whole or dropped, never cut short); a chat model does those
better when one is configured (``rag.llm``). Telling that the patient asked: ``rag.understand``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .citations import only_cited, strip_markers
from .glossary import Glossary, hard_word
from .lexical import terms
from .plain import _finish, reading_grade, simplify
from .schema import AnswerSentence
from .sentence_kinds import points_back
from .text import split_sentences

_CLUTTER = [
    re.compile(r"\s*\[[^\[\]]{0,40}\]"),  # "[3]", "[citation needed]"
    re.compile(r"\s*\([^()]{0,200}\)"),  # "(SSc)", "(e.g., A, B)"
    re.compile(r",?\s*\b(?:e\.g\.|i\.e\.),?(?=\s)", re.I),
    re.compile(r",?\s+etc\.?(?=[\s,.;]|$)", re.I),
    re.compile(r"\s+[\u2014\u2013]\s+[^\u2014\u2013]{3,80}\s+[\u2014\u2013](?=\s)"),  # " - an aside - "
]
# Shorter ways to say what plain_answer's words say: for "say it simpler" only, where a
# little exactness may go for short words, never a fact (a number, a "not", who it is for).
_SHORTER = [(re.compile(p, re.I), r) for p, r in [
    (r"\ba stem cell transplant using your own cells\b", "a transplant of your own stem cells"),
    (r"\bstem cell transplant using your own cells\b", "transplant of your own stem cells"),
    (r"\bclinical (trials?)\b", r"\1"), (r"\bresearch (stud(?:y|ies))\b", r"\1"),
    (r"\b(?:has|have) shown the ability to\b", "can"), (r"\bfor their ability to\b", "to see if they can"),
    (r"\bfor its ability to\b", "to see if it can"), (r"\bthe possibility of\b", "the chance of"),
    (r"\bseveral\b", "some"), (r"\bhopeful results\b", "good results"), (r"\bimportant progress\b", "good progress"),
    (r"\boffers\b", "gives"), (r"\boffer\b", "give"), (r"\bachieve\b", "reach"), (r"\bcondition\b", "illness"),
    (r"\bearly-phase\b", "early"), (r"\bautoimmune attack\b", "immune attack"), (r"^examples are\b", "These include"),
    (r"\bhelps in (slow|stopp|keep|eas)ing\b", r"helps \1"), (r"\bstopp\b", "stop"), (r"\beas\b", "ease"),
]]
_AUX = r"(?:is|are|was|were|has|have|had|can|could|may|might|will|would|should|must|does|do)"


def _they(head: str) -> str:
    """"It" or "They" for the subject of ``head``, judged by its first verb or its first noun."""
    m = re.search(rf"\b({_AUX})\b", head, re.I)
    if m and m.group(1).lower() in {"are", "were", "have", "do"}:
        return "They"
    if m and m.group(1).lower() in {"is", "was", "has", "does"}:
        return "It"
    words = re.findall(r"[A-Za-z]+", head)[:4]
    if words and words[0].lower() in {"these", "many", "some", "most", "both", "several", "people"}:
        return "They"
    noun = next((w for w in words if w.lower() not in {"the", "a", "an", "this", "that"}), "")
    return "They" if noun.endswith("s") and not noun.endswith("ss") else "It"


# (clause boundary, how the second half starts). "{it}" is the first half's subject.
_CUTS = [
    (re.compile(r"\s*;\s+"), ""),
    (re.compile(r",\s+which\s+(?=\w+s\b|" + _AUX + r"\b)"), "This "),
    (re.compile(r",?\s+while\s+helping\s+"), "It also helps "),
    (re.compile(r",?\s+while\s+(?=(?:the|this|these|it|they|some|many|most|later|other)\b)"), ""),
    (re.compile(r",?\s+because\s+(?=(?:they|it|this|these|the|of)\b)"), "This is because "),
    (re.compile(r",?\s+since\s+(?=(?:they|it|this|these)\b)"), "This is because "),
    (re.compile(r",\s+(?:and|or)\s+(?=(?:it|they|this|these|its|their|many|most|some|people)\s)"), ""),
    (re.compile(r",?\s+and\s+(?=(?:can|may|will|could|might|should|must|is|are|has|have)\s)"), "{it} "),
    (re.compile(r",\s+but\s+"), "But "),
    (re.compile(r",\s+so\s+(?=(?:it|they|this|the)\b)"), "So "),
    (re.compile(r",\s+leading\s+to\s+"), "This leads to "),
    (re.compile(r",\s+making\s+(?=it|them)"), "This makes "),
    (re.compile(r",\s+along\s+with\s+"), "There is also "),
    (re.compile(r",\s+(?:especially|particularly)\s+(?=in|for|among|when)"), "This is most true "),
    (re.compile(r",\s+(?:often\s+|usually\s+|mostly\s+)?(?=(?:led|run|given|done|used|made|paid|funded)\s+by\b)"),
     "{it} {be} often "),
    (re.compile(r",\s+with\s+(?=(?:an?\s+)?(?:more|increasing|growing|greater|new)\b)"), "There is "),
    (re.compile(r"\s+aimed\s+at\s+(?=\w+ing\b)"), "{it} {be} aimed at "),
]
# "a long-lasting disease that mainly affects the skin" -> "... disease. This disease mainly
# affects the skin": a relative clause whose verb agrees with the noun before it.
_THAT = re.compile(r"\s+(?:that|which)\s+(?P<verb>(?:(?:mainly|often|usually|also)\s+)?(?P<v>[a-z]+))\b")
_NOT_NOUN = {"shown", "is", "are", "was", "were", "has", "have", "hope", "means", "so", "such", "all", "those",
             "ones", "one", "and", "or", "but", "than", "of", "to", "in", "on", "for", "with", "by", "about",
             "that", "fact", "sure", "show", "shows", "find", "found", "whether", "known"}
_MIN_WORDS = 4


def _agrees(noun: str, verb: str) -> bool:
    plural = noun.endswith("s") and not noun.endswith("ss")
    if verb in {"is", "was", "has", "does"} or (verb.endswith("s") and not verb.endswith("ss")):
        return not plural
    return plural and verb in {"are", "were", "have", "do"}


def _cut(sentence: str, grade: float) -> list[tuple[str, bool]]:
    """``sentence`` cut at clause boundaries while a part reads above ``grade``: (part,
    whether it leans on the part before)."""
    if reading_grade(sentence) <= grade:
        return [(sentence, False)]
    for pattern, lead in _CUTS:
        for m in pattern.finditer(sentence):
            head, tail = sentence[: m.start()].strip(), sentence[m.end():].strip()
            if len(head.split()) < _MIN_WORDS or len(tail.split()) < _MIN_WORDS - 1:
                continue
            if lead == "" and "," in head and pattern.pattern.startswith(",\\s+(?:and"):
                continue  # ", and they" after a list ("A, B, and people") is the list's end
            they = _they(head)
            lead = lead.replace("{it}", they).replace("{be}", "are" if they == "They" else "is")
            rest = _cut(_finish(lead + tail), grade)
            rest[0] = (rest[0][0], bool(lead) or rest[0][1])
            return _cut(_finish(head), grade) + rest
    for m in _THAT.finditer(sentence):
        head, tail = sentence[: m.start()].strip(), sentence[m.end():].strip()
        noun = re.search(r"([a-z][\w-]+)$", head)
        if (noun and len(head.split()) >= _MIN_WORDS and len(tail.split()) >= _MIN_WORDS - 2
                and noun.group(1) not in _NOT_NOUN and not noun.group(1).endswith(("ed", "ly", "ing"))
                and _agrees(noun.group(1), m.group("v"))):
            this = "These" if _they(noun.group(1)) == "They" else "This"
            rest = _cut(_finish(f"{this} {noun.group(1)} {m.group('verb')} {tail}"), grade)
            return _cut(_finish(head), grade) + [(rest[0][0], True)] + rest[1:]
    return [(sentence, False)]


_FILLER = re.compile(r"\b(?:also|even|then|overall|actually|further|ongoing|really|very|carefully|greatly|"
                     r"mainly|largely|primarily|highly|truly|currently|generally|typically|existing|"
                     r"various|specific|certain|true)\s+(?=\w)", re.I)
_OPENING = re.compile(r"^(?:For|Despite)\s+[^,]{2,40},\s+")
_WHO_TAIL = re.compile(r",?\s+(?:in|for|among)\s+(?:(?:selected|many|some|most)\s+)?(?:people|patients|those|"
                       r"individuals)(?:\s+(?:with|who\s+have|living\s+with|affected\s+by)\s+[^,.;]{2,40})?\s*\.$", re.I)
_TIME_TAIL = re.compile(r",?\s+(?:in\s+recent\s+years|in\s+the\s+past\s+few\s+(?:years|decades)|over\s+the\s+years)\s*\.$", re.I)
_PURPOSE_TAIL = re.compile(r",?\s+(?:to\s+(?:help|improve|make|find|reduce|manage|ensure|check|keep)|aimed\s+at|"
                           r"through)\b[^.]{6,}\.$", re.I)


def _reductions(piece: str, subject: frozenset[str]) -> list[str]:
    """``piece``, then ever shorter forms of it that keep its main clause."""
    subject_tail = re.compile(r",?\s+(?:in|for|of|with)\s+(?:the\s+)?([a-z]+)\s*\.$", re.I)

    def drop_subject(s: str) -> str:
        m = subject_tail.search(s)
        return s[: m.start()] + "." if m and terms(m.group(1)) and set(terms(m.group(1))) <= subject else s

    steps = [lambda s: _FILLER.sub("", s), lambda s: _OPENING.sub("", s), lambda s: _WHO_TAIL.sub(".", s),
             drop_subject, lambda s: _TIME_TAIL.sub(".", s), lambda s: _PURPOSE_TAIL.sub(".", s)]
    out = [piece]
    for step in steps:
        shorter = _finish(step(out[-1]))
        if shorter != out[-1] and len(shorter.split()) >= _MIN_WORDS and len(terms(shorter)) >= 2:
            out.append(shorter)
    return out


def declutter(text: str) -> str:
    """``text`` without citation markers, parentheses, "e.g." and "etc."."""
    text = strip_markers(text)
    for pattern in _CLUTTER:
        text = pattern.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def _shorter(text: str) -> str:
    for pattern, short in _SHORTER:
        text = pattern.sub(lambda m: _same_case(m.expand(short), m.group(0)), text)
    return text


def _same_case(new: str, old: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new[:1].lower() + new[1:]


@dataclass(frozen=True)
class Piece:
    text: str
    grade: float
    leans: bool  # reads only right after the piece before it


def short_sentences(sentence: str, grade: float = 6.0, subject: frozenset[str] = frozenset()) -> list[Piece]:
    """One answer sentence (or a list item of several) as short sentences in everyday
    words, in order, each in the first form that reads at ``grade`` or below, or else its
    shortest form (which the caller drops). ``subject``: word stems most of the answer
    uses, which a hard piece may leave out at its end."""
    text = declutter(sentence)
    pieces = []
    for a, b in split_sentences(text) or [(0, len(text))]:
        for plain in simplify(text[a:b]):
            for part, leans in _cut(_finish(declutter(_shorter(plain))), grade):
                forms = [(reading_grade(f), f) for f in _reductions(part, subject)]
                g, best = next(((g, f) for g, f in forms if g <= grade), forms[-1])
                pieces.append(Piece(best, g, leans or points_back(best)))
    return pieces


def simpler(sentences, citations, glossary: Glossary | None = None, most: int = 3, grade: float = 6.0):
    """"Say that more simply": the answer's main point in at most ``most`` sentences, each
    reading at ``grade`` or below (see the module's docstring). Returns (sentences,
    citations), the citations no sentence uses any more gone and the rest numbered 1..k."""
    def is_gloss(s) -> bool:
        return glossary is not None and glossary.quoted(citations, s.citation)

    # a definition that opens the answer ("what does X mean?") is its main point
    opening = next((i for i, s in enumerate(sentences) if not is_gloss(s)), len(sentences))
    body = [s for i, s in enumerate(sentences) if s.text.strip() and (i < opening or not is_gloss(s))]
    counts: dict[str, int] = {}
    for s in body:
        for t in set(terms(s.text)):
            counts[t] = counts.get(t, 0) + 1
    subject = frozenset(t for t, n in counts.items() if n >= 2 and n * 2 >= len(body))
    out: list[AnswerSentence] = []
    tried: list[tuple[Piece, AnswerSentence]] = []
    before_kept = False  # whether the piece before this one (in the answer's order) was kept
    for s in body:
        pieces = short_sentences(s.text, grade, subject)
        if len(out) >= most or (len(out) >= 2 and pieces and not pieces[0].leans):
            break  # a new thought after two sentences: the main point is said
        for p in pieces:
            tried.append((p, s))
            keep = (len(out) < most and p.grade <= grade
                    and (not p.leans or (before_kept and out[-1].citation == s.citation)))
            if keep:
                out.append(_sentence(p.text, s))
            before_kept = keep
    if not out and tried:  # nothing reads at grade: the shortest piece rather than nothing
        p, s = min(tried, key=lambda t: (t[0].leans, len(t[0].text.split()), t[0].grade))
        out.append(_sentence(p.text, s))
    if glossary is not None:
        out = _explained(out, [s for s in sentences[opening:] if is_gloss(s)], citations, glossary, most, grade)
    return only_cited(out, citations)


def _sentence(text: str, source: AnswerSentence) -> AnswerSentence:
    quote = source.quote or source.text
    return AnswerSentence(text, source.citation, quote=quote if text != quote else "")


def _explained(out: list[AnswerSentence], definitions, citations, glossary: Glossary, most: int, grade: float):
    """``out`` with, while there is room, the answer's glossary definition of a hard word a
    kept sentence uses, said at ``grade``, put after that sentence and what leans on it."""
    out = list(out)
    chunk_of = {c.n: c.chunk.chunk_id for c in citations}
    for d in definitions:
        if len(out) >= most:
            break
        first = short_sentences(d.text, grade)[:1]
        if not first or first[0].grade > grade or first[0].leans:
            continue
        users = [i for i, s in enumerate(out) if chunk_of.get(d.citation) in
                 {term.chunk_id for _, name, term in glossary.names_in(s.text) if hard_word(name)}]
        if not users:
            continue
        at = users[0] + 1
        while at < len(out) and points_back(out[at].text):
            at += 1
        out.insert(at, _sentence(first[0].text, d))
    return out
