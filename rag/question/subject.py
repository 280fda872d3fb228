"""What a library is about: its shared subject, read from its documents' titles.

``shared_subject`` gives the name a question that names nothing is read with ("is there a
cure?" -> "Scleroderma: is there a cure?", ``rag.question.conversation.readings``). A pure
function of the titles and of two questions about the index's words, asked by the caller.

Left out: reading the titles (``rag.pipeline``), the documents' topics offered to patients
(``rag.indexing.topics``).
"""

from __future__ import annotations

import re
from typing import Callable

from rag.text.cleaning import title_parts
from rag.text.lexical import STOPWORDS, specificity


def shared_subject(titles: list[str], common: Callable[[str], bool] | None = None,
                   used: Callable[[str], bool] | None = None) -> str:
    """What every document is about, from their titles: the words all of them share, in the
    first title's order and spelling ("IgA nephropathy - diet" and "IgA nephropathy -
    causes" give "IgA nephropathy"). When the titles share nothing, or there is only one,
    the title words the passages themselves keep using (``common``: in most passages) say it:
    a single page titled "Inguinal Hernia" whose passages keep saying "hernia" is about the
    hernia; "Scleroderma clinical trials overview" gives "Scleroderma clinical trials" when
    its passages say those words, never "overview"; failing that, a single document's short
    title is the subject, or the short part of a long one that names a condition the
    passages speak of (``used``: whether they use a word). Empty when none of these says anything."""
    word = _WORD
    if len(titles) >= 2:
        shared = set.intersection(*({w.lower() for w in word.findall(t)} for t in titles))
        kept = [w for w in word.findall(titles[0]) if w.lower() in shared and w.lower() not in STOPWORDS]
        if kept or common is None:
            return " ".join(dict.fromkeys(kept))
    if common is None:
        return ""
    for title in titles:  # the first title that names what the passages keep using
        kept = [w for w in word.findall(title) if w.lower() not in STOPWORDS and common(w)
                and specificity(w) >= SUBJECT_SPECIFICITY]  # not "need" of "What I need to know about ..."
        # ... nor "Disease" alone of a short title, "Graves' Disease": a class names no one condition
        # (of a long one, "Ovarian Epithelial, Fallopian Tube, and Primary Peritoneal Cancer", it is the most shared)
        short = len(titles) == 1 and len(word.findall(title)) <= SHORT_TITLE_WORDS and len(title_parts(title)) == 1
        if kept and not (short and all(w.lower() in CLASS_NOUNS for w in kept)):
            return " ".join(dict.fromkeys(kept))
    if len(titles) == 1:  # one short title ("Cystic Fibrosis", its passages saying "CF") is the subject
        # ... by the words of it the passages use: its name without the initials in brackets
        # ("Omsk Hemorrhagic Fever (OHF)"), or the initials when the passages never spell the
        # name out ("Lymphocytic Choriomeningitis (LCM)" -> "LCM")
        named = re.sub(r"\s*\([^()]*\)", "", titles[0])
        if len(title_parts(named)) > 1:  # "Parasites - Ascariasis": which part names it
            return _name_in_title(titles[0], used)
        initials = " ".join(re.findall(r"\(([^()]*)\)", titles[0]))
        said = (lambda text: [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS and used(w)]) if used else None
        kept = (said and (said(named) or said(initials))) or \
            [w for w in _WORD.findall(named or titles[0]) if w.lower() not in STOPWORDS]
        if 0 < len(kept) <= SHORT_TITLE_WORDS:
            return " ".join(dict.fromkeys(kept))
        return _name_in_title(titles[0], used)
    return ""


def _name_in_title(title: str, used: Callable[[str], bool] | None) -> str:
    """The part of a long title that names its condition ("Parasites - African
    Trypanosomiasis (also known as Sleeping Sickness)" -> "African Trypanosomiasis"): of its
    short parts, the one whose words the passages use (all, without ``used``), with the
    rarest word in everyday English. Empty when no short part is used."""
    best, rarest = "", 0.0
    for part in title_parts(title):
        kept = [w for w in _WORD.findall(part) if w.lower() not in STOPWORDS]
        if not 0 < len(kept) <= SHORT_TITLE_WORDS or (used is not None and not all(used(w) for w in kept)):
            continue
        rare = max(specificity(w.lower()) for w in kept)
        if rare > rarest:
            best, rarest = " ".join(kept), rare
    return best


_WORD = re.compile(r"\w+(?:['-]\w+)*")


SUBJECT_SPECIFICITY = 1.0  # a title word this common ("need", 0.5) is no subject; "heart" (1.2) is
# What a name's last word says it is, never which one ("Graves' Disease", "Lyme disease").
CLASS_NOUNS = frozenset("""disease diseases disorder disorders syndrome syndromes condition conditions infection
infections cancer cancers tumor tumors tumour tumours deficiency fever""".split())
SHORT_TITLE_WORDS = 4  # longer lone titles say what a document covers ("A review of ...")
