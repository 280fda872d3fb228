"""Where a message states a person's name, for ``rag.safety.redact`` to blank it.

A name counts after words that introduce one, each with its own rule for the first word:

- "my name is", "my name's", "I am called", "call me", "Name:" (``said``): any word that is
  no function word, in any case ("my name is jane doe", "my name is hope walker");
- "I'm", "I am", "Sign:", "Signed," (``self``): a capitalised word that is no state or health
  word ("I'm Jane", "I'm Rose"; "I'm Worried", "I'm Stiff", "I'm ANA positive", "I'm
  Raynaud's positive" and "I'm Long-term on steroids" are kept), or a given name in lower case
  ("i'm jane");
- "this is", "it's" (``this``): a given name, capitalised if it is also an everyday word
  ("this is jane", "this is Grace"; "this is grace" and "it's Raynaud's" are kept);
- a signature closing the message ("Thanks, Jane", "Regards\\nJohn Smith", "- John"): after a
  comma or new line any word that is no function word (``signed``); after a dash or a bare
  closing word only a capitalised one (``capital``).

After the first word, up to two more: capitalised words, or a surname in lower case ("jane
doe"; "Jane doe" only after "my name is", "Name:" or in a signature) that is no function, state, family or
health word and no "-ing" word ("i'm jane living with it", "this is jane again", "I'm Jane
born in 1961" stop at the name); a possessive ends the name ("Jane Doe's mother"). Given names come from
``rag/data/given_names.tsv`` (never everyday words) and ``rag/data/everyday_given_names.tsv``
("rose", "hope", "will": names only as said above); health words from the shipped word lists
(symptoms, lay terms, medicines, abbreviations, plain-word replacements).

Left out: names said any other way ("my wife Mary", a surname alone), a lower-case given name
that is an everyday word after "i'm" or "this is" ("i'm will to try"), a capitalised everyday
word after "I'm" that no list knows ("I'm Frank about it" is blanked), a surname that is a
health word ("Jane Hand").
"""

from __future__ import annotations

import re

from rag.text import wordlists

NAME = re.compile(
    r"\b(?:(?P<said>(?i:my\s+name\s+is|my\s+name['’]s|i\s+am\s+called|i['’]m\s+called|call\s+me)\s+)"
    r"|(?P<label>(?i:name)\s*:\s*)"
    r"|(?P<sign>(?i:signed|sign|signature)\s*[:,-]\s*)"
    r"|(?P<self>(?i:i['’]m|im|i\s+am)\s+)"
    r"|(?P<this>(?i:this\s+is|it['’]s)\s+))"
    r"(?=(?P<tail>[\w'’-]+(?:\s+[\w'’-]+){0,2}))"  # looked at, not taken: "I am sorry my name is..."
)
NOT_A_NAME = frozenset("""
    a an the and but or so if when after before because since as than then i i'm im i've ive
    i'd me my you your we they he she it its this that these those who what which whom here
    there am is are was were be been being have has had do does did will would can could shall
    should may might must not no yes just also really very too only please ok okay with without
    from on at in into by for to of about over under up down out off back later now today
    tomorrow tonight yesterday soon anytime anything any some sometime whenever whatever
    regarding re thanks thank hi hello dear
""".split())
# How someone is, not who: never a name after "I'm" / "I am", even written with a capital.
NOT_A_NAME_AFTER_I_AM = frozenset("""
    diagnosed worried scared afraid frightened terrified nervous anxious tired exhausted sick ill
    unwell fine well good great better worse sorry sure unsure curious confused concerned
    interested pregnant allergic breastfeeding diabetic male female new old currently newly
    recently still being getting having taking feeling going trying struggling suffering living
    looking wondering asking writing hoping waiting starting stopping using positive negative
    stiff sore numb itchy swollen achy weak dizzy breathless hopeful glad happy sad fed again
    nice aged age years months weeks retired married single home here speaking replying lupus born
    mum mom mother dad father wife husband daughter son sister brother carer friend partner
""".split())
GIVEN_NAMES = wordlists.words("given_names")
EVERYDAY_GIVEN_NAMES = wordlists.words("everyday_given_names")
_WORD = re.compile(r"[\w'’-]+")
_TOKEN = re.compile(r"[a-z][a-z'-]*")


