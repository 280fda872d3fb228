"""Optional answers written by a chat model, checked sentence by sentence before anyone sees them.

Job: build the LangChain chat model the ``answerer`` setting names (``build_chat_model`` is
the only code that does: ``ollama:llama3.2`` for a local Ollama, ``openai:MODEL`` for the
OpenAI API or any OpenAI-compatible server at ``llm_base_url``), number the retrieved
passages for the prompt, and check the model's reply one sentence at a time:

- a sentence must cite a passage it was given, as ``[n]``; one citing nothing, or a number
  it was not given, is dropped;
- it must be supported by the passage it cites: at least ``llm_min_support`` of its content
  words (stemmed, stop words left out) appear in that passage (or in the plain words
  ``rag/data/plain_words.tsv`` gives for the passage's clinical ones), and every number in it
  appears in that passage;
- for a personal-advice question, a sentence with a dose or a stop/start instruction is
  dropped, as the extractive answerer does;
- sentences past ``answer_max_sentences`` are dropped.

A reply that opens by saying the passages don't answer, or where no sentence survives, is a
failure (``LLMError``) like a timeout, a refused connection, an HTTP error or a malformed
reply; the pipeline then gives the extractive answer with a notice. Checked sentences come
back as the project's own ``AnswerSentence``/``Citation``, numbered 1..k in order of first
use; ``GroundedStream`` yields each as soon as it is complete, so a patient never sees an
unchecked sentence.

Left out: judging meaning (support is word overlap, so a sentence that reuses a passage's
words but reverses it would pass; the prompt and temperature 0 are the guard there), a
sentence citing several passages is kept under the one that supports it best, token
counting (nothing here calls it, so tiktoken never downloads an encoding), retries
(``max_retries=0``: a patient waits for one attempt at most), and conversation history in
the prompt (follow-ups reach the model through the passages retrieved for them).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from .lexical import terms
from .plain import plain_words
from .safety import has_dose_or_instruction
from .schema import AnswerSentence, Citation, Passage, cited
from .text import split_sentences

PROVIDERS = {"openai": "langchain-openai", "ollama": "langchain-ollama"}
MAX_RETRIES = 0
LOCAL_API_KEY = "not-needed"  # what an OpenAI-compatible server without keys is sent

DROP_REASONS = {
    "no_citation": "cites no passage",
    "unknown_passage": "cites a passage number it was not given",
    "unsupported": "its words are not in the passage it cites",
    "number_not_in_passage": "has a number the passage it cites does not have",
    "dose_or_instruction": "gives a dose or a stop/start instruction to a personal-advice question",
    "declined": "says the passages don't answer",
    "over_limit": "comes after the most sentences an answer may have (answer_max_sentences)",
}


class LLMConfigError(ValueError):
    """The ``answerer`` setting can't be turned into a chat model: raised at start-up."""


class LLMError(RuntimeError):
    """The model gave no usable answer. ``reason`` is one of: timeout, connection,
    http_error, malformed, declined, nothing_supported, error."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --- the one seam that builds a chat model ----------------------------------------------------

def parse_answerer(name: str) -> tuple[str, str]:
    """``"openai:gpt-4o-mini"`` -> ``("openai", "gpt-4o-mini")``."""
    provider, sep, model = (name or "").strip().partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if not sep or not model or provider not in PROVIDERS:
        raise LLMConfigError(
            f"answerer {name!r} is not understood: set RAG_ANSWERER to `extractive`, "
            "`ollama:MODEL` (e.g. ollama:llama3.2) or `openai:MODEL` (e.g. openai:gpt-4o-mini, "
            "or the model name an OpenAI-compatible server at RAG_LLM_BASE_URL serves)")
    return provider, model


def build_chat_model(settings):
    """The chat model for ``settings.answerer``: temperature 0, ``llm_timeout_s``, no retries."""
    provider, model = parse_answerer(settings.answerer)
    package = PROVIDERS[provider]
    try:
        importlib.import_module(package.replace("-", "_"))
    except ImportError as e:
        raise LLMConfigError(
            f"answerer {settings.answerer!r} needs the {package} package: "
            f"pip install -r requirements.txt -c constraints.txt (or pip install {package})") from e
    kwargs: dict = {"temperature": 0}
    if provider == "openai":
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        if not key:
            if not settings.llm_base_url:
                raise LLMConfigError(
                    f"answerer {settings.answerer!r} needs an API key: set RAG_LLM_API_KEY (or "
                    "OPENAI_API_KEY), or set RAG_LLM_BASE_URL to a local OpenAI-compatible server")
            key = LOCAL_API_KEY
        kwargs.update(api_key=key, timeout=settings.llm_timeout_s, max_retries=MAX_RETRIES)
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
    else:
        kwargs["client_kwargs"] = {"timeout": settings.llm_timeout_s}
        if settings.llm_base_url:
            kwargs["base_url"] = settings.llm_base_url
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as e:
        raise LLMConfigError(f"answerer {settings.answerer!r}: {e} (pip install {package})") from e
    except (ValueError, TypeError) as e:
        raise LLMConfigError(f"answerer {settings.answerer!r} could not be set up: {e}") from e


# --- the prompt ----------------------------------------------------------------------------------

def number_passages(passages: Iterable[Passage]) -> str:
    """``[n] Title — location`` then the passage's text, one block per passage."""
    blocks = []
    for n, p in enumerate(passages, 1):
        c = p.chunk
        head = f"[{n}] {c.title}" + (f" \u2014 {c.location}" if c.location else "")
        blocks.append(f"{head}\n{c.text.strip()}")
    return "\n\n".join(blocks)


