"""What is blanked out of what patients type before it is stored: e-mail addresses, dates
with a day, month and year ("12/03/1961", "12/3/61", "3 March 1961", "March 3, 1961"),
street addresses ("12 Oak Street", "221B Baker St", "45 Elm Road, Springfield"), phone-like
numbers (seven or more digits: phone and record numbers) and stated names: the name after
"my name is", "call me" or "Name:", and a capitalised name after "I'm" or "I am" ("I'm Jane
Doe"; "I'm diagnosed with scleroderma", "I am worried" and "I am 54" are kept).

Pure functions over text; ``rag.records`` calls ``redact`` on every question, answer, search
query, notice and comment it keeps. A name a question states is blanked wherever the
answer, query or notices repeat it too (``stated_names``): a decline that quotes the
question ("My documents don't cover “Jane Doe …”") keeps no more of it than the question.

Left out: names said any other way ("this is Jane", "i'm jane" in lower case); ages ("I am
54", like any small number); a day and month, or a month and year, alone ("on 12/3",
"since March 2019": they date an illness more often than a person); postcodes and
addresses without a house number and a street word ("Flat 2, Rose House").
"""

from __future__ import annotations

import re
from typing import Iterable

# Tried only where a run of such characters starts: linear, even on a 100,000-letter word.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly split by spaces, dots, dashes, slashes or brackets:
# phone numbers, record numbers.
_LONG_NUMBER = re.compile(r"\+?\(?\d(?:[\s./()-]*\d){6,}")

# A day, month and year: 12/03/1961, 12/3/61, 12-03-1961, 1961-03-12; 3 March 1961,
# 3rd of March 1961, March 3, 1961, Mar. 3rd '61. Not followed by more of a number ("1.2.3.4").
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|'\d{2})"
_DATE = re.compile(rf"""
    (?<![\d/.-]) (?: \d{{1,2}}([/.-])\d{{1,2}}\1(?:\d{{4}}|\d{{2}}) | \d{{4}}([/.-])\d{{1,2}}\2\d{{1,2}} ) (?![/.-]?\d)
  | \b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b
  | \b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b
""", re.I | re.X)

# A house number, one to three words and a street word, then perhaps ", Town".
_STREET = (r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|close|court|ct"
           r"|crescent|place|pl|square|sq|terrace|way|grove|gardens|highway|hwy)")
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[a-z]?\s+(?P<street>(?:[a-z][\w'-]*\s+){{1,3}}?){_STREET}\b\.?"
    r"(?P<town>(?-i:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))?", re.I)
# Words that make "2 weeks ago Dr Jones" or "15 mg Dr" no address.
_NOT_A_STREET = frozenset("""
    mg mcg g kg ml l mmol units unit iu tablet tablets pill pills capsule capsules dose doses
    drop drops puff puffs minute minutes hour hours day days week weeks month months year years
    time times ago x
""".split())

# A stated name: what follows "my name is", "call me", "Name:" (a lower-case name too), or a
# capitalised name after "I'm" / "I am". "Call me on 555..." names no one.
_NAME = re.compile(
    r"\b(?:(?P<said>(?i:my\s+name\s+is|my\s+name['’]s|i\s+am\s+called|i['’]m\s+called|call\s+me)\s+)"
    r"|(?P<label>(?i:name)\s*:\s*)"
    r"|(?P<self>(?i:i['’]m|i\s+am)\s+))"
    r"(?=(?P<tail>[\w'-]+(?:\s+[\w'-]+){0,2}))"  # looked at, not taken: "I am sorry my name is..."
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
# How someone is, not who: never a name after "I'm" / "I am", even written with a capital.
_NOT_A_NAME_AFTER_I_AM = frozenset("""
    diagnosed worried scared afraid frightened terrified nervous anxious tired exhausted sick ill
    unwell fine well good great better worse sorry sure unsure curious confused concerned
    interested pregnant allergic breastfeeding diabetic male female new old currently newly
    recently still being getting having taking feeling going trying struggling suffering living
    looking wondering asking writing hoping waiting starting stopping using positive negative
""".split())
# "Brand name: ..." names a medicine, not a person.
_NOT_A_PERSON_LABEL = re.compile(r"(?i:brand|drug|generic|trade|medicine|medication|product)\s*$")
_WORD = re.compile(r"[\w'-]+")


def _name_end(tail: str, capitalised: bool) -> int:
    """Where the name at the start of ``tail`` ends (0: there is none): up to three words,
    ending at a word that cannot be part of a name ("and", "I", "on", "54"...); after a
    capitalised first word only capitalised ones follow. ``capitalised``: the first word
    must be capitalised and not say how someone is ("Tired", "Diagnosed")."""
    words = list(_WORD.finditer(tail))
    end = 0
    for i, w in enumerate(words):
        word = w.group()
        if word.lower() in _NOT_A_NAME or not word[0].isalpha():
            break
        if i == 0 and capitalised and (not word[0].isupper() or word.lower() in _NOT_A_NAME_AFTER_I_AM):
            break
        if i and words[0].group()[0].isupper() and not word[0].isupper():
            break
        end = w.end()
    return end


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Where the stated names in ``text`` are, in order, none overlapping."""
    spans: list[tuple[int, int]] = []
    for m in _NAME.finditer(text):
        if m.group("label") and _NOT_A_PERSON_LABEL.search(text[max(0, m.start() - 20):m.start()]):
            continue
        end = _name_end(m.group("tail"), capitalised=bool(m.group("self")))
        if end and (not spans or m.end() >= spans[-1][1]):
            spans.append((m.end(), m.end() + end))
    return spans


def _blank_address(m: re.Match) -> str:
    if any(w.lower() in _NOT_A_NAME | _NOT_A_STREET for w in m.group("street").split()):
        return m.group(0)
    town = m.group("town") or ""
    if town and town.strip(", ").split()[0].lower() in _NOT_A_NAME:  # "12 Oak St, Is it safe?"
        return "[address]" + town
    return "[address]"


def stated_names(text: str) -> tuple[str, ...]:
    """The names ``text`` states ("I'm Jane Doe" -> "Jane Doe"): what ``redact`` blanks as
    a name, to be blanked too where an answer repeats it without the words before it."""
    return tuple(text[start:end] for start, end in _name_spans(text))


_NAME_WORD = re.compile(r"\w[\w-]*")  # "Jane", "Mary-Ann"; "Jane's" is "Jane" and "'s"
_NAMES_IN_A_ROW = re.compile(r"\[name\](?:\s+\[name\])+")


def _blank_names(text: str, names: Iterable[str]) -> str:
    """Each word of ``names`` of two letters or more blanked wherever it stands whole
    ("Jane's" too), as it was typed; a name of several words becomes one ``[name]``. One
    pass over the text, however many names."""
    words = {w for n in names for w in _NAME_WORD.findall(n) if len(w) > 1}
    if not words:
        return text
    text = _NAME_WORD.sub(lambda m: "[name]" if m.group(0) in words else m.group(0), text)
    return _NAMES_IN_A_ROW.sub("[name]", text)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The text as it is stored: e-mails, dates, street addresses, long numbers and stated
    names blanked; and ``names`` (``stated_names`` of the question an answer answers)
    wherever they occur."""
    text = _EMAIL.sub("[e-mail]", text)
    text = _DATE.sub("[date]", text)
    text = _ADDRESS.sub(_blank_address, text)
    text = _LONG_NUMBER.sub("[number]", text)
    pieces, at = [], 0
    for start, end in _name_spans(text):
        pieces += [text[at:start], "[name]"]
        at = end
    return _blank_names("".join(pieces) + text[at:], names)
