"""Properties of one sentence that several stages read: whether it leans on the one
before it, and how hard it is to read.

Pure functions of the text. Left out: what kind of question a sentence answers
(``rag.compose.sentence_kinds``), which needs the cue tables.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from rag.text.citations import strip_markers

# A sentence that cannot be read without the one before it ("It can also...", "These
# trials...", "But...").
_POINTS_BACK = re.compile(
    r"^(?:this|these|that|those|it|its|they|their|such|both|in\s+addition|however|nevertheless|"
    r"additionally|also|furthermore|moreover|examples?\s+(?:are|include)|but|then|thus|therefore|"
    r"as\s+a\s+result|for\s+(?:example|instance)|in\s+it)\b", re.I)
# One that names its subject again by a definite noun ("The procedure involves..."): it
# reads on its own, but what it is about comes from the sentence before.
_NAMES_AGAIN = re.compile(
    r"^the\s+(?:procedure|process|approach|therapy|treatment|drug|medicine|transplant|study|trial|"
    r"trials|disease|condition|harvested|same|illness|operation|test)\b", re.I)


def points_back(sentence: str) -> bool:
    """The sentence opens by pointing at what the sentence before it said."""
    return bool(_POINTS_BACK.match(sentence.lstrip("-*\u2022 ")))


def about_earlier(sentence: str) -> bool:
    """Its subject is named in the sentence before: it points back, or names its subject
    again by a definite noun ("the procedure")."""
    s = sentence.lstrip("-*\u2022 ")
    return bool(_POINTS_BACK.match(s) or _NAMES_AGAIN.match(s))


@lru_cache(maxsize=20_000)
def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of ``text`` with citation markers removed."""
    # textstat is imported on first use: its import takes about half a second (pkg_resources)
    # and warns that pkg_resources is deprecated; ingesting and searching never need it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import textstat

    clean = strip_markers(text).strip()
    return round(float(textstat.flesch_kincaid_grade(clean)), 1) if clean else 0.0
