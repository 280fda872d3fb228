"""Questions wrapped in short patient stories: does a long message retrieve as well as the
question alone?

Each template is a generic situation a patient or carer might describe before asking (a
diagnosis in the family, a worrying symptom, a missed appointment), written once, without
looking at any particular question; the question is placed inside it unchanged. A seeded
draw picks a template and a relative per question, so runs are comparable.

Left out: stories that change what is asked (the question itself is always present).
"""

from __future__ import annotations

import random

RELATIVES = ("mother", "father", "sister", "brother", "husband", "wife", "son", "daughter",
             "aunt", "best friend", "neighbour", "grandmother")

TEMPLATES = (
    "My {who} was diagnosed a few weeks ago and the whole family is still taking it in. "
    "We have read a lot online but it is confusing. {q}",
    "I am 54 and have felt run down for months. My doctor mentioned a few possibilities at my "
    "last appointment but we ran out of time. {q} Thank you.",
    "Hi. I have been looking after my {who} since a hospital stay last winter, and I want to "
    "understand what we are dealing with. {q}",
    "Our appointment is next week and I would like to be prepared. The nurse who called us "
    "was kind but did not have time to explain much. {q} Any help is appreciated.",
    "I read something in a magazine at the dentist's office and it got me worried. I do not "
    "have anyone to ask right now. {q}",
    "Sorry if this is a silly question. My {who} told me about her experience last weekend "
    "and I keep thinking about it. {q}",
    "{q} I am asking because my {who} has an appointment on Monday and asked me to look into it "
    "beforehand.",
    "Long story short, I moved to a new city, lost my old doctor, and my records are still "
    "being transferred. I am trying to keep on top of things myself. {q}",
    "My {who} and I were talking about this over dinner and neither of us really knew. We "
    "would rather ask than guess. {q}",
    "I have had a stressful year with work and family, and now this. My {who} keeps telling "
    "me to find out more instead of worrying. {q} Thanks for listening.",
    "Good evening. I am writing on behalf of my {who}, who does not use computers. "
    "{q} She would like a simple explanation she can read.",
    "We got some test results back on Friday and the letter used a lot of long words. I "
    "looked a few of them up but I am still unsure. {q}",
)


def wrap(question: str, rng: random.Random) -> str:
    template = rng.choice(TEMPLATES)
    return template.format(q=question.strip(), who=rng.choice(RELATIVES))


def wrap_all(questions: dict[str, str], seed: int) -> dict[str, str]:
    """Query id -> the question inside a story, the same for the same seed."""
    rng = random.Random(f"stories-{seed}")
    return {qid: wrap(q, rng) for qid, q in sorted(questions.items())}
