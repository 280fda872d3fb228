"""Sentences that name a condition and a kind of answer but answer nothing: negatives the
cross-encoder must learn to put below a real answer.

MedQuAD's answers say something in every sentence, so a model trained on them alone learns
that a sentence naming the condition and the asked kind ("...the treatment of gout...") is
the answer. Educators' documents are also reviews, leaflets and web pages, which announce,
sum up and frame ("This page gives an overview of the treatment of gout", "Much remains to
be learned about its causes"): such a sentence then wins over the one that lists the
medicines. ``generic_sentence`` writes one for a condition and a MedQuAD question type from
hand-written frames (``FRAMES``), and ``eval.train_cross_encoder`` puts one in a share of
its training groups as a negative.

The frames were written for documents in general (announcing, summing up, calling for
research, saying a topic matters), not copied from the project's corpora; they are
training data only, never read at run time.

Left out: generic sentences without the condition's name ("Treatment has evolved"), and
frames in other languages.
"""

from __future__ import annotations

import random

# The words a document uses for each MedQuAD question type's answer.
KIND_NOUNS: dict[str, tuple[str, ...]] = {
    "information": ("basics", "background", "nature"),
    "causes": ("causes", "origins"),
    "inheritance": ("inheritance", "genetics"),
    "genetic changes": ("genetics", "genetic basis"),
    "symptoms": ("symptoms", "signs and symptoms"),
    "stages": ("stages", "course"),
    "complications": ("complications",),
    "exams and tests": ("diagnosis", "tests", "testing"),
    "treatment": ("treatment", "therapy", "management", "treatment options"),
    "susceptibility": ("risk factors", "risks"),
    "frequency": ("frequency", "epidemiology"),
    "outlook": ("outlook", "prognosis", "long-term course"),
    "research": ("research", "clinical trials", "studies"),
    "prevention": ("prevention",),
    "considerations": ("care", "day-to-day management"),
    "support groups": ("support", "resources"),
}

# {k}: the kind's noun; {c}: the condition's name.
FRAMES: tuple[str, ...] = (
    "This article reviews the {k} of {c}.",
    "This page gives an overview of the {k} of {c}.",
    "The sections below describe the {k} of {c}.",
    "Significant progress has been made in the {k} of {c} in recent years.",
    "The {k} of {c} has changed a great deal over the past decades.",
    "Much remains to be learned about the {k} of {c}.",
    "The {k} of {c} is an active area of study.",
    "{c} poses real challenges when it comes to {k}.",
    "Patients and families often ask about the {k} of {c}.",
    "In summary, our understanding of the {k} of {c} continues to evolve.",
    "Understanding the {k} of {c} matters to patients and their doctors.",
    "There is growing interest in the {k} of {c}.",
    "{c} is a complex condition, and its {k} can be hard to describe.",
    "Further work is needed to improve the {k} of {c}.",
    "Experts continue to debate the {k} of {c}.",
    "Questions about the {k} of {c} come up often.",
    "We summarize current thinking on the {k} of {c}.",
    "Recent years have brought new perspectives on the {k} of {c}.",
    "The {k} of {c} differs from person to person.",
    "Knowledge about the {k} of {c} is growing quickly.",
    "Many aspects of the {k} of {c} deserve attention.",
    "The {k} of {c} is discussed in more detail elsewhere.",
)


def generic_sentence(condition: str, qtype: str, rng: random.Random, own_kind: float = 0.7) -> str:
    """A sentence naming ``condition`` and, with chance ``own_kind``, the noun of ``qtype``
    (else another type's), that answers no question about it."""
    kinds = sorted(KIND_NOUNS)
    kind = qtype if qtype in KIND_NOUNS and rng.random() < own_kind else rng.choice(kinds)
    frame = rng.choice(FRAMES)
    text = frame.format(k=rng.choice(KIND_NOUNS[kind]), c=condition)
    return text[:1].upper() + text[1:]
