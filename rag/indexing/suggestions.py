"""Starter questions drawn from what the indexed documents actually cover.

``candidates`` reads only the indexed passages, so it works for any corpus: the section
headings of each document (structural ones such as "Introduction" or "References" are
skipped), the terms a reference document (a glossary) defines that the other documents
use, and for a document with no usable headings the phrases it repeats. Each becomes a
question through one of two neutral templates, and the candidates alternate between
documents so the first few show the breadth of the collection. A topic must read as a
noun phrase: a clause fragment ("blood comes back", "treatment is", "care of the") is never
made into a question (``is_fragment``). Clinical phrases are reworded with the reviewed
plain-words table (rag/data/plain_words.tsv), and within a document the topics in everyday
words (``wordfreq``) come before the ones that stay technical. ``suggest`` then keeps only
the candidates the pipeline really answers (it is handed a yes/no function), so a
suggestion never ends in "not found".

Finding them asks the pipeline a dozen questions (seconds on a small machine), and is bounded
on any collection: topics come from at most ``SAMPLED_DOCUMENTS`` documents spread over it
(``sampled_chunks``), and no candidate is tried after ``STARTER_SECONDS``. It is done
when the documents are indexed (``python -m rag ingest``, the Documents page): ``store_starters``
keeps them in a JSON file beside the index, keyed by the index's revision and the settings
an answer depends on, and the chat reads them back with ``stored_starters``; the chat works
them out itself only when none are stored for the current index.

Left out on purpose: any fixed list of questions, ranking by what patients ask most (the
records could feed that later), and rewording by a language model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Callable, Iterable

from wordfreq import zipf_frequency

from rag.text import wordlists
from rag.text.lexical import STOPWORDS, stem
from rag.text.plain_words import plain_words
from rag.schema import REFERENCE_KIND, Chunk

# Headings that name a part of a document rather than a subject.
STRUCTURAL_HEADINGS = wordlists.words("structural_headings")  # rag/data/structural_headings.tsv
_NUMBERED_PART = re.compile(r"^(?:paragraph|page|part|chapter|section|table|figure)\s*\d+", re.I)
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_MIN_TERM_USES = 2  # a glossary term used less often than this elsewhere is not a topic
_SUBJECT_SHARE = 0.4  # a term in more than this share of passages is what all of them are about


@dataclass(frozen=True)
class Suggestion:
    question: str
    doc_id: str
    basis: str  # "section", "term" or "phrase": where the question came from


def candidates(chunks: Iterable[Chunk], limit: int = 12) -> list[Suggestion]:
    """Questions the documents' structure suggests, alternating between documents."""
    by_doc: dict[str, list[Chunk]] = defaultdict(list)
    for c in chunks:
        by_doc[c.doc_id].append(c)
    if not by_doc:
        return []
    for doc_chunks in by_doc.values():
        doc_chunks.sort(key=lambda c: c.ordinal)
    reference = {d for d, cs in by_doc.items() if cs[0].kind == REFERENCE_KIND}
    body = {d: cs for d, cs in by_doc.items() if d not in reference}
    body_texts = [c.text for cs in body.values() for c in cs]
    names = _names(" ".join(c.text for cs in by_doc.values() for c in cs))

    queues: list[list[Suggestion]] = []
    for doc_id in sorted(body):
        labels = _topic_headings(body[doc_id])
        if labels:
            topics, basis = labels, "section"
        else:
            topics, basis = repeated_phrases(" ".join(c.text for c in body[doc_id])), "phrase"
        plain = [plain_topic(t) for t in topics if not is_fragment(t)]
        plain = sorted(plain, key=lambda t: not everyday(t, names))  # stable: document order otherwise
        queues.append([Suggestion(_about(t, names), doc_id, basis) for t in plain if not is_fragment(t)])
    for doc_id in sorted(reference):
        queues.append([Suggestion(_meaning(term, names), doc_id, "term")
                       for term in _used_terms(by_doc[doc_id], body_texts)])

    out: list[Suggestion] = []
    seen: set[frozenset[str]] = set()
    for round_ in zip_longest(*queues):
        for s in round_:
            if s is None:
                continue
            key = frozenset(stem(w.lower()) for w in _WORD.findall(s.question)) - _QUESTION_WORDS
            if key in seen:
                continue
            seen.add(key)
            out.append(s)
            if len(out) >= limit:
                return out
    return out


