"""Document titles: a file whose own metadata is only a file name ("gut.html", what a
browser's print-to-PDF leaves) is titled by its first heading, or by its cleaned file name;
an educator renames a document on the Documents page and patients see the new title at once,
with nothing indexed again."""

from rag.indexing.loaders import load_bytes
from tests.test_loaders import pdf_bytes
from tests.test_pages import (PAGES, clock, fresh_settings, listed, own_corpus, sign_in,  # noqa: F401
                              open_page, submit_form)


def test_a_file_name_in_a_pdfs_metadata_gives_way_to_its_first_heading():
    data = pdf_bytes(["The gut in scleroderma\nMost people with scleroderma have some problem with the gut."],
                     title="gut.html")
    assert load_bytes(data, "upload.pdf").title == "The gut in scleroderma"


def test_with_no_heading_the_title_is_the_cleaned_file_name():
    data = pdf_bytes(["Most people with scleroderma have some problem with the gut, often reflux."],
                     title="C:\\Users\\me\\Downloads\\gut.html")
    assert load_bytes(data, "gut_and_bowel.html.pdf").title == "Gut and bowel"
    assert load_bytes(pdf_bytes(["Most people have reflux at some point in their lives."]),
                      "gut-health.pdf").title == "Gut health"


def test_an_educator_renames_a_document_without_indexing_it_again(own_corpus):
    from rag.pipeline import Pipeline
    from rag.settings import get_settings

    pipeline = Pipeline(get_settings())
    before = {c.chunk_id for c in pipeline.store.iter_chunks()}
    at = sign_in(open_page(PAGES[1]))
    at.selectbox(key="rename_doc").select("treatments.txt")
    at.text_input(key="rename_title").input("Medicines for scleroderma")
    submit_form(at, "rename")
    assert "Renamed" in at.success[0].value
    row = at.dataframe[0].value.iloc[0]
    assert (row["document"], row["file"]) == ("Medicines for scleroderma", "treatments.txt")
    chunks = list(pipeline.store.iter_chunks())
    assert {c.chunk_id for c in chunks} == before, "the same passages, not indexed again"
    assert {c.title for c in chunks} == {"Medicines for scleroderma"}
    assert "Medicines for scleroderma" in pipeline.topics()


def test_a_text_file_opening_with_a_name_in_capitals_is_titled_by_it():
    page = b"COPD\n\nChronic obstructive pulmonary disease, or COPD, is a progressive lung disease.\n"
    assert load_bytes(page, "page.txt").title == "COPD"
    # a line naming only a part of a document is a section heading, never the title
    report = b"INTRODUCTION\n\nThis review covers treatments.\n\nMETHODS\n\nWe searched the literature.\n"
    assert load_bytes(report, "review.txt").title == "Review"
