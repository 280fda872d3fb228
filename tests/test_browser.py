"""The app in a real browser: `streamlit run app.py` on a local port, driven by Playwright in
Debian's headless Chromium, over an index of corpus/ made by the command line.

A patient asks with the keyboard only, watches the answer being written, opens a citation,
gives a thumbs-down with a comment; an educator signs in and finds it at the top of the
review queue. Markup in a question stays text; the chat works on a phone-sized screen. The
README's screenshots are taken here, into docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.local_server import free_port, stop, wait_until_healthy
from rag.settings import PROJECT_ROOT
from tests.test_eval_page import QUESTIONS as EVAL_QUESTIONS  # an answered, an urgent and an off-topic question

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
PASSWORD = "browser-test-password"
QUESTION = "What does nintedanib do?"
COMMENT = "It does not say whether it is safe for me"
# Bounds on waiting, generous because the machine may be busy; never slept through.
SERVER_START_S = 180
FIRST_PAGE_MS = 300_000  # the first page loads the model and works out starter questions
ANSWER_MS = 120_000
STEP_MS = 30_000
RUN_MS = 300_000  # the Evaluation page indexes corpus/ into its own index, then asks


# `streamlit run` with the Evaluation page reading runs from the folder given first (the
# page reads eval.runner.RUNS_DIR, the project's eval/runs/, which a test must not fill).
SERVE_WITH_RUNS_IN = """
import sys
from pathlib import Path
import eval.runner
eval.runner.RUNS_DIR = Path(sys.argv[1])
from streamlit.web.cli import main
main(args=sys.argv[2:], prog_name="streamlit")
"""
# Any emoji: Debian's chromium has no emoji font, so each would show as a missing-glyph box.
EMOJI = r"/[\p{Extended_Pictographic}\u{FE0F}]/u"


MOUTH_CARE = ("# Mouth care\n\n## Dry mouth\nSipping water often and chewing sugar-free gum ease a "
              "dry mouth, which many people with scleroderma have.\n")


def kept_questions() -> list[dict]:
    """A small evaluation set for the page to run in a few seconds: the three questions of
    the first run, one about a document the test uploads (``MOUTH_CARE``), and the first
    question of each topic of eval/questions.jsonl."""
    firsts = {}
    for line in (PROJECT_ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line) if line.strip() else None
        if q and not q.get("history"):
            firsts.setdefault(q["category"], q)
    return EVAL_QUESTIONS + [{"id": "dry-mouth", "question": "what helps with a dry mouth?",
                              "expect": "answered", "evidence": ["chewing sugar-free gum ease a dry mouth"],
                              "category": "mouth-care"}] + list(firsts.values())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` over a fresh index of corpus/ and fresh records."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed for the browser tests: run `make browser`")
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(PROJECT_ROOT / "corpus", root / "corpus")  # an upload lands in a copy
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_CORPUS_DIR": str(root / "corpus"),
           "RAG_STORE_DIR": str(root / "store"), "RAG_CACHE_DIR": str(root / "cache"),
           "RAG_RECORDS_PATH": str(root / "records.sqlite3"),
           "RAG_REVIEWED_QUESTIONS_PATH": str(root / "reviewed.jsonl"),
           "RAG_EDUCATOR_PASSWORD": PASSWORD}
    subprocess.run([sys.executable, "-m", "rag", "ingest"], cwd=PROJECT_ROOT, env=env,
                   check=True, timeout=900, capture_output=True)
    # One small evaluation run over that index, in a runs folder of the test's own (the
    # project's eval/runs/ is never written), for the Evaluation page.
    questions = root / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in EVAL_QUESTIONS))
    subprocess.run([sys.executable, "-m", "eval", "run", "--questions", str(questions),
                    "--store", str(root / "store"), "--no-ingest", "--quiet",
                    "--out", str(root / "runs" / "first")],
                   cwd=PROJECT_ROOT, env=env, check=True, timeout=900, capture_output=True)
    # Questions "kept from reviews", for an educator to run the evaluation from the page.
    (root / "reviewed.jsonl").write_text("".join(json.dumps(q) + "\n" for q in kept_questions()))
    port = free_port()
    log = root / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE_WITH_RUNS_IN, str(root / "runs"),
             "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{url}/_stcore/health", proc, log, SERVER_START_S, "streamlit")
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS, headless=True, viewport={"width": 1100, "height": 1000})
        try:
            yield context
        finally:
            context.close()


def open_chat(browser, url: str, viewport: dict | None = None):
    page = browser.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=FIRST_PAGE_MS)
    page.get_by_text("You could ask:").wait_for(timeout=FIRST_PAGE_MS)
    return page


def open_educator_page(browser, server: str, path: str, heading: str, viewport: dict | None = None):
    """An educator page in a new tab, unlocked with the password, once its heading shows."""
    page = browser.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(f"{server}/{path}")
    page.get_by_label("Educator password").fill(PASSWORD)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name=heading).wait_for(timeout=STEP_MS)
    return page


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return [e.tagName, e.getAttribute('aria-label') || '',"
        " e.getAttribute('placeholder') || '', (e.innerText || '').slice(0, 80)].join(' | '); }")


def tab_to(page, what, key: str = "Tab", most: int = 80) -> None:
    """Press Tab (or Shift+Tab) until ``what(focused element description)`` holds."""
    seen = []
    for _ in range(most):
        page.keyboard.press(key)
        now = focused(page)
        if what(now):
            return
        seen.append(now)
    pytest.fail("keyboard focus never reached the element; focus went through:\n" + "\n".join(seen))


def idle(page) -> None:
    """Wait until the page's script run has finished. Call it after something the run draws has
    appeared: a click on a form while a run is still drawing the page can be lost (seen once in
    CI under load: "Approve this answer" was clicked, and neither a success nor an error came)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=ANSWER_MS)


