"""The review queue pages through every recorded answer: with 30 answers at 10 a page, page 3
shows the last 10 and says which; choosing fewer pages' worth keeps a valid page."""

import json
import re
import time

from rag.records.database import Records
from rag.schema import Answer
from tests.test_pages import PAGES, clock, env, fresh_settings, open_page, sign_in  # noqa: F401


def test_the_review_queue_shows_every_answer_a_page_at_a_time(env):
    records = Records(env / "records.sqlite3", 30)
    ids = [records.record_turn("s", Answer(question=f"Question number {i}?", kind="not_found",
                                           answer="Not in my documents."), now=time.time() - 100 + i)
           for i in range(30)]
    at = sign_in(open_page(PAGES[0]))
    at.selectbox(key="queue_size").select(10).run()
    at.number_input(key="queue_page").set_value(3).run()
    assert not at.exception
    shown = {int(n) for m in at.markdown for n in re.findall(r"answer \\?#(\d+)", m.value)}
    assert shown == set(ids[:10]), "newest first: page 3 holds the oldest ten"
    assert any("Showing 21–30 of 30." in c.value for c in at.caption)


def test_the_passages_table_fits_a_1280_pixel_window_with_plain_column_names(env):
    """Below the answer and the forms, across the page: seven columns of fixed widths that
    add up to less than the page's width in a 1280-pixel window (757 pixels inside a queue
    item), with rows tall enough for the source and the passage to wrap."""
    from rag.ui import review
    from tests.test_records import answer

    Records(env / "records.sqlite3", 30).record_turn("s", answer())
    at = sign_in(open_page(PAGES[0]))
    [table] = at.dataframe
    assert list(table.proto.column_order) == list(review.PASSAGE_COLUMNS)
    config = json.loads(table.proto.columns)
    labels = {name: c.get("label") for name, c in config.items()}
    assert labels["dense"] == "by meaning" and labels["bm25"] == "by words", labels
    widths = [config[name]["width"] for name in review.PASSAGE_COLUMNS]
    assert all(isinstance(w, int) for w in widths) and sum(widths) <= 757, widths
    assert table.proto.row_height > 64, "taller than 4rem: Streamlit wraps text only then"
    assert list(table.value["source"]) == ["Review — Treatments", "Review — Outlook"]
