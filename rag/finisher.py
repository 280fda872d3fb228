"""The chat model as the finisher: rewrite an answered draft from the same passages.

Only with a chat model configured, and only for a draft the extractive stages answered
(urgent, invalid and not-found replies never reach it). ``finish`` replaces the draft's
sentences with the model's checked ones (``rag.chat_model.client.grounded_answer``: every sentence must
cite a passage it was given and be supported by it); ``stream`` yields them as they are
checked. Any ``LLMError`` (timeout, refusal, malformed reply, nothing left after the checks)
keeps the extractive answer and adds the ``llm_fallback`` notice.

Left out: building the model (``rag.chat_model.client.build_chat_model``) and the checks themselves
(``rag.chat_model.grounding``).
"""

from __future__ import annotations

from typing import Iterator

from rag.draft import Draft
from rag.chat_model.client import GroundedStream, LLMError, grounded_answer
from rag.text.sentences import reading_grade
from rag.prompts import Prompts
from rag.schema import Answer, Notice, cited
from rag.settings import Settings


class Finisher:
    def __init__(self, chat_model, prompts: Prompts, settings: Settings, answerer: str):
        self.chat_model, self.prompts, self.settings, self.answerer = chat_model, prompts, settings, answerer

    def _args(self, d: Draft) -> tuple:
        s = self.settings
        return (self.chat_model, self.prompts, d.understanding.asked, list(d.retrieval.passages),
                d.triage.advice, s.llm_min_support, s.answer_max_sentences)

    def finish(self, d: Draft) -> None:
        """Replace the draft's sentences with the chat model's checked ones, or keep them
        and add the ``llm_fallback`` notice."""
        try:
            checked = grounded_answer(*self._args(d))
        except LLMError as e:
            self._fall_back(d.answer, e)
        else:
            self._use(d.answer, checked)

    def stream(self, d: Draft) -> Iterator[str]:
        """The checked sentences as text pieces ("sentence [n] ") while they are written."""
        run = GroundedStream(*self._args(d))
        try:
            for s in run:
                yield cited(s) + " "
        except LLMError as e:
            self._fall_back(d.answer, e)
        else:
            self._use(d.answer, run.checked)

    def _use(self, answer: Answer, checked) -> None:
        answer.sentences, answer.citations = checked.sentences, checked.citations
        answer.answer = checked.text
        answer.reading_grade = reading_grade(answer.answer)
        answer.answerer = self.answerer
        answer.llm = {"model": self.answerer, "error": None,
                      "dropped": [d.to_json() for d in checked.dropped]}

    def _fall_back(self, answer: Answer, error: LLMError) -> None:
        answer.notices.append(Notice("llm_fallback", self.prompts.message("llm_fallback")))
        answer.llm = {"model": self.answerer, "error": error.reason, "detail": error.detail}