def prompt_messages(prompts, question: str, passages: list[Passage]) -> list:
    from langchain_core.messages import HumanMessage, SystemMessage

    user = prompts.templates["answer_user.txt"].format(
        question=question.strip(), passages=number_passages(passages))
    return [SystemMessage(prompts.templates["answer_system.txt"]), HumanMessage(user)]


# --- reading the reply ---------------------------------------------------------------------------

_CITE = r"\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]"
_CITE_RX = re.compile(_CITE)
_END = re.compile(rf"[.!?][\"'\u201d\u2019)]*(?:\s*{_CITE})*|(?:\s*{_CITE})+\s*[.!?]|\n")
_LIST_MARK = re.compile(r"^(?:[-*\u2022]\s+|\d{1,2}[.)]\s+)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DECLINE = re.compile(
    r"\b(?:passages?|documents?|texts?|sources?)\b.{0,40}?\b(?:do(?:es)?\s*n[o']?t|cannot|can'?t)\b"
    r".{0,20}?\b(?:answer|say|cover|mention|contain|include|address|explain|tell)"
    r"|\bnot\s+(?:in|covered\s+(?:in|by)|mentioned\s+in|found\s+in)\s+(?:the|these)\s+(?:passages?|documents?)",
    re.I | re.S)


@dataclass(frozen=True)
class Claim:
    """One sentence of the reply: its text without markers, and the numbers it cites."""

    text: str
    cites: tuple[int, ...]


def reply_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a reply; citation markers after a full stop stay with its sentence.
    A full stop followed by a lower-case word ("e.g. methotrexate") ends nothing."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group(0) != "\n":
            after = text[end:]
            if after[:1] and not after[:1].isspace():
                continue
            nxt = after.lstrip()[:1]
            if nxt.islower():
                continue
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def parse_claim(raw: str) -> Claim:
    cites = tuple(int(n) for m in _CITE_RX.finditer(raw) for n in re.findall(r"\d+", m.group(0)))
    text = _CITE_RX.sub(" ", raw).replace("**", "").replace("__", "")
    text = _LIST_MARK.sub("", " ".join(text.split()))
    text = re.sub(r"\s+([.!?,;:])", r"\1", text).strip()
    if text and text[-1] not in ".!?\"'\u201d)":
        text += "."
    return Claim(text, cites)


def parse_reply(text: str) -> list[Claim]:
    return [c for c in (parse_claim(text[a:b]) for a, b in reply_spans(text)) if c.text]


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def passage_terms(text: str) -> frozenset[str]:
    """The passage's content words, plus the plain words for its clinical phrases (so
    "lung scarring" is supported by a passage saying "pulmonary fibrosis")."""
    found = set(terms(text))
    for pattern, replacement in plain_words():
        if pattern.search(text):
            found.update(terms(replacement))
    return frozenset(found)


def support(sentence: str, passage_words: frozenset[str]) -> float:
    """Share of the sentence's content words found among the passage's."""
    words = set(terms(sentence))
    return len(words & passage_words) / len(words) if words else 0.0