def suggest(chunks: Iterable[Chunk], answers: Callable[[str], bool], n: int = 4,
            tries: int | None = None, seconds: float | None = None,
            clock: Callable[[], float] = time.monotonic) -> list[Suggestion]:
    """The first ``n`` candidates that ``answers`` says the pipeline answers, trying at most
    ``tries`` (default ``3 * n``) so a store with odd headings costs a bounded time, and
    none after ``seconds`` have gone by (what was found by then is kept)."""
    out: list[Suggestion] = []
    started = clock()
    for s in candidates(chunks, limit=tries or 3 * n):
        if seconds is not None and clock() - started >= seconds:
            break
        if answers(s.question):
            out.append(s)
            if len(out) == n:
                break
    return out


# --- sources of topics ------------------------------------------------------------------------


def _topic_headings(chunks: list[Chunk]) -> list[str]:
    """Section headings that name a subject, in document order, each once."""
    out: list[str] = []
    for c in chunks:
        label = (c.section or "").strip().rstrip(":").strip()
        words = _WORD.findall(label)
        if (not label or not words or label in out or len(words) > 8 or _NUMBERED_PART.match(label)
                or all(w.lower() in STRUCTURAL_HEADINGS or w.lower() in STOPWORDS for w in words)):
            continue
        out.append(label)
    return out


def _used_terms(glossary: list[Chunk], body_texts: list[str]) -> list[str]:
    """Terms the reference document defines (its headings) that the other documents use,
    most used first; a term in most passages is the collection's subject, not a topic."""
    texts = [t.lower() for t in body_texts]
    uses: Counter[str] = Counter()
    for c in glossary:
        term = _PARENTHESES.sub("", c.section or "").strip()
        if not term or term in uses or _NUMBERED_PART.match(term):
            continue
        pattern = re.compile(rf"\b{re.escape(term.lower())}")
        per_passage = [len(pattern.findall(t)) for t in texts]
        if sum(per_passage) < _MIN_TERM_USES or sum(map(bool, per_passage)) > _SUBJECT_SHARE * len(texts):
            continue
        uses[term] = sum(per_passage) * len(term.split())  # longer terms are more specific
    return [t for t, _ in uses.most_common()]


def repeated_phrases(text: str, max_phrases: int = 6) -> list[str]:
    """Two- and three-word phrases a text repeats, most repeated (and longest) first,
    no two sharing a word."""
    words = _WORD.findall(text)
    counts: Counter[tuple[str, ...]] = Counter()
    for n in (2, 3):
        for i in range(len(words) - n + 1):
            gram = tuple(words[i:i + n])
            lower = [w.lower() for w in gram]
            if lower[0] in STOPWORDS or lower[-1] in STOPWORDS or any(len(w) < 3 for w in lower):
                continue
            if n == 3 and lower[1] in STOPWORDS and lower[1] not in {"of", "and"}:
                continue
            counts[tuple(lower)] += 1
    ranked = sorted((g for g, c in counts.items() if c >= 2),
                    key=lambda g: (-counts[g] * len(g), g))
    out: list[str] = []
    used: set[str] = set()
    for gram in ranked:
        content = {stem(w) for w in gram if w not in STOPWORDS}
        if content & used:
            continue
        used |= content
        out.append(" ".join(gram))
        if len(out) == max_phrases:
            break
    return out


# --- wording ---------------------------------------------------------------------------------

# Verb forms and auxiliaries: a topic holding one is a piece of a sentence ("blood comes
# back", "skin is"), not the name of a subject.
_VERB_FORMS = frozenset("""am is are was were be been being isn't aren't wasn't weren't has have had
    do does did can could will would may might must shall should comes come came goes went gets
    got makes made takes took gives gave shows helps means becomes became seems keeps needs
    causes leads occurs happens starts stops looks feels tends appears remains returns turns""".split())