def _health_words() -> frozenset[str]:
    """Every word of the shipped symptom, lay-term, medicine, abbreviation and plain-word lists."""
    texts = list(wordlists.words("symptom_words")) + list(wordlists.words("medicines"))
    for name in ("lay_terms", "abbreviations", "plain_words"):
        texts += [f"{k} {v}" if name != "plain_words" else k for k, v in wordlists.mapping(name).items()]
    words = {w for t in texts for w in _TOKEN.findall(t.lower()) if len(w) > 2}
    return frozenset(words - NOT_A_NAME - GIVEN_NAMES - EVERYDAY_GIVEN_NAMES)


HEALTH_WORDS = _health_words()


def _is_given(word: str) -> bool:
    """A given name as written: any in the list of names, an everyday one only capitalised."""
    lower = word.lower()
    return lower in GIVEN_NAMES or (word[0].isupper() and lower in EVERYDAY_GIVEN_NAMES)


def _looks_medical(word: str, following: str) -> bool:
    """A capitalised word that names a condition or test rather than a person: an abbreviation
    in capitals ("ANA", "SSc" not followed by more capitals), an eponym's possessive
    ("Raynaud's") or a hyphenated word ("Long-term")."""
    letters = word.replace("-", "")
    if 2 <= len(letters) <= 5 and sum(c.isupper() for c in letters) >= 2 and not following.isupper():
        return True
    base, possessive = re.subn(r"['’]s$", "", word)
    if possessive and not _is_given(base):
        return True
    return "-" in word and not word.split("-")[1][:1].isupper()


def _opens(word: str, following: str, mode: str) -> bool:
    """Whether ``word`` can be the first word of a name introduced as ``mode`` says."""
    lower = word.lower()
    if not word[0].isalpha():
        return False
    if mode in ("said", "label", "signed"):
        return lower not in NOT_A_NAME or lower in EVERYDAY_GIVEN_NAMES
    if mode == "this":
        return _is_given(word) and not _looks_medical(word, following)
    # "self", "sign", "capital": capitalised and no state, or (but "capital") a lower-case given name
    if not word[0].isupper():
        return mode != "capital" and lower in GIVEN_NAMES
    if _looks_medical(word, following):
        return False
    return _is_given(word) or lower not in NOT_A_NAME | NOT_A_NAME_AFTER_I_AM | HEALTH_WORDS


def _surname(word: str) -> bool:
    """A word that can follow a first name: capitalised, or in lower case no function, state,
    health or "-ing" word."""
    lower = word.lower()
    if not word[0].isalpha() or lower in NOT_A_NAME:
        return False
    if word[0].isupper():
        return True
    return not (lower in NOT_A_NAME_AFTER_I_AM or lower in HEALTH_WORDS or lower.endswith("ing"))


def name_end(tail: str, mode: str) -> int:
    """Where the name at the start of ``tail`` ends (0: there is none), up to three words."""
    words = [w for w in _WORD.finditer(tail)][:3]
    if not words:
        return 0
    following = words[1].group() if len(words) > 1 else ""
    if not _opens(words[0].group(), following, mode):
        return 0
    end, lower_surnames = words[0].end(), 0
    for w in words[1:]:
        word = w.group()
        if not _surname(word):
            break
        if not word[0].isupper():
            # "I'm Jane born in 1961": after a capitalised name, lower case only where the
            # name was said ("My name is Jane doe")
            if words[0].group()[0].isupper() and mode not in ("said", "label", "signed"):
                break
            lower_surnames += 1
            # after a lower-case given name (no "my name is"), one lower-case surname at most
            if lower_surnames > 1 and mode not in ("said", "label", "signed"):
                break
        end = w.end()
        if re.search(r"['’]s$", word):  # "Jane Doe's mother": the name ends at its possessive
            break
    return end


def mode_of(m: re.Match) -> str:
    """How a ``NAME`` match introduced the name."""
    return next(k for k in ("said", "label", "sign", "self", "this") if m.group(k))
