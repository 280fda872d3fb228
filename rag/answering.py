"""``ask``: one straight line of named stages over one ``Draft`` (``Pipeline.ask``, mixed into
``rag.pipeline.Pipeline``):

    triage -> understand -> approved -> retrieve -> compose -> decide -> plain language -> [LLM finisher]

- triage (``rag.safety.triage``): emergencies (in English and five other languages), empty,
  over-long or non-English input (``rag.safety.language``), advice and injected instructions; an
  emergency ends the line at once.
- understand (``rag.question.understand``, ``rag.question.kinds``): the question to answer ("say
  that more simply" points back), its kind, whether it is yes/no or a definition, and what
  it names that no document mentions.
- approved (``rag.records.approved``): an educator's approved answer to the same question, when one
  matches and its passages still stand, is served as approved and ends the line.
- retrieve (``rag.search.retrieve``): hybrid search; a follow-up borrows earlier turns for search.
- compose (``rag.compose.extract``): lead with the sentence that answers this kind of question, in
  a passage that answers it as a whole, chains kept; a definition leads with the glossary's.
- decide (``rag.compose.confidence``): answer, or say precisely what the documents don't cover.
- plain language (``rag.plain.rewrite``, ``rag.plain.glossary``): reworded sentences, hard words
  explained after the answer; "say that more simply" keeps the main point in at most
  three short sentences.
- finisher (``rag.finisher``, only with a chat model): rewrites an answered draft from the
  same passages, every sentence checked. ``ask`` runs it, ``ask(finish=False)`` skips it, and
  ``ask_stream`` streams it; urgent, invalid and not-found replies never reach it.

Left out: building the clients and the indexes the stages read (retriever, glossary, spelling
vocabulary, reranker, approved answers' records, topics): ``rag.pipeline``.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Iterator

from rag.compose.extract import Extraction, extract, without_kind_words
from rag.search.kind_passages import topic_stems, with_kind_passages
from rag.records import approved as approved_answers
from rag.draft import AnswerStream, Draft
from rag.safety.emergency_rules import urgent_language
from rag.compose.evidence import closest_word
from rag.plain.glossary import asked_definitions, bare_definition, with_definitions
from rag.text.lexical import stem, terms
from rag.text.message import question_part
from rag.safety.language import reads_english
from rag.plain.rewrite import plain_answer
from rag.plain.simpler import simpler
from rag.text.sentences import reading_grade
from rag.question.conversation import (asked_of_subject, continued_question, leans_on_earlier_turns,
                                       normalize_history, readings)
from rag.text.typed import clean_question
from rag.question.kinds import focus_phrase, is_yes_no
from rag.safety.triage import treatments_named, triage, urgent_in_context
from rag.schema import Answer, Notice, answer_text, sentence_pieces
from rag.compose.sentence_kinds import KINDS_NEEDING_CUES, answers_kind
from rag.question.spelling import correct
from rag.question.understand import (PARAPHRASE_MIN_COSINE, Understanding, index_knows, is_definition_question,
                         is_simpler_request, named_focus, refers_back, uncovered)


KIND_SURE = 0.9  # a question's kind is trusted to decline with ("no side effect is named") above this
# The word documents use for a kind of answer, added to the dense query when the kind is sure:
# "what makes IgA build up in the kidneys?" asks for causes without saying so.
KIND_HINTS = {"cause": "causes", "symptoms": "symptoms", "diagnosis": "diagnosis", "treatment": "treatment",
              "risks": "risks"}
SIMPLER_MOST_SENTENCES = 3  # "say that more simply": the main point in at most three short sentences
SIMPLER_GRADE = 6.0  # ... each reading at about this school grade or below
READING_MARGIN = 0.02  # a later reading of a follow-up must answer this much better to be kept


class Answering:
    """The stages of ``Pipeline.ask`` over the clients and indexes ``rag.pipeline.Pipeline``
    builds: they read its ``settings``, ``prompts``, ``embed``, ``kinds``, ``confidence``,
    ``scorer``, ``chooser``, ``selection``, ``finisher`` and ``store``, and its indexes
    (``retriever()``, ``vocabulary()``, ``reranker``, ``approved_records()``, ``topics()``,
    ``_retriever``, ``_glossary``, ``_subject_terms``, ``_subject``)."""

    def ask(self, question: str, history: list | None = None, finish: bool = True) -> Answer:
        """Answer ``question`` (with the conversation so far). ``finish=False`` skips the chat
        model: what the documents' own sentences answer, at no model cost."""
        t0 = time.perf_counter()
        draft = self.draft(question, history)
        if finish and self.finisher is not None and not draft.settled:
            with draft.timed("llm"):
                self.finisher.finish(draft)
        return self._done(draft, t0)

    def ask_extractive(self, question: str, history: list | None = None) -> Answer:
        """``ask`` without the chat model (which starter questions are answerable)."""
        return self.ask(question, history, finish=False)

    def draft(self, question: str, history: list | None = None) -> Draft:
        """Every stage but the chat model's, in order."""
        raw = question if isinstance(question, str) else ""
        d = Draft(Answer(question=raw, kind="answered", answer="", disclaimer=self.prompts.message("disclaimer")),
                  normalize_history(history))
        for name, stage in (("safety", self._triage), ("understand", self._understand),
                            ("approved", self._approved), ("retrieve", self._retrieve), ("answer", self._compose),
                            ("decide", self._decide), ("plain", self._plain)):
            if d.settled:
                break
            with d.timed(name):
                stage(d)
        return d

    def _triage(self, d: Draft) -> None:
        """Emergencies first, even in an over-long message; then input checks and notices."""
        msgs, a = self.prompts, d.answer
        cleaned = clean_question(a.question)
        tri = d.triage = triage(cleaned, self.embed)
        urgent = tri.urgent or urgent_in_context(cleaned, d.history, self.embed)
        if urgent:
            a.kind, a.confidence = "urgent", 1.0
            lang = urgent_language(cleaned)  # "tengo dolor de pecho...": the line in their language too
            a.answer = " ".join([msgs.urgent[urgent], msgs.message("urgent_intro"), msgs.message("urgent_outro")]
                                + ([msgs.message(f"urgent_{lang}")] if lang else []))
            a.notices.append(Notice("urgent", msgs.urgent[urgent]))
            d.settled = True
        elif not cleaned:
            a.kind, a.answer, d.settled = "invalid", msgs.message("invalid_empty"), True
        elif len(a.question) > self.settings.max_question_chars:
            a.kind, d.settled = "invalid", True
            a.answer = msgs.message("invalid_too_long", length=len(a.question),
                                    limit=self.settings.max_question_chars)
        elif not reads_english(cleaned):
            # the documents and the answerer read English; the emergency line goes to everyone
            a.kind, a.answer, d.settled = "invalid", msgs.message("not_english"), True
        else:
            if tri.injection:
                a.notices.append(Notice("instructions_ignored", msgs.message("instructions_ignored")))
            if tri.advice:
                a.notices.append(Notice("personal_advice", msgs.message("personal_advice")))
            if tri.symptom:
                a.notices.append(Notice("urgent_symptom", msgs.message(
                    "symptom_notice", symptom=msgs.symptom_names[tri.symptom])))

    def _understand(self, d: Draft) -> None:
        """What to answer and what kind of answer it wants. "Say that more simply" answers
        the last question that named a topic of its own."""
        asked = d.triage.question
        simpler = self.settings.plain_language and is_simpler_request(asked)
        if simpler and refers_back(asked):  # asked again as it was: with the turns before it only
            at = [i for i, t in enumerate(d.history) if t["role"] == "user" and not refers_back(t["content"])]
            asked, d.history = (triage(clean_question(d.history[at[-1]]["content"])).question,
                                d.history[:at[-1]]) if at else ("", d.history)
        if not asked.strip():
            self._not_found(d)
            return
        fixed = correct(asked, self.vocabulary())  # also brings the retriever up to date
        retriever = self._retriever
        if fixed.changed:
            # "wat is mycofenolate for": every later stage reads the corrected words
            asked = fixed.corrected
            d.answer.notices.append(Notice("spelling", self.prompts.message("spelling", question=asked)))
        # "and for the skin?" asks what the question before it asked, of something else
        kind_of = continued_question(asked, d.history) or asked
        guess = self.kinds.predict(self.embed([kind_of]), [kind_of])[0]
        indexed = index_knows(retriever.lexical.vocab, retriever.lexical.expand, retriever.abbreviations)
        foci = tuple(focus_phrase(asked))
        subject = lambda w: stem(w.lower()) in self._subject_terms  # noqa: E731 - the corpus's own subject
        phrase, word = uncovered(asked, indexed, foci[0] if foci else None, foci[1:], subject)
        # "whats a cytopenia", "remission?": asks only what a glossary term means
        bare = bare_definition(asked, self._glossary, self._subject_terms)
        d.understanding = Understanding(
            asked=asked, kind="definition" if bare else guess.kind,
            kind_confidence=1.0 if bare else guess.confidence, yes_no=is_yes_no(asked), simpler=simpler,
            definition=bare or (guess.kind == "definition" and is_definition_question(asked)),
            focus=foci, uncovered=phrase, uncovered_word=word, kind_scores=guess.scores,
            # of a message that also tells a story, only its asking sentences ("...my doctor said...")
            named_focus=named_focus(focus_phrase(part) if (part := question_part(asked)) else foci, indexed, subject))

    def _approved(self, d: Draft) -> None:
        """An educator's approved answer, when the question asks what one answers and the
        passages it cites are unchanged: served as approved, with when it was reviewed."""
        u, a = d.understanding, d.answer
        if u.simpler or approved_answers.leans_on_history(u.asked, d.history):
            return
        try:
            records = self.approved_records()
            hit = records and approved_answers.find(
                u.asked, records.approved_answers(include_stale=False, with_counts=False), self.embed,
                lambda vecs, texts: [g.kind for g in self.kinds.predict(vecs, texts)], focus_phrase,
                lambda ids: {c.chunk_id: c for c in self.store.get(ids)[0]}, records.mark_stale)
        except (sqlite3.Error, OSError):
            return  # records locked or damaged: answering never waits on them
        if hit:
            v = hit.approved.latest
            a.kind, a.confidence, a.answerer, d.settled = "answered", 1.0, "approved", True
            a.sentences, a.citations = list(v.sentences), list(v.citations)
            a.answer, a.approved = answer_text(a.sentences), approved_answers.served(hit)
            a.reading_grade = reading_grade(a.answer)
            a.notices.append(Notice("approved", self.prompts.message(
                "approved", date=approved_answers.approved_on(v.approved_at))))

    def _retrieve(self, d: Draft) -> None:
        """Search for the question (``with_kind_passages``: one place for a passage that answers
        its kind). A follow-up naming no topic of its own has several readings (``readings``: with the
        conversation's topic, the library's subject, as asked); the best answered is kept (ties: the earlier)."""
        u, retriever = d.understanding, self._retriever  # brought up to date by _understand
        indexed = lambda w: stem(w) in retriever.lexical.vocab  # noqa: E731 - the whole index, not only rare words
        # the earlier turns are read with their misspellings corrected too: "wat causes gowt?"
        # then "is it serious?" is about gout
        vocabulary = self.vocabulary(refresh=False)
        history = [{**t, "content": correct(t["content"], vocabulary).corrected} if t["role"] == "user" else t
                   for t in d.history]
        options = readings(u.asked, history, self.settings.history_turns, retriever.known_term, indexed,
                           self._subject)
        hint = KIND_HINTS.get(u.kind, "") if u.kind_confidence >= KIND_SURE else ""
        best: tuple[float, str, object, object] | None = None
        for text in options:
            found = retriever.search(text, max(self.settings.top_k, retriever.candidate_k), hint=hint)
            found.passages = with_kind_passages(found.passages, self.settings.top_k, u.kind,
                                                topic_stems(without_kind_words(found.terms)), answers_kind, u.asked)
            extraction = self._extract(d, found, text) if len(options) > 1 else None
            strength = 0.0 if extraction is None else (
                extraction.best if extraction.best is not None else self.confidence(extraction.features))
            if best is None or strength > best[0] + READING_MARGIN:
                best = (strength, text, found, extraction)
        _, d.search_text, d.retrieval, d.extraction = best
        d.answer.query, d.answer.retrieved = d.retrieval.query, d.retrieval.passages

    def _compose(self, d: Draft) -> None:
        """Pick and order the sentences (already done when readings were compared)."""
        if d.extraction is None:
            d.extraction = self._extract(d, d.retrieval, d.search_text)
        d.answer.evidence = d.extraction.features

    def _extract(self, d: Draft, r, reading: str) -> Extraction:
        """Sentences for one reading of the question (the words it was searched with)."""
        u, nudge = d.understanding, self.settings.rerank_weight if self.chooser == "rules" else 0.0
        # read with the library's subject, a question is still answered by what it asks: every
        # sentence is about the subject, and the one spelling its name out is no better answer
        asked = asked_of_subject(self._subject, r.query)
        ranked_by = tuple(self.embed([u.asked, asked])) if asked is not None else None
        return extract(r.passages, r.plain_vector, r.terms, self.embed,
                       self.settings.answer_max_sentences, self.settings.answer_max_words,
                       advice=d.triage.advice, params=self.selection, question=u.asked,
                       expanded_vec=r.vector, kind=u.kind, common=self._subject_terms, yes_no=u.yes_no,
                       kind_scores=u.kind_scores, reading=reading, rerank_weight=nudge, rerank_support=self.settings.rerank_support,
                       scorer=self.scorer if self.chooser in ("learned", "reranked") else None,
                       reranker=self.reranker if self.chooser == "reranked" or nudge else None, heads=self.kind_heads,
                       subject=self._subject, ranked_by=ranked_by)

    def _decide(self, d: Draft) -> None:
        """Answer, or say plainly that the documents don't cover it (by name when they
        never mention what the question is about)."""
        u, x, a = d.understanding, d.extraction, d.answer
        a.confidence = self.confidence(x.features)
        missing = u.uncovered if u.uncovered and closest_word(
            u.uncovered_word, d.retrieval.passages[:3], self.embed) < PARAPHRASE_MIN_COSINE else ""
        a.understanding = {"kind": u.kind, "kind_confidence": round(u.kind_confidence, 3),
                           "yes_no": u.yes_no, "uncovered": missing}
        if missing:
            self._not_found(d, uncovered=missing)
            return
        confident = a.confidence >= self.settings.min_answer_confidence
        if d.triage.advice and not confident:
            # A personal-advice question is answered with what the documents say about the
            # medicine or treatment it names, when they name it at all.
            named = {stem(w) for n in treatments_named(d.search_text) for w in n.split()}
            confident = any(named & set(terms(s.text)) for s in x.sentences)
        sentences, citations = (x.sentences, x.citations) if confident else ([], [])
        definitions = asked_definitions(u.asked, self._glossary, self._subject_terms,
                                        asks_meaning=is_definition_question(u.asked)) \
            if self.settings.plain_language and u.definition else []
        if (sentences and not definitions and u.kind_confidence >= KIND_SURE and not d.triage.advice
                and not self._answers(x, u.kind)):
            # "what side effects does nintedanib have?": the documents speak of nintedanib,
            # but no sentence of theirs says what its side effects are; say so, don't pad.
            # a follow-up ("does it have side effects?") is about the topic it borrowed
            foci = u.focus or focus_phrase(d.search_text)
            if foci and self.prompts.has_message(f"kind_{u.kind}"):
                self._not_found(d, kind_missing=(foci[0], u.kind))
            else:
                self._not_found(d)
            return
        if definitions:
            # "What does X mean?": the glossary's definition first, then what the documents say.
            sentences, citations = with_definitions(definitions, sentences, citations, self._glossary)
        if not sentences:
            self._not_found(d)
            return
        a.sentences, a.citations = sentences, citations

    def _answers(self, x, kind: str) -> bool:
        """Whether the chosen sentences answer this kind of question: the learned scorer's
        best sentence reaches its ``answers`` level; under the rules, a kind that needs its
        cues ("what are the risks") leads with a sentence holding one. The reranked chooser
        declines as the rules do: its own "answers" level, fitted on validation pages, declined
        21% of answerable questions on held-out pages through the pipeline (README)."""
        if self.chooser == "learned" and self.scorer is not None and x.best is not None:
            return x.best >= self.scorer.answers
        return kind not in KINDS_NEEDING_CUES or any(answers_kind(s.text, kind) for s in x.leading())

    def _plain(self, d: Draft) -> None:
        a, u = d.answer, d.understanding
        if self.settings.plain_language:
            a.sentences, a.citations = plain_answer(
                a.sentences, a.citations, self._glossary, self.settings.explain_terms,
                known=u.asked, common=self._subject_terms)
            if u.simpler:
                a.sentences, a.citations = simpler(a.sentences, a.citations, self._glossary,
                                                    SIMPLER_MOST_SENTENCES, SIMPLER_GRADE)
        a.answer = answer_text(a.sentences)
        a.reading_grade = reading_grade(a.answer)

    def _done(self, d: Draft, t0: float) -> Answer:
        d.timings["total"] = (time.perf_counter() - t0) * 1000
        d.answer.timings_ms = d.timings
        return d.answer

    # --- the chat model as the finisher (rag.chat_model.client) -----------------------------------------------

    @property
    def streams(self) -> bool:
        """True when answers are written by a chat model, so they are worth streaming live."""
        return self.finisher is not None

    def ask_stream(self, question: str, history: list | None = None) -> "AnswerStream":
        """``ask``, as text pieces ("sentence [n] ") while the answer is written; the final
        ``Answer`` is ``.answer`` once iterated. It may be the extractive fallback, with its
        notice, after some model sentences were already yielded: show the final one."""
        return AnswerStream(self._stream(question, history))

    def _stream(self, question: str, history: list | None) -> Iterator[str]:
        t0 = time.perf_counter()
        d = self.draft(question, history)
        if self.finisher is None or d.settled:
            yield from (sentence_pieces(d.answer.sentences) or [d.answer.answer])
        else:
            with d.timed("llm"):
                yield from self.finisher.stream(d)
        return self._done(d, t0)

    def _not_found(self, d: Draft, uncovered: str = "", kind_missing: tuple[str, str] | None = None) -> None:
        a = d.answer
        a.kind, d.settled = "not_found", True
        a.citations, a.sentences = [], []
        if uncovered:
            a.answer = self.prompts.message("not_covered", topic=uncovered, topics=self.topics())
        elif kind_missing:
            focus, kind = kind_missing
            a.answer = self.prompts.message("kind_not_covered", focus=focus,
                                            what=self.prompts.message(f"kind_{kind}"), topics=self.topics())
        elif (d.understanding is not None and d.understanding.named_focus
              and not leans_on_earlier_turns(d.understanding.asked, d.history)):
            # a follow-up's topic is the conversation's: its own words ("the later ones") are not
            a.answer = self.prompts.message("not_found_about", focus=d.understanding.named_focus,
                                            topics=self.topics())
        else:
            a.answer = self.prompts.message("not_found", topics=self.topics())