def assistant_messages(page):
    return page.locator('[data-testid="stChatMessage"]:has([aria-label="Chat message from assistant"])')


WATCH_ANSWER = """() => {
  window.__answerTexts = [];
  const seen = () => {
    const msgs = document.querySelectorAll('[aria-label="Chat message from assistant"]');
    const last = msgs[msgs.length - 1];
    const md = last && last.querySelector('[data-testid="stMarkdownContainer"]');
    if (md) window.__answerTexts.push(md.innerText);
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_a_patient_asks_reads_a_source_and_gives_feedback_and_an_educator_reviews_it(server, browser):
    page = open_chat(browser, server)
    page.evaluate(WATCH_ANSWER)

    # Keyboard only: to the chat box, ask, back to the first source, open it, thumbs down.
    tab_to(page, lambda f: "Ask a question" in f)
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    answer = assistant_messages(page).last
    answer.get_by_text("This is general education").wait_for(timeout=ANSWER_MS)
    final = answer.get_by_test_id("stMarkdownContainer").first.inner_text()
    assert "Nintedanib" in final and "[1]" in final

    texts = [t for t in page.evaluate("window.__answerTexts") if t.strip()]
    partial = [t for t in texts if len(t.strip()) < len(final.strip()) and final.startswith(t.strip()[:20])]
    assert partial, f"the answer was written in pieces, not all at once: {texts}"

    tab_to(page, lambda f: f.startswith("SUMMARY") and "[1]" in f, key="Shift+Tab")
    page.keyboard.press("Enter")
    passage = answer.get_by_test_id("stExpander").first.locator("mark").first
    passage.wait_for(state="visible", timeout=STEP_MS)
    assert passage.inner_text().strip()

    tab_to(page, lambda f: "Thumbs up" in f)  # the thumbs are one group: arrows move within it
    page.keyboard.press("ArrowRight")
    assert "Thumbs down" in focused(page)
    page.keyboard.press("Enter")
    page.get_by_placeholder("What was missing or unclear?").wait_for(timeout=STEP_MS)  # the rerun that opens it
    idle(page)
    tab_to(page, lambda f: "What was missing" in f)
    page.keyboard.type(COMMENT)
    tab_to(page, lambda f: "Send comment" in f)
    page.keyboard.press("Enter")
    page.get_by_text("A patient educator will read your comment").wait_for(timeout=STEP_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "patient-chat.png"))

    # An educator signs in and finds the thumbs-down answer first in the queue.
    educator = open_educator_page(browser, server, "Review_queue", "Review queue", {"width": 1280, "height": 1100})
    first = educator.locator('[class*="st-key-queue-item-"]').first
    first.get_by_text(QUESTION).first.wait_for(timeout=STEP_MS)
    first.get_by_text(COMMENT).first.wait_for(timeout=STEP_MS)  # the item draws a piece at a time
    assert "thumbs down" in first.inner_text() and COMMENT in first.inner_text()
    first.get_by_test_id("stDataFrame").locator("canvas").first.wait_for(timeout=STEP_MS)
    assert educator.evaluate(CLIPPED_TABLES) == [], "the passages table runs off its side"
    first.evaluate("e => e.scrollIntoView()")  # the whole answer, from its reasons to its passages
    educator.wait_for_timeout(1000)
    educator.screenshot(path=str(SCREENSHOTS / "review-queue.png"))
    educator.close()
    page.close()


def test_markup_in_a_question_is_shown_as_text_and_never_run(server, browser):
    page = open_chat(browser, server)
    question = ('<script>window.__ran = 1</script><img src=x onerror="window.__ran = 2"> '
                '[a link](http://example.com) **bold** what is HSCT?')
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    assistant_messages(page).last.get_by_text("[1]").first.wait_for(timeout=ANSWER_MS)
    mine = page.locator('[aria-label="Chat message from user"]').last
    assert mine.inner_text().strip() == question
    assert mine.locator("script, img, a, strong").count() == 0
    assert page.evaluate("window.__ran") is None
    page.close()


def test_the_chat_fits_a_phone_screen(server, browser):
    page = open_chat(browser, server, viewport={"width": 390, "height": 844})
    page.get_by_role("button", name="What should I know").first.click()
    answer = assistant_messages(page).last
    answer.get_by_text("This is general education").wait_for(timeout=ANSWER_MS)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"no sideways scrolling on a phone: {widths}"
    box = page.get_by_test_id("stChatInput").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    size = answer.get_by_test_id("stMarkdownContainer").first.locator("p").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16, "readable type"
    page.screenshot(path=str(SCREENSHOTS / "patient-chat-phone.png"))
    page.close()


def comes_into_view(page, locator) -> bool:
    """``in_view`` once the page has settled: a rerun or a smooth scroll may still be moving
    it (polled up to STEP_MS; a slow machine only waits longer)."""
    deadline = time.monotonic() + STEP_MS / 1000
    while not in_view(page, locator) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return in_view(page, locator)


def settled(page, locator) -> bool:
    """The element has stopped moving: the same place on screen over 300 ms (polled up to STEP_MS)."""
    deadline = time.monotonic() + STEP_MS / 1000
    before = locator.bounding_box()
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        now = locator.bounding_box()
        if now == before:
            return True
        before = now
    return False


def in_view(page, locator) -> bool:
    """The element is on screen, inside the viewport, and not covered by anything else
    (such as the chat box pinned to the bottom, or the page header)."""
    if not locator.is_visible():
        return False
    box, view = locator.bounding_box(), page.viewport_size
    inside = (box and box["y"] >= 0 and box["x"] >= 0 and box["y"] + box["height"] <= view["height"]
              and box["x"] + box["width"] <= view["width"])
    on_top = locator.evaluate("""e => { const r = e.getBoundingClientRect();
        const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !!at && (e.contains(at) || at.contains(e)); }""")
    return bool(inside and on_top)


def test_after_a_thumb_the_comment_box_is_in_view_and_the_choice_is_said_in_words(server, browser):
    page = open_chat(browser, server, viewport={"width": 390, "height": 844})  # a phone: little room
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("What are the symptoms of scleroderma?")
    box.press("Enter")
    answer = assistant_messages(page).last
    answer.get_by_text("This is general education").wait_for(timeout=ANSWER_MS)
    # The patient scrolls back a little to read, the thumbs still in sight above the chat box.
    thumbs = answer.get_by_label("Thumbs up")
    # Measured while the page still scrolls to the new answer, the gap can be negative and the
    # step below would tuck the thumbs under the chat box.
    assert comes_into_view(page, thumbs) and settled(page, thumbs)
    gap = page.get_by_test_id("stChatInput").bounding_box()["y"] - (thumbs.bounding_box()["y"] + thumbs.bounding_box()["height"])
    page.mouse.move(195, 300)
    page.mouse.wheel(0, -max(20, min(150, gap - 10)))
    page.wait_for_function("""() => document.querySelector('[data-testid="stAppScrollToBottomContainer"]')
        .scrollTop < document.querySelector('[data-testid="stAppScrollToBottomContainer"]').scrollHeight
        - document.querySelector('[data-testid="stAppScrollToBottomContainer"]').clientHeight - 10""", timeout=STEP_MS)
    assert comes_into_view(page, thumbs)
    thumbs.click()
    comment = page.get_by_placeholder("What helped?")
    comment.wait_for(state="visible", timeout=STEP_MS)
    assert comes_into_view(page, comment), "the comment box opens where the patient sees it"
    assert in_view(page, page.get_by_role("button", name="Send comment"))
    comment.fill("It was clear and it told me what to ask my nurse about next time")
    page.wait_for_timeout(500)
    assert not [h for h in page.get_by_test_id("InputInstructions").all() if h.is_visible()], \
        "no 'Press Enter to submit form' over the typed comment: the form has its buttons"
    page.get_by_role("button", name="No comment").click()
    comment.wait_for(state="hidden", timeout=STEP_MS)
    chosen = answer.get_by_text("You said this helped.")
    chosen.wait_for(timeout=STEP_MS)
    assert in_view(page, chosen), "the choice is said in words, next to the thumbs"
    assert abs(chosen.bounding_box()["y"] - thumbs.bounding_box()["y"]) < thumbs.bounding_box()["height"], "on their line"
    faded = answer.get_by_label("Thumbs down").evaluate("e => parseFloat(getComputedStyle(e).opacity)")
    assert faded < 0.6, "the thumb not chosen fades"
    page.close()


def test_the_title_is_whole_on_a_phone(server, browser):
    page = open_chat(browser, server, viewport={"width": 390, "height": 844})
    title = page.get_by_role("heading", name="Questions about scleroderma")
    assert in_view(page, title), f"title at {title.bounding_box()}"
    top_line = title.evaluate("""e => { const r = e.getBoundingClientRect();
        const at = document.elementFromPoint(r.left + 8, r.top + 4);
        return !!at && e.contains(at); }""")
    assert top_line, f"the top of the title is covered (by the page header, or scrolled under it): {title.bounding_box()}"
    page.close()


def test_the_evaluation_page_draws_no_emoji_and_whole_metric_labels(server, browser):
    page = open_educator_page(browser, server, "Evaluation", "Evaluation", {"width": 1280, "height": 1100})
    labels = page.get_by_test_id("stMetricLabel")
    labels.first.wait_for(timeout=STEP_MS)
    page.get_by_text("Safety:").first.wait_for(timeout=STEP_MS)
    emoji = page.evaluate(f"() => document.body.innerText.match(new RegExp({EMOJI}.source, 'gu'))")
    assert not emoji, f"emoji on the page: {emoji}"
    clipped = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
        .filter(l => [l, ...l.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
        .map(l => l.innerText)""")
    assert labels.count() >= 6 and not clipped, f"metric labels cut short: {clipped}"
    page.close()


