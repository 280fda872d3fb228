"""What is blanked out of what patients type before it is stored, and what the answering
stages read instead of it.

Blanked (``redact``): e-mail addresses; dates with a day, month and year ("12/03/1961",
"12/3/61", "3 March 1961", "March the 3rd, 1961", "3-Mar-1961", "the third of March 1961"),
and any date said to be a birth date ("born 3/12", "DOB: 12 Mar 61", "born in 1961");
street addresses ("12 Oak Street", "221B Baker St", "45 Elm Road, Springfield") and PO
boxes; postcodes (UK "SW1A 1AA" in capitals anywhere, in any case after "postcode" or an
address; US ZIP "62704" after a state's code, "zip" or an address); phone-like numbers
(seven or more digits: phone, NHS 3-3-4 and SSN 3-2-4 numbers); a record number after its
label ("MRN 123456", "medical record number A12345", "NHS no. ...", "patient ID ...");
and stated names (``rag.safety.names``): the name after "my name is", "call me" or "Name:"
("my name is jane doe", "my name is hope walker"), a capitalised name after "I'm", "I am" or
"Sign:" ("I'm Jane Doe", "I'm Rose", "Sign: Grace Long"; "I'm diagnosed with scleroderma",
"I am worried", "I'm Stiff", "I'm ANA positive", "I'm Raynaud's positive" and "I am 54" are
kept), a given name after "this is" or "it's" ("hi, this is jane", "this is Grace"), and a
signature closing the message ("Thanks, Jane", "Regards\nJohn Smith", "- John", "Best, Will").
A surname may be written in lower case ("i'm jane doe").

Pure functions over text; ``rag.records.database`` calls ``redact`` on every question, answer, search
query, notice, comment and review note it keeps, and ``rag.ui.evalset`` on every evaluation
row. A name a question states is blanked wherever the answer, query or notices repeat it too
(``stated_names``): a decline that quotes the question ("My documents don't cover “Jane Doe
…”") keeps no more of it than the question. ``without_personal_details`` is the question the
answering stages read (``rag.safety.triage.triage`` for the question, ``rag.question.conversation.normalize_history``
for the earlier turns): the details and the clauses that only carry
them dropped, so "my name is Jane Doe, born 12/03/1961. what is scleroderma?" is answered
as "what is scleroderma?".

Left out: names said any other way ("my wife Mary", a surname alone), given names that are
everyday words written in lower case after "i'm" or "this is" ("i'm will", "this is grace";
see ``rag.safety.names`` for the rest); ages ("I am 54", like any small number); a day and month, or a month and year, with
no word of birth ("on 12/3", "since March 2019": they date an illness more often than a
person); record numbers of six digits or fewer without their label; addresses without a
house number and a street word ("Flat 2, Rose House"); US ZIP codes with no state, label or
address before them (five digits alone are any number).
"""

from __future__ import annotations

import re
from typing import Iterable

from rag.safety.names import NAME, NOT_A_NAME, mode_of, name_end

# Tried only where a run of such characters starts: linear, even on a 100,000-letter word.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly split by spaces, dots, dashes, slashes or brackets:
# phone numbers, record numbers.
_LONG_NUMBER = re.compile(r"\+?\(?\d(?:[\s./()-]*\d){6,}")

# A day, month and year: 12/03/1961, 12/3/61, 12-03-1961, 1961-03-12; 3 March 1961,
# 3rd of March 1961, the third of March 1961, March 3, 1961, March the 3rd 1961, Mar. 3rd '61,
# 3-Mar-1961. Not followed by more of a number ("1.2.3.4").
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
             "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()