# Words a noun phrase does not end with: prepositions, articles, conjunctions, particles.
_BAD_ENDINGS = frozenset("""a an the of to in on at by for with from into onto over under about
    and or but nor as than that which who whom whose back up down out off away""".split())
_BAD_STARTS = frozenset("a an the of to in on at by for with from and or but as than that which".split())
_EVERYDAY = 3.0  # zipf frequency: a word used at least about once per million words


def is_fragment(topic: str) -> bool:
    """True when ``topic`` is a clause fragment rather than a noun phrase: it holds a verb
    form or auxiliary, or it starts or ends on a word a subject's name cannot start or end with."""
    words = [w.lower() for w in _WORD.findall(topic)]
    if not words:
        return True
    return (any(w in _VERB_FORMS for w in words) or words[-1] in _BAD_ENDINGS
            or words[-1] in STOPWORDS or words[0] in _BAD_STARTS)


def plain_topic(topic: str) -> str:
    """``topic`` with its clinical phrases replaced by the reviewed plain words
    ("Pharmacological treatments" -> "Medicines")."""
    out = topic
    for pattern, plain in plain_words():
        out = pattern.sub(lambda m: plain[:1].upper() + plain[1:] if m.group(0)[:1].isupper() else plain, out)
    return out


def everyday(topic: str, names: set[str] = frozenset()) -> bool:
    """Every word of ``topic`` is common in everyday English; names (Raynaud) do not count."""
    words = [w for w in _WORD.findall(topic) if w not in names and w.lower() not in STOPWORDS]
    return all(zipf_frequency(w.lower(), "en") >= _EVERYDAY for w in words)


def question_about(topic: str, names: set[str] = frozenset()) -> str | None:
    """The starter question for a topic in plain words, or None when the topic is a fragment."""
    topic = plain_topic(topic)
    return None if is_fragment(topic) else _about(topic, names)


_QUESTION_WORDS = frozenset({"what", "should", "i", "know", "about", "doe", "does", "mean"})


# Parts of the body that take "the" in running text: a heading "Esophagus" becomes the plain
# "Food pipe", and "What should I know about food pipe?" is not English.
_TAKES_THE = frozenset("""food pipe|windpipe|voice box|gut|heart|lung|lungs|kidney|kidneys|liver|stomach|
    bowel|bowels|bladder|immune system|digestive tract|esophagus|oesophagus|thyroid|pancreas|spine""".replace(
    "\n", "").replace("    ", "").split("|"))


def _about(topic: str, names: set[str]) -> str:
    words = _in_running_text(topic, names)
    return f"What should I know about {'the ' if words.lower() in _TAKES_THE else ''}{words}?"


def _meaning(term: str, names: set[str]) -> str:
    return f"What does {_in_running_text(term, names)} mean?"