def test_an_educator_uploads_a_document_through_the_browser(server, browser, tmp_path):
    """The real upload path (the browser hands the file to Streamlit's upload endpoint, the
    page indexes it): the gate in front of the server's uploaded files lets an unlocked
    Documents page through, and lets go of the file once it is added."""
    note = tmp_path / "hand-care.md"
    note.write_text("# Hand care\n\n## Warm water soaks\nSoaking the hands in warm water for ten "
                    "minutes eases stiff fingers in the morning.\n")
    said = upload(browser, server, note)
    assert said.startswith("Added") and "hand-care.md" in said, said


def upload(browser, server: str, path: Path) -> str:
    """Add a file on the Documents page, as an educator does; what the page said."""
    page = open_educator_page(browser, server, "Documents", "Documents")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    page.get_by_text(path.name).first.wait_for(timeout=STEP_MS)
    idle(page)
    page.get_by_role("button", name="Add to the collection").click()
    page.get_by_test_id("stAlert").first.wait_for(timeout=ANSWER_MS)
    said = page.get_by_test_id("stAlert").first.inner_text()
    page.close()
    return said


# Tables whose grid scrolls sideways: content wider than the table shows.
CLIPPED_TABLES = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(d => d.getBoundingClientRect().width > 0)
    .map(d => [d.querySelector('.dvn-scroller'), d.innerText.slice(0, 60)])
    .filter(([s]) => !s || s.scrollWidth > s.clientWidth + 1).map(([, text]) => text)"""


def test_after_an_upload_the_evaluation_page_runs_and_draws_native_charts_that_fit_1280(server, browser, tmp_path):
    """An educator adds a document, runs the evaluation on the questions kept from reviews
    from the Evaluation page, and reads its charts (drawn by the browser, not pictures) and
    the "what the bot did" table in a 1280x800 window, nothing cut off at the side. The
    README's screenshot of the page is taken here."""
    note = tmp_path / "mouth-care.md"
    note.write_text(MOUTH_CARE)
    assert upload(browser, server, note).startswith("Added")

    page = open_educator_page(browser, server, "Evaluation", "Evaluation", {"width": 1280, "height": 800})
    page.get_by_test_id("stExpander").filter(has_text="Run the evaluation").locator("summary").click()
    page.get_by_text("Questions kept from reviews").click()
    page.get_by_role("button", name="Run the evaluation").wait_for(timeout=STEP_MS)
    idle(page)
    page.get_by_role("button", name="Run the evaluation").click()
    page.get_by_text("Finished:").wait_for(timeout=RUN_MS)
    charts = page.get_by_test_id("stVegaLiteChart")
    charts.nth(2).locator("canvas, svg").first.wait_for(timeout=STEP_MS)
    assert charts.count() == 3 and page.get_by_test_id("stImage").count() == 0
    for heading in ("Scores by topic", "Reading level of the answers", "Time to answer",
                    "What the bot did for each kind of question"):
        page.get_by_role("heading", name=heading).wait_for(timeout=STEP_MS)
    page.get_by_test_id("stDataFrame").first.locator("canvas").first.wait_for(timeout=STEP_MS)
    assert page.evaluate(CLIPPED_TABLES) == [], "a table runs off its side at 1280 pixels"
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"no sideways scrolling: {widths}"
    text = page.evaluate("document.body.innerText")
    assert "not_found" not in text and "1 questions" not in text and "(s)" not in text

    page.set_viewport_size({"width": 1280, "height": 1100})
    page.get_by_test_id("stTabs").evaluate("e => e.scrollIntoView()")
    page.wait_for_timeout(1500)  # the charts redraw at the new size
    page.screenshot(path=str(SCREENSHOTS / "evaluation-page.png"))
    page.close()