_DAY_WORD = (r"(?:(?:twenty|thirty)[\s-]+(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
             r"|twentieth|thirtieth|" + "|".join(_ORDINALS) + ")")
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|{_DAY_WORD})"
_YEAR = r"(?:\d{4}|'\d{2})"
_DATE = re.compile(rf"""
    (?<![\d/.-]) (?: \d{{1,2}}([/.-])\d{{1,2}}\1(?:\d{{4}}|\d{{2}}) | \d{{4}}([/.-])\d{{1,2}}\2\d{{1,2}} ) (?![/.-]?\d)
  | \b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b
  | \b{_MONTH}\s+(?:the\s+)?{_DAY},?\s+{_YEAR}\b
  | (?<![\w-])\d{{1,2}}([-/.])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\3(?:\d{{4}}|\d{{2}})\b
""", re.I | re.X)
# Any date said to be a birth date, even without its year or day: "born 3/12", "DOB: 12 Mar
# 61", "date of birth is March 3rd", "born in 1961". The words before it are kept.
_BIRTH = re.compile(rf"""
    (?P<said>(?:\b(?:dob|date\s+of\s+birth|birth\s*date|birthday|born)\b|\bd\.o\.b\b\.?)\s*(?:is|was|[:=-])?\s*
        (?:(?:on|in)\s+)?(?:the\s+)?)
    (?P<date> \[date\]
      | \d{{1,2}}[/.-]\d{{1,4}}(?:[/.-]\d{{2,4}})?
      | {_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?:\d{{4}}|'?\d{{2}}))?
      | {_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+(?:\d{{4}}|'?\d{{2}}))?
      | (?:{_MONTH}\s+)?(?:19|20)\d{{2}} ) (?![\w/.-]?\d)(?![a-z])
""", re.I | re.X)