# --- checking --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dropped:
    text: str
    reason: str  # a key of DROP_REASONS
    cites: tuple[int, ...] = ()
    support: float = 0.0

    def to_json(self) -> dict:
        return {"text": self.text, "reason": self.reason, "cites": list(self.cites),
                "support": round(self.support, 3)}


@dataclass
class Checked:
    """The checked reply: what is kept (numbered 1..k), what was dropped and why, and the
    failure reason when nothing usable is left (``None`` when the answer can be used)."""

    sentences: list[AnswerSentence]
    citations: list[Citation]
    dropped: list[Dropped]
    reply: str
    failure: str | None = None

    @property
    def text(self) -> str:
        return " ".join(cited(s) for s in self.sentences)


@dataclass
class ReplyChecker:
    """Checks one sentence at a time, numbering cited passages in order of first use."""

    passages: list[Passage]
    advice: bool = False
    min_support: float = 0.6
    max_sentences: int = 4
    sentences: list[AnswerSentence] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    declined: bool = False
    _words: dict[int, frozenset[str]] = field(default_factory=dict, init=False, repr=False)
    _numbers: dict[int, set[str]] = field(default_factory=dict, init=False, repr=False)
    _order: dict[int, int] = field(default_factory=dict, init=False)  # passage index -> n
    _highlights: dict[int, set[tuple[int, int]]] = field(default_factory=dict, init=False, repr=False)

    def _passage(self, i: int) -> tuple[frozenset[str], set[str]]:
        if i not in self._words:
            c = self.passages[i].chunk
            self._words[i] = passage_terms(f"{c.title}\n{c.section}\n{c.text}")
            self._numbers[i] = numbers_in(c.text)
        return self._words[i], self._numbers[i]

    def add(self, claim: Claim) -> AnswerSentence | None:
        """The sentence as shown, or ``None`` when it is dropped (see ``dropped``)."""
        def drop(reason: str, score: float = 0.0) -> None:
            self.dropped.append(Dropped(claim.text, reason, claim.cites, score))

        if _DECLINE.search(claim.text):
            if not self.sentences and not self.dropped:
                self.declined = True
            return drop("declined")
        if len(self.sentences) >= self.max_sentences:
            return drop("over_limit")
        if not claim.cites:
            return drop("no_citation")
        if any(not 1 <= n <= len(self.passages) for n in claim.cites):
            return drop("unknown_passage")
        if self.advice and has_dose_or_instruction(claim.text):
            return drop("dose_or_instruction")
        wanted = numbers_in(claim.text)
        best, best_score, numbers_ok = None, 0.0, False
        for i in dict.fromkeys(n - 1 for n in claim.cites):
            words, numbers = self._passage(i)
            score = support(claim.text, words)
            has_numbers = wanted <= numbers
            if (has_numbers, score) > (numbers_ok, best_score) or best is None:
                best, best_score, numbers_ok = i, score, has_numbers
        if not numbers_ok:
            return drop("number_not_in_passage", best_score)
        if best_score < self.min_support:
            return drop("unsupported", best_score)
        n = self._order.setdefault(best, len(self._order) + 1)
        quote, span = self._closest_sentence(best, claim.text)
        if span:
            self._highlights.setdefault(best, set()).add(span)
        sentence = AnswerSentence(claim.text, n, quote)
        self.sentences.append(sentence)
        return sentence

    def _closest_sentence(self, i: int, text: str) -> tuple[str, tuple[int, int] | None]:
        """The passage sentence sharing most words with ``text``: shown highlighted."""
        chunk_text = self.passages[i].chunk.text
        words = set(terms(text))
        best, best_overlap = None, 0
        for a, b in split_sentences(chunk_text):
            overlap = len(words & set(terms(chunk_text[a:b])))
            if overlap > best_overlap:
                best, best_overlap = (a, b), overlap
        return (_LIST_MARK.sub("", chunk_text[best[0]:best[1]]), best) if best else ("", None)

    def citations(self) -> list[Citation]:
        return [Citation(n=n, chunk=self.passages[i].chunk, score=self.passages[i].score,
                         highlights=tuple(sorted(self._highlights.get(i, ()))))
                for i, n in sorted(self._order.items(), key=lambda kv: kv[1])]

    def result(self, reply: str) -> Checked:
        failure = "declined" if self.declined else None if self.sentences else "nothing_supported"
        return Checked(list(self.sentences), self.citations(), list(self.dropped), reply, failure)