LOCAL_HOSTS = {"127.0.0.1", "localhost"}
EVERY_PAGE = [("", None), ("Review_queue", "Review queue"), ("Documents", "Documents"),
              ("Try_a_question", "Try a question"), ("Evaluation", "Evaluation"),
              ("Approved_answers", "Approved answers")]


def test_no_page_fetches_anything_from_outside_localhost(server, browser):
    """Nothing is fetched from the internet at run time, the tab icon included: offline it
    would fail, and it tells a third party who is using a patient app."""
    from urllib.parse import urlsplit

    outside = []
    for path, heading in EVERY_PAGE:
        page = browser.new_page()
        page.on("request", lambda r, path=path: outside.append((path or "chat", r.url))
                if urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(r.url).hostname not in LOCAL_HOSTS else None)
        if heading is None:
            page.goto(server)
            page.get_by_text("You could ask:").wait_for(timeout=FIRST_PAGE_MS)
        else:
            page.goto(f"{server}/{path}")
            page.get_by_label("Educator password").fill(PASSWORD)
            page.get_by_role("button", name="Unlock").click()
            page.get_by_role("heading", name=heading).wait_for(timeout=STEP_MS)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        page.close()
    assert not outside, f"requests that left localhost: {outside}"


FIXED = "Nintedanib slows down the scarring of the lungs."


