"""A patient's session without a browser: Streamlit's own websocket protocol, spoken directly.

The load benchmark's light client (``python -m bench.load --client ws``, the default). A
browser page costs far more CPU than the app itself (16 headless Chromium pages took about
ten times the app's CPU on 2 cores, so the browser run mostly measured pages competing with
the server); this client costs almost none, so the figures measure the server.

What it does, as the browser's page would: connect to ``/_stcore/stream`` (subprotocol
``streamlit``), ask for a first run of the page (a ``BackMsg`` whose ``rerun_script`` holds
the page's ``ClientState``), read the ``ForwardMsg``\\ s back (``new_session``, the deltas that
draw elements, ``script_finished``), learn the chat box's widget id from the ``chat_input``
element drawn, and to ask a question send a rerun whose widget states hold the box's
``chat_input_value``. An answer is complete when that run's ``script_finished`` arrives:
everything the app draws for an answer (text, sources, notices, thumbs) is sent before.
The page's text is kept per element (the last delta at each delta path), so ``shown`` and
``answer`` read like the browser's: the last message the patient typed, and the text of
the assistant message after it.

Uses the ``streamlit.proto`` messages and the ``websockets`` package that the installed
Streamlit (1.67) ships with. Left out: the forward-message cache (no cached hashes are
declared, so the server sends every message in full), heartbeats (runs are short), widget
states other than the chat box's (the thumbs and buttons are never pressed), and drawing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

TYPED = '<div class="typed">'  # how the app draws what a person typed (rag.ui.render.typed_html)


class ProtocolError(RuntimeError):
    """The app answered something this client does not understand, or an error."""


def element_text(element) -> str:
    """The readable text of one drawn element (Markdown, an alert, a caption), else ''."""
    kind = element.WhichOneof("type")
    inner = getattr(element, kind) if kind else None
    body = getattr(inner, "body", "") if inner is not None else ""
    return body if isinstance(body, str) else ""


def last_typed(page: dict[tuple, str]) -> tuple | None:
    """The delta path of the last thing the patient typed, as drawn."""
    typed = [p for p, text in page.items() if text.startswith(TYPED)]
    return max(typed) if typed else None


def shown_and_answer(page: dict[tuple, str]) -> tuple[str, str]:
    """The last question the page shows and the text of the message after it."""
    path = last_typed(page)
    if path is None:
        return "", ""
    question = page[path][len(TYPED):].removesuffix("</div>")
    # chat messages are blocks of the main container: the answer is the next one
    block = path[:2]
    after = (block[0], block[1] + 1)
    answer = [text for p, text in sorted(page.items()) if p[:2] == after and text]
    return unescape(question), "\n".join(answer)


def unescape(text: str) -> str:
    import html

    return html.unescape(text).strip()


@dataclass
class Run:
    """One run of the page's script as the client saw it."""

    page: dict[tuple, str] = field(default_factory=dict)  # delta path -> text
    chat_input: str = ""  # the chat box's widget id, once drawn
    status: int | None = None  # script_finished's status
    exception: str = ""  # an exception element drawn


class WsSession:
    """One patient's page over one websocket."""

    def __init__(self, url: str):
        self.url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.ws = None
        self.page_hash = ""
        self.chat_input = ""
        self.last = Run()

    async def open(self, timeout_s: float) -> Run:
        """Connect and run the page once (the first page builds the pipeline)."""
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, subprotocols=["streamlit"], max_size=None,
                                open_timeout=timeout_s)
        return await self.rerun(None, timeout_s)

    async def ask(self, question: str, timeout_s: float) -> tuple[float, Run]:
        """Send a question through the chat box; the seconds until its run finished."""
        if not self.chat_input:
            raise ProtocolError("the page drew no chat box")
        start = time.perf_counter()
        run = await self.rerun(question, timeout_s)
        return time.perf_counter() - start, run

    async def rerun(self, question: str | None, timeout_s: float) -> Run:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.Common_pb2 import ChatInputValue

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash
        if question is not None:
            w = state.widget_states.widgets.add()
            w.id = self.chat_input
            w.chat_input_value.CopyFrom(ChatInputValue(data=question))
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._until_finished(), timeout_s)

    async def _until_finished(self) -> Run:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        run = Run()
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = self.page_hash or fwd.new_session.page_script_hash
            elif kind == "delta":
                read_delta(fwd, run)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app asked for another run: wait for that one
                run.status = fwd.script_finished
                self.chat_input = run.chat_input or self.chat_input
                self.last = run
                return run
            elif kind == "session_event" and fwd.session_event.HasField("script_compilation_exception"):
                raise ProtocolError(fwd.session_event.script_compilation_exception.message)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def read_delta(fwd, run: Run) -> None:
    """Keep one delta's text at its path; note the chat box and any exception drawn."""
    path = tuple(fwd.metadata.delta_path)
    delta = fwd.delta
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "chat_input":
        run.chat_input = element.chat_input.id
    elif kind == "exception":
        run.exception = (element.exception.type + ": " + element.exception.message)[:200]
    run.page[path] = element_text(element)


# --- sessions side by side, for bench.load -----------------------------------------------------

async def ask_in_turn(session: WsSession, number: int, questions, answer_s: float, think_s: float = 0.0):
    """Ask each question once the previous answer is complete (after ``bench.load.pause``); the turns as the page showed them, and 0 messages beyond them (a
    foreign message would show as another question or answer at a turn)."""
    from .load import Turn, pause

    turns = [Turn(number, q, error="not asked: an earlier question failed") for q in questions]
    for i, turn in enumerate(turns):
        turn.error = ""
        await asyncio.sleep(pause(number, i, think_s))
        try:
            seconds, run = await session.ask(turn.asked, answer_s)
        except (asyncio.TimeoutError, ProtocolError, OSError) as e:
            turn.error = type(e).__name__ + (f": {e}" if str(e) else "")
            break
        turn.shown, turn.answer = shown_and_answer(run.page)
        if run.exception or run.status:
            turn.error = run.exception or f"script finished with status {run.status}"
            break
        turn.seconds = seconds
    return turns, 0


async def run_sessions(url: str, n: int, questions, count: int, answer_s: float,
                       server_pid: int | None = None, think_s: float = 0.0) -> dict:
    """``bench.load.run_sessions`` over websockets: the same row of figures, the client's CPU
    being this process's own."""
    from .load import plan
    from .processes import cpu_split, cpu_used
    from .measures import vm_hwm_mb

    sessions = [WsSession(url) for _ in range(n)]
    try:
        await asyncio.gather(*(s.open(answer_s) for s in sessions))
        before, start, own = cpu_split(server_pid or 0), time.perf_counter(), time.process_time()
        done = await asyncio.gather(*(ask_in_turn(s, i, asks, answer_s, think_s)
                                      for i, (s, asks) in enumerate(zip(sessions, plan(n, questions, count)))))
        wall, used = time.perf_counter() - start, cpu_used(before, cpu_split(server_pid or 0))
        client = time.process_time() - own
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return {"sessions": [turns for turns, _ in done], "extra": [more for _, more in done], "wall": wall,
            "server_cpu": used["server"], "browser_cpu": client,
            "server_mb": vm_hwm_mb(server_pid) if server_pid else 0.0}
