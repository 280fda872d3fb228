"""Say it simpler: an answer's main point again, in a few short sentences of everyday words.

Used when a patient asks "say that more simply" or "I don't understand" (``rag.question.understand``
tells), after ``rag.plain.rewrite.plain_answer`` reworded the answer; the pipeline calls
``simpler``. Each answer sentence, the first (the main point) first, becomes short
sentences by rules written for any health text:

- clutter goes: citation markers ("[3]"), parentheses ("(e.g., ...)", "(SSc)"), "e.g.", "etc.";
- clinical words become everyday ones (``rag/data/plain_words.tsv`` through
  ``rag.plain.rewrite.simplify``, which also drops openers and hedges and unfolds asides), then
  long phrasings shorter ones (``_SHORTER``: "clinical trials" -> "trials", "has shown the
  ability to" -> "can"), a loss of exactness only a request for simpler words justifies;
- a sentence above ``grade`` is split where both halves stand alone ("; ", ", which",
  "while", "because", ", and it can", ", leading to", ", along with", "a disease that
  affects ..."), the second half led by words tying it to the first ("This leads to ...");
- a piece still above ``grade`` loses, step by step, filler words ("also", "carefully"), an
  opening "Despite X,", what only names the answer's own subject again ("For scleroderma,",
  "... in people with scleroderma": a word in most of its sentences), a closing "in recent
  years", a closing purpose ("... to improve how people do").

A piece is kept only when ``rag.text.sentences.reading_grade`` (Flesch-Kincaid, what the
evaluation measures) puts it at ``grade`` or below, one leaning on the piece before ("This
leads to ...") only right after it; but the main point is never dropped for a lesser one
that reads easier: when no piece of the first sentence reads at ``grade``, its first piece
(without a leading "But") is said all the same. Each keeps the citation of the sentence it
came from, and ``quote`` that sentence as the document has it. Room left goes to the
answer's own glossary sentences (``explain_terms`` chose them) for a hard word a kept piece
still uses, said at ``grade`` right after that piece. An answer already at ``grade`` in
words no table has a plainer form of comes back shortened, not reworded.

Left out: reordering clauses, resolving pronouns, conjugating verbs, rewriting numbers;
cutting a list short (it is kept whole or dropped). A chat model does those better when
one is configured (``rag.chat_model.client``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.citations import only_cited, strip_markers
from rag.plain.glossary import Glossary, hard_word
from rag.text.lexical import terms
from rag.plain.rewrite import _finish, cited_names, simplify
from rag.text.sentences import points_back, reading_grade
from rag.schema import AnswerSentence
from rag.text.cleaning import split_sentences

# "[3]", "(SSc)", "(e.g., A, B)", "e.g.", "etc.", " - an aside - "
_CLUTTER = [re.compile(r"\s*\[[^\[\]]{0,40}\]"), re.compile(r"\s*\([^()]{0,200}\)"),
            re.compile(r",?\s*\b(?:e\.g\.|i\.e\.),?(?=\s)", re.I), re.compile(r",?\s+etc\.?(?=[\s,.;]|$)", re.I),
            re.compile(r"\s+[\u2014\u2013]\s+[^\u2014\u2013]{3,80}\s+[\u2014\u2013](?=\s)")]
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
    (r"\bhelps in (slowing|stopping|keeping|easing|reducing|improving|preventing)\b", lambda m: "helps " + _BASE[m[1]]),
    (r"\b(?:the|a) (?:patient|person)['\u2019]s own\b", "your own"), (r"\ban more\b", "more"),
    (r"(?:^|(?<=\ba )|(?<=\bthe )|(?<=\band ))complete\b", "full"), (r"\bnewest\b", "new"),
    (r"\b(give|gives) (people|patients|you) access to\b", lambda m: f"{'let' if m[1] == 'give' else 'lets'} {m[2]} try"),
    (r"\b(people|patients) having (?:a )?((?:stem cell )?transplant)\b", r"\1 who have a \2"),
    (r"\b(people|patients) having\b", r"\1 who have"), (r"\bstomach and gut problems\b", "gut problems"),
]]
_BASE = {"slowing": "slow", "stopping": "stop", "keeping": "keep", "easing": "ease", "reducing": "reduce", "improving": "improve", "preventing": "prevent"}
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


# "used to calm X and reduce Y" -> "... They are also used to reduce Y": a second purpose, said
# again with what governs it; never after a modal ("may be used to"), which it would drop.
_GOVERNS = re.compile(r"\b(?:(?P<passive>used|given|taken|needed|meant|designed)\s+to|(?P<help>helps?)\s+"
                      r"(?P<whom>people|patients|you|them))\b")
_VERBS = ("reduce", "improve", "slow", "stop", "ease", "prevent", "protect", "help", "keep", "lower", "treat",
          "calm", "restore", "control")
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
    (re.compile(r",\s+so\s+(?!that\b|as\b|far\b|much\b|many\b)"), "So "),
    (re.compile(r",\s+leading\s+to\s+"), "This leads to "),
    (re.compile(r",\s+making\s+(?=it|them)"), "This makes "),
    (re.compile(r",\s+along\s+with\s+"), "There is also "), (re.compile(r",?\s+involving\s+(?=[^,]+,)"), "This includes "),
    (re.compile(r",\s+(?:especially|particularly)\s+(?=in|for|among|when)"), "This is most true "),
    (re.compile(r",\s+(?P<adv>(?:often|usually|mostly)\s+)?(?=(?:led|run|given|done|used|made|paid|funded)\s+by\b)"),
     "{it} {be} {adv}"),
    (re.compile(r",\s+with\s+(?=(?:an?\s+)?(?:more|increasing|growing|greater|new)\b)"), "There is "),
    (re.compile(r"\s+aimed\s+at\s+(?=\w+ing\b)"), "{it} {be} aimed at "),
    (re.compile(r"\s+and\s+(?=(?:" + "|".join(_VERBS) + r")\s)"), "{also}"),
]
# "a long-lasting disease that mainly affects the skin" -> "... disease. This disease mainly
# affects the skin": a relative clause whose verb agrees with the noun before it.
_THAT = re.compile(r"\s+(?:that|which)\s+(?P<verb>(?:(?:mainly|often|usually|also)\s+)?(?P<v>[a-z]+))\b")
_NOT_NOUN = set("shown is are was were has have hope means so such all those ones one and or but than of to in on for "
                "with by about that fact sure show shows find found whether known".split())
_MIN_WORDS = 4


def _agrees(noun: str, verb: str) -> bool:
    """Whether ``verb`` (after "that") agrees with ``noun``: "a disease that affects",
    "studies that test", not "living cells that aims" (the clause is about another noun)."""
    plural = noun.endswith("s") and not noun.endswith("ss")
    if verb in {"is", "was", "has", "does"} or (verb.endswith("s") and not verb.endswith("ss")):
        return not plural
    return plural and (verb in {"are", "were", "have", "do"} or not re.search(r"(?:ed|ing|ly)$|^(?:can|may|will)$", verb))


def _cut(sentence: str, grade: float) -> list[tuple[str, bool]]:
    """``sentence`` cut at clause boundaries while a part reads above ``grade``: (part,
    whether it leans on the part before)."""
    if reading_grade(sentence) <= grade:
        return [(sentence, False)]
    for pattern, lead in _CUTS:
        for m in pattern.finditer(sentence):
            head, tail = sentence[: m.start()].strip(), sentence[m.end():].strip()
            if len(head.split()) < _MIN_WORDS or len(tail.split()) < (2 if lead else _MIN_WORDS - 1):
                continue
            if lead == "" and "," in head and pattern.pattern.startswith(",\\s+(?:and"):
                continue  # ", and they" after a list ("A, B, and people") is the list's end
            they = _they(head)
            lead = lead.replace("{it}", they).replace("{be}", "are" if they == "They" else "is").replace(
                "{adv}", m.groupdict().get("adv") or "")
            if lead == "{also}":
                gov = list(_GOVERNS.finditer(head))
                if not gov or re.search(r"\b(?:may|might|could|can|would)\b", head, re.I):
                    continue
                g = gov[-1]
                lead = (f"{they} {'are' if they == 'They' else 'is'} also {g.group('passive')} to " if g.group("passive")
                        else f"{they} also helps {g.group('whom')} ")
            rest = _cut(_finish(lead + tail), grade)
            rest[0] = (rest[0][0], bool(lead) or rest[0][1])
            return _cut(_finish(head), grade) + rest
    for m in _THAT.finditer(sentence):
        head, tail = sentence[: m.start()].strip(), sentence[m.end():].strip()
        noun = re.search(r"([a-z][\w-]+)$", head)
        if (noun and len(head.split()) >= _MIN_WORDS and len(tail.split()) >= _MIN_WORDS - 2
                and noun.group(1) not in _NOT_NOUN and not noun.group(1).endswith(("ed", "ly", "ing"))
                and _agrees(noun.group(1), m.group("v"))
                # the object of a preposition ("the use of medicines that calm ...") is defined
                # by its clause: cut away, the head would say something else
                and not re.search(r"\b(?:of|for|in|on|with|from|to|by|like)\s+(?:\S+\s+){0,3}\S+$", head)):
            this = "These" if _they(noun.group(1)) == "They" else "This"
            rest = _cut(_finish(f"{this} {noun.group(1)} {m.group('verb')} {tail}"), grade)
            return _cut(_finish(head), grade) + [(rest[0][0], True)] + rest[1:]
    return [(sentence, False)]


_FILLER = re.compile(r"\b(?:also|even|overall|actually|further|ongoing|really|very|carefully|greatly|"
                     r"mainly|largely|primarily|highly|truly|currently|generally|typically|existing|"
                     r"various|specific|certain)\s+(?=\w)", re.I)
_DESPITE = re.compile(r"^Despite\s+[^,]{2,40},\s+")
# What only names the answer's own subject again: "For scleroderma, ...", "... in people with
# scleroderma.", "treatment for scleroderma has ...", "in scleroderma research" (group x).
_NOT_NOUN_NEXT = r"(?!(?:is|are|was|were|has|have|can|may|and|or|of|in|to|for|with|that|which)\b)"
_SUBJECT = [(re.compile(p, re.I), keep) for p, keep in [
    (r"^(?:For|In)\s+(?P<x>[^,]{2,40}),\s+", ""),
    (r",?\s+(?:in|for|among|of|with)\s+(?:(?:people|patients|individuals|those)\s+(?:with|who\s+have|living\s+with|"
     r"affected\s+by)\s+|the\s+)?(?P<x>[^,.;]{2,40}?)\s*\.$", "."),
    (r"\s+(?:of|for|in)\s+(?P<x>[a-z]+)(?=\s+(?:is|are|was|were|has|have|can|may|needs|requires|involves|affects)\b|,)", ""),
    (r"(?<=\b(?:in|of|on|to))\s+(?P<x>[a-z]+)(?=\s+" + _NOT_NOUN_NEXT + r"[a-z]{3,})", ""),
]]
_TIME_TAIL = re.compile(r",?\s+(?:in\s+recent\s+years|in\s+the\s+past\s+few\s+(?:years|decades)|over\s+the\s+years)\s*\.$", re.I)
# a closing purpose ("research to improve ...", "are needed to manage ..."), never a
# complement ("the chance to calm ...", "helps to ...")
_PURPOSE_TAIL = re.compile(r",?\s+(?:to\s+(?:help|improve|make|find|reduce|manage|ensure|check|keep|suppress|calm|"
                           r"slow|stop|rebuild|restore|replace|protect|prevent|treat|control)|aimed\s+at|through)\b[^.]{6,}\.$", re.I)
_COMPLEMENT = set("chance ability potential possibility way ways able likely aim aims try want going has have had help "
                  "helps how what need needs is are used given taken meant designed often".split())


def _without_purpose(s: str) -> str:
    m = _PURPOSE_TAIL.search(s)
    before = re.findall(r"[a-z]+", s[: m.start()].lower())[-1:] if m else []
    return s[: m.start()] + "." if m and before and before[0] not in _COMPLEMENT else s


def _reductions(piece: str, subject: frozenset[str]) -> list[str]:
    """``piece``, then ever shorter forms of it that keep its main clause."""
    def without_subject(s: str) -> str:
        for pattern, keep in _SUBJECT:
            m = pattern.search(s)
            if m and terms(m.group("x")) and set(terms(m.group("x"))) <= subject:
                s = s[: m.start()] + keep + s[m.end():]
        return s

    steps = [lambda s: _FILLER.sub("", s), lambda s: _DESPITE.sub("", s), without_subject,
             lambda s: _TIME_TAIL.sub(".", s), _without_purpose]
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
    def same_case(m, short) -> str:
        new = short(m) if callable(short) else m.expand(short)
        return new[:1].upper() + new[1:] if m.group(0)[:1].isupper() else new[:1].lower() + new[1:]

    for pattern, short in _SHORTER:
        text = pattern.sub(lambda m: same_case(m, short), text)
    return text


@dataclass(frozen=True)
class Piece:
    text: str
    grade: float
    leans: bool  # reads only right after the piece before it


# A definition's term ("Fibrosis means ..."): the word the patient asked about stays.
_DEFINED = re.compile(r"^(?P<term>[A-Z][^,.;:]{1,60}?)(?=(?:,\s+or\s+[^,]{1,30},)?\s+(?:means|is|are|describes)\b)")
_TERM = "Qqterm"


def short_sentences(sentence: str, grade: float = 6.0, subject: frozenset[str] = frozenset(),
                    defines: bool = False, names: tuple[str, ...] = ()) -> list[Piece]:
    """One answer sentence (or a list item of several) as short sentences in everyday
    words, in order, each in the first form that reads at ``grade`` or below, or else its
    shortest form (which the caller drops). ``subject``: word stems of what the whole
    answer is about, which a hard piece may leave out. ``defines``: the sentence is a
    glossary definition, whose term is kept as it is. ``names``: never reworded in pieces."""
    text = declutter(sentence)
    term = _DEFINED.match(text) if defines else None
    if term:
        text = _TERM + text[term.end():]
    pieces = []
    for a, b in split_sentences(text) or [(0, len(text))]:
        for plain in simplify(text[a:b], names=names):
            plain = _finish(declutter(_shorter(plain)))
            for part, leans in _cut(plain.replace(_TERM, term.group("term")) if term else plain, grade):
                forms = [(reading_grade(f), f) for f in _reductions(part, subject)]
                g, best = next(((g, f) for g, f in forms if g <= grade), forms[-1])
                if not best.endswith(":"):  # a heading ("Stem cell transplant:") says nothing alone
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
    # what the answer is about: the rare words of its documents' titles ("scleroderma")
    subject = frozenset(t for c in citations if not (glossary and c.chunk.chunk_id in glossary.chunks)
                        for w in re.findall(r"[a-z]+", c.chunk.title.lower()) if hard_word(w) for t in terms(w))
    out: list[AnswerSentence] = []
    tried: list[tuple[Piece, AnswerSentence, int]] = []  # and the piece's place in its sentence
    before_kept, names = True, cited_names(citations)  # whether the piece before this one was kept
    for n, s in enumerate(body):
        pieces = short_sentences(s.text, grade, subject, defines=is_gloss(s), names=names)
        if len(out) >= most or (len(out) >= 2 and pieces and not pieces[0].leans):
            break  # a new thought after two sentences: the main point is said
        for i, p in enumerate(pieces):
            follows = before_kept and (not out or out[-1].citation == s.citation)
            if p.leans and not follows and not out:  # it would open the answer: what reads alone of it
                p = _detached(p)  # "But the procedure has risks." -> "The procedure has risks."
            tried.append((p, s, i))
            keep = len(out) < most and p.grade <= grade and (not p.leans or follows)
            if keep:
                out.append(_sentence(p.text, s))
            before_kept = keep
        if n == 0 and not out and pieces:  # "may become a possible cure", not "The procedure has risks."
            out.append(_sentence((_detached(pieces[0]) if pieces[0].leans else pieces[0]).text, s))
            before_kept = True
    if not out and tried:  # nothing kept: the first piece at grade, else the simplest, never nothing
        p, s, _ = next((t for t in tried if t[0].grade <= grade), None) or min(
            tried, key=lambda t: (t[2] > 0, t[0].leans, t[0].grade, len(t[0].text.split())))
        out.append(_sentence(p.text, s))
    if glossary is not None:
        out = _explained(out, [s for s in sentences[opening:] if is_gloss(s)], citations, glossary, most, grade)
    return only_cited(out, citations)


_DETACHABLE = re.compile(r"^(?:In it,|Also,|But|However,)\s+(?=\w)")


def _detached(p: Piece) -> Piece:
    """A piece that leans on the one before only by its first words, without them."""
    text = _finish(_DETACHABLE.sub("", p.text))
    return p if text == p.text or points_back(text) else Piece(text, reading_grade(text), False)


def _sentence(text: str, source: AnswerSentence) -> AnswerSentence:
    quote = source.quote or source.text
    return AnswerSentence(text, source.citation, quote=quote if text != quote else "")


def _explained(out: list[AnswerSentence], definitions, citations, glossary: Glossary, most: int, grade: float):
    """``out`` with, while there is room, the answer's glossary definition of a hard word a
    kept sentence uses, said at ``grade``, put after that sentence and what leans on it."""
    out, added = list(out), []
    chunk_of = {c.n: c.chunk.chunk_id for c in citations}
    for d in definitions:
        if len(out) >= most:
            break
        first = short_sentences(d.text, grade, defines=True)[:1]
        if not first or first[0].grade > grade or first[0].leans:
            continue
        users = [i for i, s in enumerate(out) if chunk_of.get(d.citation) in
                 {term.chunk_id for _, name, term in glossary.names_in(s.text) if hard_word(name)}]
        if not users:
            continue
        at = users[0] + 1
        while at < len(out) and (points_back(out[at].text) or out[at] in added):
            at += 1
        added.append(_sentence(first[0].text, d))
        out.insert(at, added[-1])
    return out
