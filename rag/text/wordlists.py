"""The word lists educators can edit: one loader for the reviewed tables in ``rag/data/``.

Each table is a UTF-8 TSV file. Lines starting with ``#`` are comments (what the list is
for, how to write an entry), blank lines are skipped, the first other line is a header
naming the columns (``TABLES`` says which), and every later line is one entry.
``table(name)`` reads one, checks it and caches it: the header, the number of columns, no
empty required cell, no duplicate entry, a lower-case first column where matching ignores
case, and the allowed values of yes/no columns. A malformed line raises ``WordListError``
naming the file and the line. ``words`` and ``mapping`` give a table as a set or a dict;
``term_pattern`` turns a term with ``*`` (any ending, or any beginning) into a regular
expression.

Which words are data and which are code: a list an educator could extend for their patients
and documents (medicine names, abbreviations, everyday words, words that only say what kind
of answer is wanted) is here; grammar cues (pronouns, verb forms, sentence shapes) and the
emergency rules themselves stay in the modules that use them.

Left out: languages other than English; ``plain_words.tsv`` has no header row and is still
read by ``rag/plain/rewrite.py`` (``TABLES`` lists it so it is checked all the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
YES_NO = frozenset({"yes", "no"})


class WordListError(ValueError):
    """A word list that does not read as its table says; the message names file and line."""


@dataclass(frozen=True)
class Spec:
    """How one table reads."""

    file: str
    columns: tuple[str, ...]  # in order; the key (checked for duplicates) is ``key``
    required: int = 1  # the first this many columns must be filled in on every line
    key: str = ""  # the column whose value must be unique (default: the first)
    lower: bool = True  # the key must be lower-case (matching ignores case)
    header: bool = True  # the first line that is not a comment names the columns
    choices: dict[str, frozenset[str]] = field(default_factory=dict)
    pattern: str = ""  # every key must match this regular expression in full

    @property
    def key_column(self) -> str:
        return self.key or self.columns[0]


_WORD = r"[a-z][a-z'-]*"
_TERM = r"\*?[a-z0-9][a-z0-9'-]*(?: [a-z0-9][a-z0-9'-]*)*\*?"

TABLES: dict[str, Spec] = {
    "abbreviations": Spec("abbreviations.tsv", ("abbreviation", "long_form"), required=2, pattern=r"[a-z0-9][a-z0-9-]*"),
    "lay_terms": Spec("lay_terms.tsv", ("lay", "clinical"), required=2),
    "emergencies": Spec("emergencies.tsv", ("kind", "description"), required=2, key="description", lower=False),
    "plain_words": Spec("plain_words.tsv", ("clinical", "plain"), required=2, lower=False, header=False),
    "medicines": Spec("medicines.tsv", ("term", "generic", "fever", "note"), required=3, pattern=_TERM,
                      choices={"generic": YES_NO, "fever": YES_NO}),
    "symptom_words": Spec("symptom_words.tsv", ("word", "note"), pattern=_WORD),
    "aspect_words": Spec("aspect_words.tsv", ("word",), pattern=_WORD),
    "asking_words": Spec("asking_words.tsv", ("word",), pattern=_WORD),
    "topic_cue_words": Spec("topic_cue_words.tsv", ("word",), pattern=_WORD),
    "qualifier_words": Spec("qualifier_words.tsv", ("word", "blocks"), required=2, pattern=_WORD,
                           choices={"blocks": frozenset({"always", "replaced"})}),
    "structural_headings": Spec("structural_headings.tsv", ("heading",), pattern=_WORD),
    "given_names": Spec("given_names.tsv", ("name",), pattern=_WORD),
    "everyday_given_names": Spec("everyday_given_names.tsv", ("name",), pattern=_WORD),
    "place_names": Spec("place_names.tsv", ("place",), pattern=r"[a-z][a-z -]*[a-z]"),
    "condition_names": Spec("condition_names.tsv", ("name",)),
}


def path_of(name: str) -> Path:
    return DATA_DIR / TABLES[name].file


def table(name: str, path: Path | None = None) -> tuple[Mapping[str, str], ...]:
    """The rows of table ``name`` (from ``path``, default its file in ``rag/data/``), each a
    read-only column -> value mapping (an empty string for a cell left out), checked and
    cached (an edited file is read again after a restart)."""
    return _read(name, Path(path) if path is not None else path_of(name))


def words(name: str, path: Path | None = None) -> frozenset[str]:
    """The first column of a table, as a set."""
    spec = TABLES[name]
    return frozenset(row[spec.columns[0]] for row in table(name, path))


def mapping(name: str, path: Path | None = None) -> dict[str, str]:
    """First column -> second column, in file order."""
    first, second = TABLES[name].columns[:2]
    return {row[first]: row[second] for row in table(name, path)}


def term_pattern(term: str) -> str:
    """A term as a regular expression: ``*`` at the end is any ending ("mycophenolat*"),
    at the start any beginning ("*mab": a name ending in -mab); words apart are matched
    across any spacing ("stem cell")."""
    head = r"\w+" if term.startswith("*") else ""
    tail = r"\w*" if term.endswith("*") else ""
    words_ = term.strip("*").split()
    return head + r"\s+".join(re.escape(w) for w in words_) + tail


def alternation(terms: Iterable[str]) -> str:
    """Terms as one regular-expression group; a longer term is tried before a shorter one
    ("steroids" before "steroid")."""
    ordered = sorted(terms, key=lambda t: -len(t.strip("*")))
    return "(?:" + "|".join(term_pattern(t) for t in ordered) + ")"


@lru_cache(maxsize=32)
def _read(name: str, path: Path) -> tuple[Mapping[str, str], ...]:
    spec = TABLES[name]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise WordListError(f"{path}: cannot read the word list ({e.strerror})") from e
    rows: list[Mapping[str, str]] = []
    seen: dict[str, int] = {}
    header_seen = not spec.header
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        try:
            if not header_seen:
                if tuple(cells) != spec.columns:
                    raise ValueError(f"expected the header row {chr(9).join(spec.columns)!r}")
                header_seen = True
                continue
            row = _row(spec, cells)
            key = row[spec.key_column].lower()
            if key in seen:
                raise ValueError(f"duplicate {spec.key_column} {row[spec.key_column]!r} (first on line {seen[key]})")
        except ValueError as e:
            raise WordListError(f"{path.name} line {number}: {e}: {line!r}") from None
        seen[key] = number
        rows.append(MappingProxyType(row))
    if not header_seen:
        raise WordListError(f"{path.name}: no header row {chr(9).join(spec.columns)!r}")
    if not rows:
        raise WordListError(f"{path.name}: no entries")
    return tuple(rows)


def _row(spec: Spec, cells: list[str]) -> dict[str, str]:
    """One entry as column -> value; ValueError saying what is wrong with it."""
    if len(cells) > len(spec.columns):
        raise ValueError(f"{len(cells)} columns, expected at most {len(spec.columns)} "
                         f"({', '.join(spec.columns)}), separated by tabs")
    cells = cells + [""] * (len(spec.columns) - len(cells))
    missing = [c for c, v in zip(spec.columns[:spec.required], cells) if not v]
    if missing:
        raise ValueError(f"empty {', '.join(missing)} (columns are separated by tabs)")
    row = dict(zip(spec.columns, cells))
    key = row[spec.key_column]
    if spec.lower and key != key.lower():
        raise ValueError(f"{spec.key_column} must be lower-case (matching ignores case)")
    if spec.pattern and not re.fullmatch(spec.pattern, key):
        raise ValueError(f"{spec.key_column} {key!r} has characters this list does not allow")
    for column, allowed in spec.choices.items():
        if row[column] not in allowed:
            raise ValueError(f"{column} must be one of {sorted(allowed)}")
    return row
