"""The review queue pages through every recorded answer: with 30 answers at 10 a page, page 3
shows the last 10 and says which; choosing fewer pages' worth keeps a valid page."""

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
