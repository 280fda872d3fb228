"""rag.text.wordlists: every reviewed word list in rag/data/ loads and is clean, a malformed list
is refused with its file and line named, and a word an educator adds to a list changes
what the product recognises, with no code edited."""

from pathlib import Path

import pytest

from rag.text import wordlists
from rag.safety.advice import treatments_named, wants_personal_advice
from rag.safety.emergency_rules import urgent_category
from rag.text.wordlists import TABLES, WordListError


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_list_loads_without_blank_or_duplicate_entries(name):
    spec = TABLES[name]
    rows = wordlists.table(name)
    assert rows
    keys = [r[spec.key_column] for r in rows]
    assert len({k.lower() for k in keys}) == len(keys)
    for row in rows:
        assert all(row[c] for c in spec.columns[:spec.required]), row
        assert all(v == v.strip() for v in row.values()), row


def test_every_data_file_is_a_listed_table():
    files = {p.name for p in wordlists.DATA_DIR.glob("*.tsv")}
    assert files == {spec.file for spec in TABLES.values()}


def test_lists_matched_regardless_of_case_are_lower_case():
    for name, spec in TABLES.items():
        if spec.lower:
            assert all(r[spec.key_column] == r[spec.key_column].lower() for r in wordlists.table(name)), name


def _copy_with(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / TABLES[name].file
    path.write_text(wordlists.path_of(name).read_text(encoding="utf-8") + "".join(f"{x}\n" for x in lines),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("bad_line,problem", [
    ("bp\tblood pressure again", "duplicate abbreviation 'bp'"),
    ("BPX\tblood pressure", "must be lower-case"),
    ("xyz\t", "empty long_form"),
    ("xyz\tone\ttwo", "3 columns"),
    ("a b\tspaced abbreviation", "characters this list does not allow"),
])
def test_a_malformed_line_is_refused_naming_the_file_and_line(tmp_path, bad_line, problem):
    path = _copy_with(tmp_path, "abbreviations", bad_line)
    line = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(WordListError) as e:
        wordlists.table("abbreviations", path)
    assert f"abbreviations.tsv line {line}:" in str(e.value) and problem in str(e.value)


def test_a_list_without_its_header_row_or_with_a_bad_choice_is_refused(tmp_path):
    headless = tmp_path / "aspect_words.tsv"
    headless.write_text("# a comment\nsafe\nrisk\n", encoding="utf-8")
    with pytest.raises(WordListError, match=r"aspect_words.tsv line 2: expected the header row"):
        wordlists.table("aspect_words", headless)
    path = _copy_with(tmp_path, "medicines", "newdrug\tno\tmaybe")
    with pytest.raises(WordListError, match=r"medicines.tsv line \d+: fever must be one of"):
        wordlists.table("medicines", path)


def test_terms_with_a_star_match_any_ending_or_beginning():
    assert wordlists.term_pattern("mycophenolat*") == r"mycophenolat\w*"
    assert wordlists.term_pattern("*mab") == r"\w+mab"
    assert wordlists.term_pattern("stem cell") == r"stem\s+cell"


def test_a_drug_added_to_the_medicines_list_is_recognised_by_the_advice_rule(tmp_path):
    question = "should I stop taking voclosporin?"
    assert not wants_personal_advice(question) and treatments_named(question) == []
    path = _copy_with(tmp_path, "medicines", "voclosporin\tno\tno\ta calcineurin inhibitor")
    assert wants_personal_advice(question, medicines=path)
    assert treatments_named(question, medicines=path) == ["voclosporin"]


def test_a_drug_marked_fever_makes_a_fever_on_it_an_emergency(tmp_path):
    statement = "I have a fever of 38 and I am on voclosporin"
    assert urgent_category(statement)[0] is None
    path = _copy_with(tmp_path, "medicines", "voclosporin\tno\tyes")
    assert urgent_category(statement, medicines=path)[0] == "fever_after_treatment"
    assert urgent_category("I am on voclosporin and feel fine", medicines=path)[0] is None
