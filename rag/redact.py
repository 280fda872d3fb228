"""What is blanked out of what patients type before it is stored: e-mail addresses,
phone-like numbers (seven or more digits: phone, record and date-of-birth numbers) and the
name after "my name is ...".

Pure functions over text; ``rag.records`` calls ``redact`` on every question, search query
and comment it keeps.

Left out: names said any other way ("this is Jane") and postal addresses.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly split by spaces, dots, dashes, slashes or brackets:
# phone numbers, record numbers, dates of birth written as 12/03/1961.
_LONG_NUMBER = re.compile(r"\+?\(?\d(?:[\s./()-]*\d){6,}")
# "My name is Jane Doe" / "my name is jane doe": the name after the phrase, up to three words,
# ending at a word that cannot be part of a name ("and", "I", "on"...). After a capitalised
# first word only capitalised ones follow. "Call me on 555..." names no one.
_NAME = re.compile(
    r"\b((?i:my name is|my name's|i am called|i'm called|call me))(\s+)"
    r"([\w'-]+(?:\s+[\w'-]+){0,2})"
)
_NOT_A_NAME = frozenset("""
    a an the and but or so if when after before because since as than then i i'm im i've ive
    i'd me my you your we they he she it its this that these those who what which whom here
    there am is are was were be been being have has had do does did will would can could shall
    should may might must not no yes just also really very too only please ok okay with without
    from on at in into by for to of about over under up down out off back later now today
    tomorrow tonight yesterday soon anytime anything any some sometime whenever whatever
    regarding re thanks thank hi hello dear
""".split())
_WORD = re.compile(r"[\w'-]+")


def _blank_name(m: re.Match) -> str:
    phrase, gap, tail = m.group(1), m.group(2), m.group(3)
    words = list(_WORD.finditer(tail))
    taken = 0
    for w in words:
        word = w.group()
        if word.lower() in _NOT_A_NAME or word[0].isdigit():
            break
        if taken and words[0].group()[0].isupper() and not word[0].isupper():
            break
        taken += 1
    if not taken:
        return m.group(0)
    return f"{phrase}{gap}[name]{tail[words[taken - 1].end():]}"


def redact(text: str) -> str:
    """The question as it is stored: e-mails, long numbers and stated names blanked."""
    text = _EMAIL.sub("[e-mail]", text)
    text = _LONG_NUMBER.sub("[number]", text)
    return _NAME.sub(_blank_name, text)