_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z][a-z'\u2019-]+")


def _names(text: str) -> set[str]:
    """Capitalised words the documents write with a capital in mid-sentence and never in
    lower case: names (Raynaud, Texas), which keep their capital inside a question."""
    lowercase = {w for w in _WORD.findall(text) if w.islower()}
    return {w for w in _MID_SENTENCE_CAPITAL.findall(text) if w.lower() not in lowercase}


def _in_running_text(label: str, names: set[str]) -> str:
    """A heading as it reads inside a sentence: "Companion planting" becomes "companion
    planting"; names and abbreviations keep their capitals."""
    def lower(m: re.Match) -> str:
        w = m.group(0)
        return w.lower() if w[:1].isupper() and w[1:].islower() and w not in names else w
    return _WORD.sub(lower, label.strip())


# --- kept beside the index -------------------------------------------------------------------

STARTERS = 4  # starter questions shown on an empty chat and after "not found"
# Working them out is bounded, whatever the size of the collection: topics come from this
# many documents at most (and the glossary), and candidates are tried for this long at most.
SAMPLED_DOCUMENTS = 24
STARTER_SECONDS = 30.0
_STORED_FORMAT = 1  # raise when what is stored, or how it is worked out, changes
# Settings that say where things are kept, how the app is run or what a chat model does: an
# extractive answer, hence which questions are answered, does not depend on them.
_NOT_ANSWERING = frozenset({
    "corpus_dir", "store_dir", "collection", "prompts_dir", "cache_dir", "chroma_host",
    "chroma_port", "chroma_ssl", "chroma_token", "chroma_tenant", "chroma_database",
    "model_path", "embed_batch_size", "answerer", "llm_base_url", "llm_api_key",
    "llm_timeout_s", "llm_min_support", "records_path", "retention_days", "educator_password",
    "upload_max_mb", "pdf_max_pages", "pdf_max_stream_mb", "pdf_max_text_chars",
    "reviewed_questions_path", "chunk_size", "chunk_overlap"})


def sampled_chunks(store, documents: int = SAMPLED_DOCUMENTS) -> list[Chunk]:
    """The passages topics are drawn from: every reference document's (the glossary), and
    those of at most ``documents`` other documents, spread evenly over the collection in
    the order of their names. A collection of that many documents or fewer is read whole."""
    reference = list(store.iter_chunks(kind=REFERENCE_KIND))
    glossaries = {c.doc_id for c in reference}
    body = sorted(d for d, e in store.ledger_entries().items() if e.state == "done" and d not in glossaries)
    if len(body) <= documents:
        return reference + [c for c in store.iter_chunks() if c.doc_id not in glossaries]
    step = len(body) / documents
    picked = [body[int(i * step)] for i in range(documents)]
    return reference + [c for doc_id in picked for c in store.iter_chunks(doc_id=doc_id)]


def work_out_starters(pipeline, n: int = STARTERS, seconds: float | None = STARTER_SECONDS) -> list[str]:
    """The first ``n`` suggested questions the pipeline answers from its documents alone
    (never a chat model call per candidate), from a sample of the documents
    (``sampled_chunks``) and within ``seconds``."""
    def answered(question: str) -> bool:
        a = pipeline.ask_extractive(question)
        return a.kind == "answered" and not a.notices

    return [s.question for s in suggest(sampled_chunks(pipeline.store), answered, n=n, seconds=seconds)]


def starters_path(settings) -> Path:
    """Where an index's starter questions are kept: beside a local index, or in the cache
    folder for a Chroma server."""
    if settings.server_mode:
        return Path(settings.cache_dir) / (f"starters-{settings.chroma_host}-{settings.chroma_port}-"
                                           f"{settings.collection}.json")
    return Path(settings.store_dir) / f"starters-{settings.collection}.json"


def _index_key(pipeline) -> str:
    answering = pipeline.settings.model_dump_json(exclude=set(_NOT_ANSWERING))
    digest = hashlib.sha256(answering.encode("utf-8")).hexdigest()[:16]
    return f"{_STORED_FORMAT}/{pipeline.store.revision()}/{digest}"


def store_starters(pipeline, n: int = STARTERS) -> list[str]:
    """Work out the starter questions of the current index and keep them beside it (written
    whole, then renamed). Returns them; a folder that cannot be written only costs the chat
    the work on its first view."""
    questions = work_out_starters(pipeline, n)
    path = starters_path(pipeline.settings)
    record = {"key": _index_key(pipeline), "questions": questions}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass
    return questions


def stored_starters(pipeline) -> tuple[list[str] | None, str]:
    """The starter questions kept for the current index, or None with why not ("none
    stored", "stored for another index or settings", "unreadable")."""
    path = starters_path(pipeline.settings)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"none stored at {path}"
    except (OSError, ValueError):
        return None, f"{path} is unreadable"
    if not isinstance(record, dict) or not isinstance(record.get("questions"), list):
        return None, f"{path} is unreadable"
    if record.get("key") != _index_key(pipeline):
        return None, f"{path} was stored for another index or settings"
    questions = [q for q in record["questions"] if isinstance(q, str)]
    return questions, f"read from {path}"
