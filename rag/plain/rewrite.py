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

The quoted passage shown beside the answer is never changed. ``plain_answer`` is the
stage: every sentence reworded, then hard words explained after the answer
(``rag.plain.glossary.explain_terms``). ``rag.plain.simpler.simpler`` answers "say that more simply": the main
point in a few short sentences of everyday words, each at reading grade 6 or below (the
rules are in ``rag.plain.simpler``). ``reading_grade`` is the Flesch-Kincaid grade (textstat
0.7.3, which needs no download).

Left out: the glossary itself (``rag.plain.glossary``), telling that a patient asked for it more
simply (``rag.question.understand``), citation numbering (``rag.text.citations``); reordering clauses,
resolving pronouns, rewriting numbers: an LLM does that better when one is configured
(``rag.chat_model.client``).
"""

from __future__ import annotations

import re

from rag.text.citations import only_cited
from rag.text.cleaning import title_parts
from rag.plain.glossary import Glossary, explain_terms
from rag.text.lexical import stem, terms
from rag.schema import AnswerSentence
from rag.text.plain_words import to_plain
from rag.text.sentences import points_back


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


# Verbs that can follow a sentence's subject (for the asides below).
_VERB = (r"(?:is|are|was|were|has|have|had|can|could|may|might|will|would|should|must|needs?|"
         r"needed|remains?|shows?|showed|shown|plays?|offers?|helps?|aims?|requires?|involves?|"
         r"continues?|leads?|targets?|works?|appears?|seems?)")
# A clause opening with a preposition or a conjunction ("In the cold, the fingers turn
# white, then blue") has no subject to repeat; and what follows an aside must be a predicate.
_NOT_SUBJECT = (r"(?!(?:In|On|At|After|Before|When|If|For|During|With|Without|Because|Although|Though|While|"
                r"Since|Once|Unlike|Like|Despite|Among|Over|Under|By|From|To|As|Then|So|But|And|Or)\b)")
_PREDICATE = rf"(?=(?:(?:also|often|usually|still|now|not|then)\s+)?(?:{_VERB}|[a-z]+(?:s|ed))\b)"
# "Nintedanib, an antifibrotic agent, has shown..." -> "Nintedanib is an antifibrotic agent.
# Nintedanib has shown..."; "Biologic drugs, which target X, are studied" -> "Biologic drugs
# target X. Biologic drugs are studied". Only for a short subject at the start.
_APPOSITIVE = re.compile(rf"^{_NOT_SUBJECT}(?P<subject>[A-Z][\w'\u2019-]*(?:\s+[\w'\u2019-]+){{0,3}}),\s+"
                         rf"(?P<what>(?:a|an|the|also known as)\s+[^,]{{3,80}}),\s+{_PREDICATE}(?P<rest>[a-z].{{10,}})$")
_WHICH = re.compile(rf"^{_NOT_SUBJECT}(?P<subject>[A-Z][\w'\u2019-]*(?:\s+[\w'\u2019-]+){{0,3}}),\s+which\s+"
                    rf"(?P<what>[^,]{{5,100}}),\s+{_PREDICATE}(?P<rest>[a-z].{{10,}})$")
# ", which underscores..." / ", making it..." at the end of a full clause: a new sentence.
_CLAUSE_TAIL = re.compile(r",\s+(?:which|making\s+it)\s+(?=\w+s\b|a\b|an\b)")


# "Research, including larger trials, is needed to ..." -> "Research is needed to ... This
# includes larger trials." An aside between the subject and its verb moves to its own sentence.
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
        return [f"{m.group('subject')} is {m.group('what')}.", f"{m.group('subject')} {m.group('rest')}"]
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


def simplify(sentence: str, keep_label: bool = False, known: str = "", split: bool = True,
             names: tuple[str, ...] = ()) -> list[str]:
    """One quoted sentence -> one or more plainer sentences with the same meaning. A list
    item's label ("Physical therapy: ...") goes, unless ``keep_label`` (the item is shown
    as a bullet, where the label says what the item is). Another name given in passing
    (", also known as X,") goes unless ``known`` (the question) uses a word of it: said in
    every answer, it would become a stock opener. ``split=False`` rewords without splitting:
    for a sentence that the next one points back to, whose pieces would push the answer
    further down. No piece of a phrase of ``names`` (what the cited documents are called) is
    reworded ("Cystic fibrosis" never becomes "Cystic scarring")."""
    s = re.sub(r"^[-*\u2022]\s+", "", sentence.strip())  # a list item's bullet
    m = _LABEL.match(s)
    if m and len(s[m.end():].split()) >= _MIN_PIECE_WORDS:
        if keep_label:
            return [m.group(0).strip() + " " + " ".join(simplify(s[m.end():], known=known, names=names))]
        s = s[m.end():]
    alias = _ALIAS.search(s)
    if alias and not set(re.findall(r"[a-z]{3,}", alias.group("alias").lower())) & set(re.findall(r"[a-z]{3,}", known.lower())):
        s = s[: alias.start()] + " " + s[alias.end():]
    s = _OPENERS.sub("", s)
    for pattern, plain in _HEDGES:
        s = pattern.sub(plain, s)
    s = _PARENS.sub("", s)
    s = to_plain(s, names)
    if not split:
        return [_finish(s)] if _finish(s) else []
    pieces = [q for p in _split(s) for q in _unfold(_finish(p))]
    return [p for p in (_finish(piece) for piece in pieces) if p]


def plain_answer(sentences, citations, glossary: Glossary | None, max_terms: int = 2,
                 rewrite: bool = True, known: str = "", common: frozenset[str] = frozenset(),
                 max_sentences: int = 8):
    """Reword the answer's sentences (each keeps its citation and remembers its quote), then
    add after the whole answer, never inside it, the glossary definition of up to
    ``max_terms`` hard words it uses (``rag.plain.glossary.explain_terms`` says which are left
    out): put between two sentences, a definition would change what the second one points
    back to. Glossary sentences are already plain and stay as they are; a list item stays
    one item (its pieces joined); no piece of a cited document's name is reworded
    (``cited_names``). Returns (sentences, citations)."""
    out: list[AnswerSentence] = []
    names = cited_names(citations)
    for k, s in enumerate(sentences):
        plain_already = glossary is not None and glossary.quoted(citations, s.citation)
        if not rewrite or plain_already:
            out.append(s)
            continue
        # the sentence a pointing-back one leans on is context: reword it, don't split it
        leaned_on = (k + 1 < len(sentences) and sentences[k + 1].citation == s.citation
                     and points_back(sentences[k + 1].text))
        if s.list_item:
            text = " ".join(trim_subject(p, common) for p in simplify(s.text, keep_label=True, known=known,
                                                                          names=names))
            out.append(AnswerSentence(text, s.citation, quote=s.text if text != s.text else "", list_item=True))
            continue
        pieces = [trim_subject(p, common) for p in simplify(s.text, known=known, split=not leaned_on, names=names)]
        for piece in pieces or [s.text]:  # all of it in parentheses: said as written, never dropped
            out.append(AnswerSentence(piece, s.citation, quote=s.text if piece != s.text else ""))
    return only_cited(*explain_terms(_without_repeats(out), citations, glossary, max_terms, known, common,
                                     max_sentences))


def cited_names(citations) -> tuple[str, ...]:
    """The names the cited documents go by, from their titles and the parts of them
    ("Parasites - Ascariasis" -> also "Ascariasis"): never reworded piece by piece."""
    return tuple(dict.fromkeys(p for c in citations for p in [c.chunk.title, *title_parts(c.chunk.title)] if len(p) > 2))


def _without_repeats(sentences):
    """Drop a sentence whose words are mostly those of an earlier one (a definition and an
    unfolded apposition can say the same thing)."""
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
    m = _SUBJECT_TAIL.search(sentence)
    if not m or len(sentence[: m.start()].split()) < 6:
        return sentence
    word = m.group("word")
    if word is not None and stem(word.lower()) not in common:
        return sentence
    return sentence[: m.start()].rstrip(" ,") + "."
