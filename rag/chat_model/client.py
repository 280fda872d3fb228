"""Optional answers written by a chat model, checked sentence by sentence before anyone sees them.

Job: build the LangChain chat model the ``answerer`` setting names (``build_chat_model`` is
the only code that does: ``ollama:llama3.2`` for a local Ollama, ``openai:MODEL`` for the
OpenAI API or any OpenAI-compatible server at ``llm_base_url``), number the retrieved
passages for the prompt, call the model once, and hand its reply to the check
(``rag.chat_model.grounding``: every sentence must cite a passage it was given and be supported by it;
for a personal-advice question no dose or stop/start instruction; at most
``answer_max_sentences``).

A reply that opens by saying the passages don't answer, or where no sentence survives, is a
failure (``LLMError``) like a timeout, a refused connection, an HTTP error or a malformed
reply; the pipeline then gives the extractive answer with a notice. ``GroundedStream`` yields
each checked sentence as soon as it is complete, so a patient never sees an unchecked one.

Left out: the checking rules themselves (``rag.chat_model.grounding``), token counting (nothing here
calls it, so tiktoken never downloads an encoding), retries (``max_retries=0``: a patient
waits for one attempt at most), and conversation history in the prompt (follow-ups reach the
model through the passages retrieved for them).
"""

from __future__ import annotations

import importlib
from typing import Iterable, Iterator

from langchain_core.messages import HumanMessage, SystemMessage

from rag.chat_model.grounding import Checked, Dropped, ReplyChecker, check_reply, parse_claim, reply_spans
from rag.schema import AnswerSentence, Passage

PROVIDERS = {"openai": "langchain-openai", "ollama": "langchain-ollama"}
MAX_RETRIES = 0
LOCAL_API_KEY = "not-needed"  # what an OpenAI-compatible server without keys is sent


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
    # Imported only when a chat model is configured: loading the providers takes about two
    # seconds, which the extractive answerer (the default) never pays.
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
    """The system rules and the user message (the question and the numbered passages)."""
    user = prompts.templates["answer_user.txt"].format(
        question=question.strip(), passages=number_passages(passages))
    return [SystemMessage(prompts.templates["answer_system.txt"]), HumanMessage(user)]


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
