"""``python -m eval.make_condition_names``: writes rag/data/condition_names.tsv, the names of
conditions that the plain-words table would otherwise reword piece by piece.

The plain-language rewrite (``rag.text.plain_words.to_plain``) turns "multiple" into
"several" and "chronic" into "long-lasting": right in "multiple trials", a meaning shift in
"multiple sclerosis" ("several sclerosis"), "essential tremor" ("key tremor") or "chronic
kidney disease". A name keeps its words. The names: every condition MedQuAD answers
questions about (its ``focus``, CC BY 4.0), the part before a colon or a parenthesis, at
most ``MOST_WORDS`` words, that the table would change, unless the table itself lists the
whole name with its reviewed plain words ("pulmonary fibrosis" -> "lung scarring",
"fatigue" -> "tiredness"); a condition known by its initials is taken as its own answers
spell it out ("COPD": "chronic obstructive pulmonary disease"). Left out: the conditions of MedQuAD's ``reserved.tsv`` (kept for
outside checks, never read here) and the project's own (``eval.medquad.usable_rows``).
The table is regenerated whenever ``rag/data/plain_words.tsv`` gains a word.
"""

from __future__ import annotations

import re
import sys

from rag.text.plain_words import has_clinical_phrase, plain_word_pairs
from rag.text.wordlists import path_of

from .medquad import read_rows, usable_rows

MOST_WORDS = 6  # longer foci are page titles ("Nutrition for Early Chronic Kidney Disease in Adults")
HEADER = """# Names of conditions kept word for word by the plain-language rewrite
# (rag.text.plain_words.to_plain): "multiple sclerosis" never becomes "several sclerosis".
# Written by `python -m eval.make_condition_names` from MedQuAD's condition names (CC BY 4.0):
# those the plain-words table would reword piece by piece. One name per line, lower case.
name
"""


def condition_names(foci: list[str], listed: set[str]) -> list[str]:
    """The names among ``foci`` holding a phrase of the plain-words table that the table
    does not list whole (``listed``, lower case), lower-cased, sorted."""
    out = set()
    for focus in foci:
        name = re.split(r"[:(]", focus)[0].strip().lower()
        name = re.sub(r"\s+", " ", name)
        if not name or len(name.split()) > MOST_WORDS or name in listed:
            continue
        if has_clinical_phrase(name):
            out.add(name)
    return sorted(out)


def spelled_out(abbreviation: str, text: str) -> str:
    """The words ``text`` spells ``abbreviation`` out with, where it says "<words> (ABBR)"
    or "<words>, or ABBR": "chronic obstructive pulmonary disease" for COPD. Empty when it
    does not; small words between the initials ("of", "and") are allowed."""
    for m in re.finditer(rf"([A-Za-z][A-Za-z' -]{{3,120}}?),?\s+(?:\(|or\s+){re.escape(abbreviation)}\b", text):
        words = m.group(1).split()
        letters, taken = list(abbreviation.lower()), []
        for w in reversed(words):
            if letters and w[0].lower() == letters[-1]:
                letters.pop()
                taken.append(w)
            elif letters and taken and w.lower() in _SMALL:
                taken.append(w)
            else:
                break
        if not letters and taken:
            return " ".join(reversed(taken)).lower()
    return ""


_SMALL = frozenset({"of", "and", "the", "in", "with"})


def main() -> int:
    rows = usable_rows(read_rows())
    foci = sorted({r["focus"] for r in rows if r.get("focus")})
    # a condition known by its initials ("COPD") is spelled out in its own answers
    for focus in [f for f in foci if re.fullmatch(r"[A-Z]{2,6}", f.strip())]:
        for r in (r for r in rows if r["focus"] == focus):
            if name := spelled_out(focus.strip(), r.get("answer", "")):
                foci.append(name)
                break
    listed = {clinical.lower() for clinical, _ in plain_word_pairs()}
    names = condition_names(foci, listed)
    path = path_of("condition_names")
    path.write_text(HEADER + "\n".join(names) + "\n", encoding="utf-8")
    print(f"{len(names)} names written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