def check_reply(reply: str, passages: list[Passage], advice: bool = False,
                min_support: float = 0.6, max_sentences: int = 4) -> Checked:
    """Check a whole reply at once (the non-streaming path, and tests)."""
    checker = ReplyChecker(passages, advice, min_support, max_sentences)
    for claim in parse_reply(reply):
        checker.add(claim)
        if checker.declined:
            break
    return checker.result(reply)


# --- calling the model -------------------------------------------------------------------------

def _content_text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        parts = [b if isinstance(b, str) else b.get("text", "") if isinstance(b, dict)
                 and b.get("type", "text") == "text" else "" for b in content]
        return "".join(parts)
    raise LLMError("malformed", f"reply content of type {type(content).__name__}")


def failure_reason(error: BaseException) -> str:
    """A short code for what went wrong, from the exception and its causes."""
    names = []
    e: BaseException | None = error
    while e is not None and len(names) < 8:
        names.extend(k.__name__ for k in type(e).__mro__)
        e = e.__cause__ or e.__context__
    text = " ".join(names)
    if "Timeout" in text:
        return "timeout"
    if "Connect" in text:
        return "connection"
    if "APIStatusError" in text or "HTTPStatusError" in text or "ResponseError" in text:
        return "http_error"
    if any(k in text for k in ("ValueError", "KeyError", "TypeError", "IndexError",
                               "AttributeError", "ValidationError", "APIResponseValidationError")):
        return "malformed"
    return "error"


def _fail(e: Exception) -> LLMError:
    return e if isinstance(e, LLMError) else LLMError(failure_reason(e), f"{type(e).__name__}: {e}"[:300])


def grounded_answer(model, prompts, question: str, passages: list[Passage], advice: bool = False,
                    min_support: float = 0.6, max_sentences: int = 4) -> Checked:
    """Ask once (no streaming) and check the reply. Raises ``LLMError`` on any failure."""
    try:
        reply = _content_text(model.invoke(prompt_messages(prompts, question, passages)).content)
    except Exception as e:  # every client error becomes a reason: the patient gets a fallback
        raise _fail(e) from e
    checked = check_reply(reply, passages, advice, min_support, max_sentences)
    if checked.failure:
        raise LLMError(checked.failure, _dropped_summary(checked.dropped))
    return checked


class GroundedStream:
    """Iterate for checked sentences as the model writes them; ``checked`` once done.

    Raises ``LLMError`` (possibly after some sentences) when the model fails or nothing it
    wrote survives the checks; sentences already yielded were checked, but the caller
    should replace them with its fallback answer.
    """

    def __init__(self, model, prompts, question: str, passages: list[Passage], advice: bool = False,
                 min_support: float = 0.6, max_sentences: int = 4):
        self.model, self.prompts, self.question, self.passages = model, prompts, question, passages
        self.checker = ReplyChecker(passages, advice, min_support, max_sentences)
        self.checked: Checked | None = None

    def __iter__(self) -> Iterator[AnswerSentence]:
        reply = ""
        done = 0  # characters of ``reply`` already split off as sentences
        try:
            for chunk in self.model.stream(prompt_messages(self.prompts, self.question, self.passages)):
                reply += _content_text(chunk.content)
                spans = reply_spans(reply[done:])
                ready = spans[:-1]
                if ready and reply[done + spans[-1][0]:].lstrip().startswith("["):
                    ready = ready[:-1]  # its citation may still be coming
                for a, b in ready:
                    yield from self._check(reply[done + a:done + b])
                if ready:
                    done += ready[-1][1]
            for a, b in reply_spans(reply[done:]):
                yield from self._check(reply[done + a:done + b])
        except LLMError:
            raise
        except Exception as e:
            raise _fail(e) from e
        finally:
            self.checked = self.checker.result(reply)
        if self.checked.failure:
            raise LLMError(self.checked.failure, _dropped_summary(self.checked.dropped))

    def _check(self, raw: str) -> Iterator[AnswerSentence]:
        if self.checker.declined:
            return
        claim = parse_claim(raw)
        if claim.text:
            sentence = self.checker.add(claim)
            if self.checker.declined:
                raise LLMError("declined", claim.text[:200])
            if sentence is not None:
                yield sentence


def _dropped_summary(dropped: list[Dropped]) -> str:
    return "; ".join(f"{d.reason}: {d.text[:80]}" for d in dropped[:4])