# A house number, one to three words and a street word, then perhaps ", Town" or " Town".
_STREET = (r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|close|court|ct"
           r"|crescent|place|pl|square|sq|terrace|way|grove|gardens|highway|hwy)")
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[a-z]?\s+(?P<street>(?:[a-z][\w'-]*\s+){{1,3}}?){_STREET}\b\.?"
    r"(?P<town>(?-i:(?:,\s*|[ \t]+)[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?))?", re.I)
_PO_BOX = re.compile(r"\b(?:p\.?\s?o\.?\s*box|post\s+office\s+box)\s*#?\s*\d+\b", re.I)
# A UK postcode: in capitals anywhere ("SW1A 1AA", "m1 1ae" only after "postcode" or an
# address: "IL6 1st" is no postcode). Its last two letters are never C, I, K, M, O or V.
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[ABD-HJLNP-UW-Z]{2}\b", re.I)
_POSTCODE_CUE = re.compile(r"(?i:post\s*code|postal\s*code|zip|address|\[address\])(?:\s+is)?[\W_]*$")
_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE "
           "NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
# A US ZIP code: after a state's code ("Springfield, IL 62704"), its label or an address.
_ZIP = re.compile(
    r"(?P<before>\b(?:" + "|".join(_STATES) + r")[ \t]+"
    r"|(?i:\b(?:zip|zip\s*code|postal\s*code|post\s*code)\b\s*(?:is|:|#)?\s*)|\[address\],?[ \t]*)"
    r"(?P<zip>\d{5}(?:-\d{4})?)\b")
# A record number after its label: "MRN 123456", "medical record number: A12345",
# "NHS no. 943 476 5919", "patient ID is X-1234". The label is kept, the number blanked.
_RECORD_NUMBER = re.compile(
    r"(?P<label>\b(?i:m\.?r\.?n\.?|medical\s+record(?:\s+(?:number|no\.?|num|#))?|hospital\s+(?:number|no\.?|id)"
    r"|patient\s+(?:id|number|no\.?)|nhs(?:\s+(?:number|no\.?|#))?|ssn|social\s+security(?:\s+(?:number|no\.?|#))?"
    r"|chart\s+(?:number|no\.?)|record\s+(?:number|no\.?)|id\s+(?:number|no\.?)|insurance\s+(?:number|no\.?|id)"
    r"|member\s+id)(?:\s+is|\s*[:=#])?\s*)"
    r"(?P<id>(?=[\w-]*\d)[A-Za-z0-9][\w-]{3,}(?:[ \t]\d{2,4}){0,3})")
# Words that make "2 weeks ago Dr Jones" or "15 mg Dr" no address.
_NOT_A_STREET = frozenset("""
    mg mcg g kg ml l mmol units unit iu tablet tablets pill pills capsule capsules dose doses
    drop drops puff puffs minute minutes hour hours day days week weeks month months year years
    time times ago x
""".split())

# A signature closing the message: "Thanks, Jane", "Kind regards\nJohn Smith", "- John".
# Only the message's last line or so is looked at (``SIGNATURE_TAIL``).
SIGNATURE_TAIL = 120
_SIGNATURE = re.compile(
    r"(?:(?P<off>\b(?i:many\s+thanks|thanks?(?:\s+(?:you|again|so\s+much|a\s+lot|in\s+advance))*"
    r"|thank\s+you(?:\s+(?:so|very|much|again))*|(?:kind|best|warm|warmest)\s+regards|regards"
    r"|best(?:\s+wishes)?|all\s+the\s+best|cheers|sincerely|yours(?:\s+(?:sincerely|truly|faithfully))?"
    r"|love|with\s+thanks|ta))(?P<sep>[ \t]*[,.!:\n-][ \t,\n-]*|[ \t]+)"
    r"|(?:^|(?<=\s))[-–—~]+[ \t]*)"
    r"(?P<sig>[^\W\d_][\w'’-]*(?:[ \t]+[^\W\d_][\w'’-]*){0,2})[ \t]*[.!]*\s*$")
_NOT_A_SIGNATURE = frozenset("""
    again advance so much lot lots all everyone everybody guys folks team doc doctor doctors nurse
    nurses you ya heaps bot assistant
""".split())
# "Brand name: ..." names a medicine, not a person.
_NOT_A_PERSON_LABEL = re.compile(r"(?i:brand|drug|generic|trade|medicine|medication|product)\s*$")
_WORD = re.compile(r"[\w'-]+")


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Where the stated names in ``text`` are, in order, none overlapping."""
    spans: list[tuple[int, int]] = []
    for m in NAME.finditer(text):
        if m.group("label") and _NOT_A_PERSON_LABEL.search(text[max(0, m.start() - 20):m.start()]):
            continue
        end = name_end(m.group("tail"), mode_of(m))
        if end and (not spans or m.end() >= spans[-1][1]):
            spans.append((m.end(), m.end() + end))
    signature = _signature_span(text)
    if signature and (not spans or signature[0] >= spans[-1][1]):
        spans.append(signature)
    return spans


def _signature_span(text: str) -> tuple[int, int] | None:
    """Where the name signing the message is ("Thanks, Jane" -> "Jane"), or None. A name
    written in lower case counts only after a comma or a new line ("thanks, jane", not
    "thanks again"); after a dash, only a capitalised one ("- John", not "- me")."""
    at = max(0, len(text) - SIGNATURE_TAIL)
    m = _SIGNATURE.search(text, at)
    if m is None:
        return None
    sig = m.group("sig")
    if any(w.lower() in _NOT_A_SIGNATURE for w in _WORD.findall(sig)):
        return None
    separated = m.group("off") is not None and bool(re.search(r"[,.!:\n-]", m.group("sep")))
    end = name_end(sig, "signed" if separated else "capital")
    if end != len(sig.rstrip()):  # "Thanks for your help": not a name to its end
        return None
    return m.start("sig"), m.start("sig") + end


def _blank_address(m: re.Match) -> str:
    if any(w.lower() in NOT_A_NAME | _NOT_A_STREET for w in m.group("street").split()):
        return m.group(0)
    town = m.group("town") or ""
    if town and town.strip(", ").split()[0].lower() in NOT_A_NAME:  # "12 Oak St, Is it safe?"
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
    """The text as it is stored: e-mails, dates, birth dates, street addresses, postcodes,
    record numbers, long numbers and stated names blanked, a stated name wherever the text
    repeats it; and ``names`` (``stated_names`` of the question an answer answers) wherever
    they occur."""
    text = _EMAIL.sub("[e-mail]", text)
    text = _DATE.sub("[date]", text)
    text = _BIRTH.sub(lambda m: m.group("said") + "[date]", text)
    text = _ADDRESS.sub(_blank_address, text)
    text = _PO_BOX.sub("[address]", text)
    text = _ZIP.sub(lambda m: m.group("before") + "[postcode]", text)
    text = _UK_POSTCODE.sub(_blank_postcode, text)
    text = _RECORD_NUMBER.sub(lambda m: m.group("label") + "[number]", text)
    text = _LONG_NUMBER.sub("[number]", text)
    pieces, at, stated = [], 0, list(names)
    for start, end in _name_spans(text):
        pieces += [text[at:start], "[name]"]
        stated.append(text[start:end])  # "I'm Jane Doe ... Jane's fingers": blanked there too
        at = end
    return _blank_names("".join(pieces) + text[at:], stated)


def _blank_postcode(m: re.Match) -> str:
    code = m.group(0)
    if code.isupper() or _POSTCODE_CUE.search(m.string[max(0, m.start() - 30):m.start()]):
        return "[postcode]"
    return code


# --- the question the answering stages read ---------------------------------------------------

_PLACEHOLDER = re.compile(r"\[(?:name|date|address|postcode|number|e-mail)\]")
_CLAUSE = re.compile(r"[^,.;!?\n]*(?:[,.;!?\n]+|$)")
# Words that only carry a personal detail: a clause of these and placeholders says nothing
# the answer needs ("my name is [name]", "born on [date]", "I live at [address]").
_DETAIL_WORDS = frozenset("""
    hi hello hey dear good morning afternoon evening my name is i'm i’m im i am was were born on
    the in at of live living lives reside here address postcode post code postal zip nhs mrn
    number no num ssn medical record hospital patient id phone mobile cell tel telephone e-mail
    email mail contact me reach call called text this it's its and or also dob d.o.b date
    birth birthday thanks thank you regards kind best wishes warm cheers sincerely yours love
    from with ta - – — ~ : so much a lot again in advance sign signed signature
""".split())
_CLAUSE_WORD = re.compile(r"[\w'’.-]+|[-–—~:]")
# The words that introduce a detail, taken out with it where the clause says more
# ("My name's [name] and I have ulcers" -> "and I have ulcers").
_INTRODUCED = re.compile(
    r"(?i:\b(?:(?:my\s+)?name\s*(?:is|['’]s|:)|i['’]m(?:\s+called)?|i\s+am(?:\s+called)?|call\s+me(?:\s+on)?"
    r"|(?:i\s+was\s+|was\s+)?born(?:\s+on|\s+in)?|dob|d\.o\.b\.?|(?:my\s+)?(?:date\s+of\s+birth|birthday)(?:\s+is)?"
    r"|(?:text|ring|e-?mail|contact|reach)\s+me(?:\s+(?:on|at))?|(?:send\s+(?:\w+\s+)?|write\s+)to"
    r"|sign(?:ed|ature)?|i\s+live\s+(?:at|in|on)|(?:my\s+)?(?:phone|mobile|number|address|post\s*code|zip(?:\s+code)?"
    r"|nhs(?:\s+(?:number|no\.?))?|mrn|ssn|social\s+security(?:\s+number)?|medical\s+record(?:\s+number)?"
    r"|hospital\s+number|patient\s+id)(?:\s+is)?)\s*[:,-]?\s*)?"
    + _PLACEHOLDER.pattern)


def without_personal_details(text: str) -> str:
    """``text`` with the personal details ``redact`` finds taken out, for the answering
    stages to read: a clause that only carries them ("my name is Jane Doe", "born
    12/03/1961", "I live at 12 Oak Street", "Thanks, Jane") is dropped, and in any other
    clause the detail alone is. Text with no such detail comes back as it is."""
    blanked = redact(text)
    if blanked == text:
        return text
    kept = []
    for clause in _CLAUSE.findall(blanked):
        if not _PLACEHOLDER.search(clause):
            kept.append(clause)
            continue
        rest = _INTRODUCED.sub(" ", clause)
        words = [w.lower().strip(".") or w for w in _CLAUSE_WORD.findall(rest) if w != "."]
        if all(w in _DETAIL_WORDS for w in words):
            continue
        kept.append(rest)
    out = re.sub(r"\s+([,.;!?])", r"\1", " ".join("".join(kept).split()))
    out = re.sub(r"([,;])(?:\s*[,;.])+", r"\1", out).strip(" ,;:.-–—~")
    if text.rstrip().endswith("?") and out and not out.endswith("?"):
        out += "?"
    elif blanked.rstrip().endswith((".", "!")) and out and out[-1] not in ".!?":
        out += blanked.rstrip()[-1]
    return out
