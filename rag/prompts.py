"""Load the message and prompt files in ``prompts/`` and check their placeholders.

``messages.toml`` holds every fixed sentence the bot shows (urgent care, not found, personal
advice, the education notice). LLM prompt templates are ``*.txt`` files beside it. Each has a
declared set of placeholders; ``load_prompts`` fails at start-up, naming the file and key,
when one is missing or unknown, so a typo by an editor never reaches a patient.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rag.safety.emergency_languages import OTHER_LANGUAGES
from rag.question.kinds import QUESTION_KINDS
from rag.safety.triage import SYMPTOMS

# key -> placeholders it must use (exactly).

MESSAGE_VARIABLES: dict[str, set[str]] = {
    "disclaimer": set(),
    "not_found": {"topics"},
    "not_found_about": {"focus", "topics"},
    "not_covered": {"topic", "topics"},
    "kind_not_covered": {"focus", "what", "topics"},
    # what each kind of question asks for, in kind_not_covered's "they don't say ..."
    **{f"kind_{k}": set() for k in QUESTION_KINDS if k != "other"},
    "spelling": {"question"},
    "approved": {"date"},
    "invalid_empty": set(),
    "not_english": set(),
    "invalid_too_long": {"length", "limit"},
    "personal_advice": set(),
    "instructions_ignored": set(),
    "llm_fallback": set(),
    "symptom_notice": {"symptom"},
    "urgent_intro": set(),
    "urgent_outro": set(),
    # "Call your local emergency number now." in the language an emergency was written in
    **{f"urgent_{lang}": set() for lang in OTHER_LANGUAGES},
}
URGENT_CATEGORIES = [name for name, _ in SYMPTOMS]

# LLM prompt templates (rag/chat_model/client.py): file -> placeholders.
TEMPLATE_VARIABLES: dict[str, set[str]] = {
    "answer_system.txt": set(),
    "answer_user.txt": {"question", "passages"},
}


class PromptError(ValueError):
    pass


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Prompts:
    messages: dict[str, str]
    urgent: dict[str, str]
    symptom_names: dict[str, str]
    templates: dict[str, str]

    def message(self, key: str, **values) -> str:
        return self.messages[key].format(**values)

    def has_message(self, key: str) -> bool:
        return key in self.messages


def _check(where: str, text: object, expected: set[str]) -> str:
    if not isinstance(text, str) or not text.strip():
        raise PromptError(f"{where}: missing or empty")
    try:
        found = placeholders(text)
    except ValueError as e:
        raise PromptError(f"{where}: broken placeholder ({e})") from e
    if found != expected:
        missing, unknown = expected - found, found - expected
        parts = ([f"missing {{{', '.join(sorted(missing))}}}"] if missing else []) + (
            [f"unknown {{{', '.join(sorted(unknown))}}}"] if unknown else [])
        raise PromptError(f"{where}: {'; '.join(parts)} (allowed: {sorted(expected) or 'none'})")
    return text.strip()


def load_prompts(folder: Path, require_templates: bool = False) -> Prompts:
    """Messages (always required) and the LLM templates (required when
    ``require_templates``: an answerer other than the extractive one is configured)."""
    path = Path(folder) / "messages.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise PromptError(f"{path}: not found (set RAG_PROMPTS_DIR to the prompts folder)") from e
    except tomllib.TOMLDecodeError as e:
        raise PromptError(f"{path}: not valid TOML ({e})") from e
    messages = {k: _check(f"{path.name} [{k}]", data.get(k), v) for k, v in MESSAGE_VARIABLES.items()}
    urgent = {c: _check(f"{path.name} [urgent.{c}]", data.get("urgent", {}).get(c), set())
              for c in URGENT_CATEGORIES}
    names = {c: _check(f"{path.name} [symptom_names.{c}]", data.get("symptom_names", {}).get(c), set())
             for c in URGENT_CATEGORIES}
    templates = {}
    for name, expected in TEMPLATE_VARIABLES.items():
        p = Path(folder) / name
        if p.exists():
            templates[name] = _check(name, p.read_text(encoding="utf-8"), expected)
        elif require_templates:
            raise PromptError(f"{p}: not found (needed by the configured answerer; "
                              "set RAG_ANSWERER=extractive or restore the file)")
    return Prompts(messages, urgent, names, templates)
