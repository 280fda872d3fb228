"""What a patient typed, made safe to read: markup removed, instructions to the bot cut out.

- ``clean_question``: markup is shown as text elsewhere, but must not steer search: HTML
  tags (and script/style bodies), Markdown link targets and images, zero-width and control
  characters are removed; Unicode is NFKC-normalised; whitespace folded.
- ``strip_injection``: text that tries to give the bot new instructions ("ignore your
  rules", "you are now...", "SYSTEM:") is cut out; what remains is the real question.

Pure functions of the text. Left out: spelling (``rag.question.spelling``) and personal
details (``rag.safety.redact``), which need word lists of their own.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>", re.I | re.S)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")


def clean_question(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE.sub("", text)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = html.unescape(text)
    text = _COMMENT.sub(" ", text)
    text = _SCRIPT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = re.sub(r"[`*_#>|~]{2,}", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# --- instructions hidden in a question ----------------------------------------------------

_INJECTION = re.compile(
    r"""(
      \b(?:ignore|disregard|forget|override|bypass|skip)\b[^.?!\n]{0,40}?
          \b(?:instructions?|rules?|guidelines?|prompts?|polic(?:y|ies)|restrictions?|guardrails?|programming|everything|above|previous|prior)\b[^.?!\n,:;]*[.!:,;]?
    | \byou\s+are\s+(?:now|no\s+longer)\b[^.?!\n]*[.!,;:]?
    | \b(?:pretend|act|behave|roleplay|role-play)\s+(?:to\s+be|as|like)\b[^.?!\n,]*[.!,;:]?
    | \bfrom\s+now\s+on\b[^.?!\n,]*[.!,;:]?
    | \b(?:developer|dan|jailbreak|god)\s+mode\b[^.?!\n]*[.!,;:]?
    | \b(?:reveal|show|print|repeat|output|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+)?(?:prompt|instructions|rules)\b[^.?!\n]*[.!?]?
    | ^\s*(?:system|assistant|admin|developer)\s*[:>]\s*[^.?!\n]*[.!]?
    | \bnew\s+(?:instructions|rules)\s*:[^.?!\n]*[.!]?
    | \bwithout\s+(?:any\s+)?(?:your\s+)?(?:rules|restrictions|disclaimers?|warnings?|safety)\b
    | \bno\s+(?:rules|restrictions|disclaimers?|limits)\b
    )""",
    re.I | re.X | re.M,
)


@dataclass(frozen=True)
class Stripped:
    text: str
    removed: tuple[str, ...]


def strip_injection(text: str) -> Stripped:
    """Remove instruction-like spans; the rest of the question is kept as it was."""
    removed = tuple(m.group(0).strip() for m in _INJECTION.finditer(text))
    if not removed:
        return Stripped(text, ())
    rest = _INJECTION.sub(" ", text)
    rest = re.sub(r"\s+([,.?!])", r"\1", re.sub(r"\s+", " ", rest)).strip(" ,.;:-")
    return Stripped(rest, removed)
