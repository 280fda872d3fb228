"""One answer as the pipeline's stages build it (``Draft``), and the stream of an answer's
text pieces (``AnswerStream``).

Plain containers: the stages in ``rag.answering`` fill a ``Draft`` in order, and a stage
that settles the reply (an emergency, empty input, nothing found) sets ``settled`` so the
stages after it don't run. Left out: any logic of the stages themselves.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from rag.compose.extract import Extraction
from rag.search.retrieve import Retrieval
from rag.safety.triage import Triage
from rag.schema import Answer
from rag.question.understand import Understanding


@dataclass
class Draft:
    """One answer as the stages build it."""

    answer: Answer
    history: list[dict]
    triage: Triage | None = None
    understanding: Understanding | None = None
    search_text: str = ""  # the question, with the earlier turns a follow-up borrows
    retrieval: Retrieval | None = None
    extraction: Extraction | None = None
    settled: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = (time.perf_counter() - t0) * 1000


class AnswerStream:
    """Iterate for an answer's text pieces; ``answer`` holds the final ``Answer`` after."""

    def __init__(self, pieces: Iterator[str]):
        self._pieces = pieces
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        self.answer = yield from self._pieces
