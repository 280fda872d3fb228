"""Reading retrieved passages into candidate sentences for the extractive answer.

Every sentence of a passage is a candidate unless it is a heading, too short to say
anything, a source line with a web address, a line that only points elsewhere ("check out
the information here"), or a lead-in whose list lies in another passage.
A list keeps its shape: each item knows its list (``group``) and the sentence announcing it
(``lead_in``), so the answerer can tell the list whole or not at all.

Left out: scoring (``rag.compose.extract``) and choosing (``rag.compose.selection``); sentence splitting itself (``rag.text.cleaning``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rag.schema import Passage
from rag.text.cleaning import LIST_MARK, in_title_case, split_sentences



@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages list
    start: int  # offsets in the passage text
    end: int
    text: str  # display text: list marker removed
    list_item: bool = False  # a line of a bulleted or numbered list
    lead_in: bool = False  # announces the list that follows ("Symptoms may include:")
    group: int = -1  # the list it belongs to (its lead-in and items share it), or -1

    @property
    def words(self) -> int:
        return len(self.text.split())


_URL = re.compile(r"https?://|www\.", re.I)
# A sentence that only sends the reader elsewhere ("Check out the information here.", "Also,
# see 'Key Words' related to gout.", "For more information, visit ...", "More on: Handwashing"): web pages carry
# them, and they answer nothing. "See a doctor if ..." is advice, and stays.
_POINTER = re.compile(r"""^(?:also,?\s+)?(?:check\s+out|click\b|learn\s+more|read\s+more|find\s+out\s+more|more\s+on\s*:
    |for\s+more\s+(?:information|details|about)|visit\s+(?:the|our|this)\b
    |see\s+(?:also\b|["\u201c]|our\b|the\s+(?:list|page|section|links?|website|web\s+site)\b))""", re.I | re.X)
# A sentence that stops where what it announces should follow ("... more likely if").
_DANGLING = re.compile(r"\b(?:if|include|includes|including|such as|following|as|are|is|be|the|of|to|and|or|"
                       r"with|by|from|may|have|has|experience|develop|cause|causes)\s*$", re.I)
_ENDS = ".!?\"'\u201d\u2019)"


def candidates(passages: list[Passage], min_words: int = 5) -> list[Candidate]:
    """Sentences of the passages worth quoting: not headings, not tiny, not source lines
    with a web address. A list keeps its shape: each item knows its list (``group``), and
    the sentence that announces it ("Symptoms may include:") is kept as its ``lead_in``, to
    be told only together with the items."""
    out: list[Candidate] = []
    seen: set[str] = set()
    group = -1
    for i, p in enumerate(passages):
        text = p.chunk.text
        spans = split_sentences(text)
        items: list[bool] = []
        for k, (a, b) in enumerate(spans):
            line_start = text.rfind("\n", 0, a) + 1
            # a sentence after the first on a list item's line belongs to the same item
            marked = bool(LIST_MARK.match(text[a:b])) or bool(LIST_MARK.match(text[line_start:a]))
            items.append(marked or (k > 0 and _bare_item(text, spans[k - 1], (a, b), items[-1])))
        current = -1
        for k, (a, b) in enumerate(spans):
            s = text[a:b]
            m = LIST_MARK.match(s)
            if m:
                a += m.end()
                s = s[m.end():]
            item = items[k]
            lead_in = not item and k + 1 < len(spans) and items[k + 1] and (s.endswith(":") or s[-1:] not in _ENDS)
            if lead_in:
                group += 1
                current = group
            elif item and current < 0:
                group += 1
                current = group
            elif not item:
                current = -1
            key = " ".join(s.lower().split())
            pointer = _POINTER.match(s.lstrip("(\"'\u201c "))  # also "(For more information, go to ...)"
            if key in seen or _URL.search(s) or pointer or len(s.split()) < (2 if item else min_words):
                continue
            if not lead_in and not item and (s.endswith((":", ",", ";")) or _DANGLING.search(s)):
                continue  # a heading, or a lead-in whose list is not in this passage ("After X has been diagnosed,")
            if not lead_in and not item and in_title_case(s) and _whole_line(text, a, b):
                continue  # a heading without a colon ("Signs and Symptoms of Anemia")
            seen.add(key)
            out.append(Candidate(i, a, b, s.rstrip(":"), item, lead_in, current if (item or lead_in) else -1))
    return _statements_unlisted(out)


STATEMENT_WORDS = 6  # an item this long that ends a sentence says something of its own


_LABEL = re.compile(r"^[^.:]{1,40}:\s")  # "Biologic agents: ..." names one of the options


def _is_statement(c: Candidate) -> bool:
    return c.words >= STATEMENT_WORDS and c.text.rstrip()[-1:] in ".!" and not _LABEL.match(c.text)


def _statements_unlisted(cands: list[Candidate]) -> list[Candidate]:
    """A list with no sentence announcing it whose items are mostly whole statements ("Points to
    remember": "NASH can occur in children.", "Fatigue can occur at any stage of NASH.") is a
    run of sentences, each about something else: it is no list of options to be told whole
    for whatever is asked, so its items are read as sentences."""
    by_group: dict[int, list[Candidate]] = {}
    for c in cands:
        if c.group >= 0:
            by_group.setdefault(c.group, []).append(c)
    plain = {g for g, cs in by_group.items()
             if not any(c.lead_in for c in cs) and sum(map(_is_statement, cs)) * 2 > len(cs)}
    return [replace(c, list_item=False, group=-1) if c.group in plain else c for c in cands]


def _bare_item(text: str, before: tuple[int, int], span: tuple[int, int], before_is_item: bool) -> bool:
    """A list item that lost its bullet: a line of its own without closing punctuation,
    after a line that announces a list ("The goals of treatment include:") or another such
    item ("Reducing the destruction of red blood cells")."""
    a, b = span
    if text[b - 1] in _ENDS or not _whole_line(text, a, b) or not _whole_line(text, *before):
        return False
    return text[before[1] - 1] == ":" or (before_is_item and text[before[1] - 1] not in _ENDS)


def _whole_line(text: str, a: int, b: int) -> bool:
    """Whether the span ``a:b`` is all there is on its line."""
    start, end = text.rfind("\n", 0, a) + 1, text.find("\n", b)
    return not text[start:a].strip() and not text[b:len(text) if end < 0 else end].strip()


def previous_in_passage(cands: list[Candidate]) -> list[int | None]:
    """For each candidate, the candidate just before it in the same passage, if any."""
    prev: list[int | None] = [None] * len(cands)
    last: dict[int, int] = {}
    for i in sorted(range(len(cands)), key=lambda i: (cands[i].passage, cands[i].start)):
        prev[i] = last.get(cands[i].passage)
        last[cands[i].passage] = i
    return prev