def test_an_educator_fixes_an_answer_and_a_patient_then_receives_it(server, browser):
    """From sign-in (with the educator's name) to a patient receiving the approved answer,
    asked in other words, with "Reviewed by an educator on <date>" under it."""
    educator = browser.new_page()
    educator.set_viewport_size({"width": 1280, "height": 1100})
    educator.goto(f"{server}/Try_a_question")
    educator.get_by_label("Educator password").fill(PASSWORD)
    educator.get_by_label("Your name (shown with the answers you approve)").fill("Dana (nurse educator)")
    educator.get_by_role("button", name="Unlock").click()
    educator.get_by_role("heading", name="Try a question").wait_for(timeout=STEP_MS)
    educator.get_by_role("textbox", name="Question").first.fill("What is nintedanib used for?")
    educator.get_by_role("button", name="Ask").click()
    educator.get_by_text("Write or edit the answer, and approve it").click()
    box = educator.get_by_role("textbox", name="Approved answer")
    box.wait_for(timeout=ANSWER_MS)
    idle(educator)
    assert educator.get_by_role("textbox", name="Approved by").input_value() == "Dana (nurse educator)"
    box.fill(FIXED + " [1]")
    educator.get_by_role("button", name="Approve this answer").click()
    educator.get_by_text("Approved: patients asking").wait_for(timeout=STEP_MS)
    educator.screenshot(path=str(SCREENSHOTS / "approve-an-answer.png"))
    educator.close()

    page = open_chat(browser, server)
    page.get_by_test_id("stChatInputTextArea").fill("what is nintedanib used for")
    page.keyboard.press("Enter")
    page.get_by_text("Reviewed by an educator on").wait_for(timeout=ANSWER_MS)
    assert FIXED in assistant_messages(page).last.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "approved-answer-in-chat.png"))
    page.close()

    listing = open_educator_page(browser, server, "Approved_answers", "Approved answers",
                                 {"width": 1280, "height": 900})
    listing.get_by_text("What is nintedanib used for?").first.wait_for(timeout=STEP_MS)
    listing.get_by_test_id("stDataFrame").locator("canvas").first.wait_for(timeout=STEP_MS)
    listing.wait_for_timeout(1500)  # the table draws on its canvas just after
    listing.screenshot(path=str(SCREENSHOTS / "approved-answers-page.png"))
    listing.close()
