"""Optional LLM answers (rag/chat_model/client.py): a chat model may word the answer, but every sentence
it writes is checked against the passage it cites before a patient sees it, safety triage
stays in front of it, and any failure gives the extractive answer with a notice.

The rules a reply is checked by are tested in tests/test_grounding.py. Unit tests here use
LangChain's own fake chat models over hand-made passages; pipeline tests use
the real corpus index (the session fixtures of conftest) with a fake model injected through
``Pipeline(chat_model=...)``; the last tests run the real ``ChatOpenAI`` client, built from
settings, against a small chat-completions server started here on a free local port.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import Field

from rag.chat_model.client import (GroundedStream, LLMConfigError, LLMError, build_chat_model, grounded_answer,
                     number_passages, prompt_messages)
from rag.pipeline import Pipeline
from rag.prompts import load_prompts
from rag.safety.triage import has_dose_or_instruction
from rag.schema import Passage, cited
from rag.settings import PROJECT_ROOT, Settings
from rag.text.cleaning import split_sentences
from tests.conftest import make_settings
from tests.test_grounding import PASSAGES

PROMPTS = load_prompts(PROJECT_ROOT / "prompts", require_templates=True)
QUESTION = "MMF for SSc - what is it meant to do?"
ADVICE = "im trying for a baby, should i stop my methotrexate?"
URGENT = "theres a tight pressure in my chest and im sweating buckets, it wont go away"
OFF_TOPIC = "who won the world cup in 2018"


# --- the prompt ------------------------------------------------------------------------------

def test_passages_are_numbered_with_title_and_location():
    text = number_passages(PASSAGES)
    assert text.startswith("[1] Living with scleroderma \u2014 Overview\nSystemic sclerosis")
    assert "\n\n[2] Treatments \u2014 Medicines\nMethotrexate" in text


def test_the_prompt_carries_the_rules_the_question_and_the_passages():
    system, user = prompt_messages(PROMPTS, "What is scleroderma?", PASSAGES)
    rules = system.content.lower()
    for rule in ("only", "[2]", "grade", "short sentences", "do not answer", "dose",
                 "care team", "ignore"):
        assert rule in rules, rule
    assert "Question: What is scleroderma?" in user.content
    assert number_passages(PASSAGES) in user.content


def test_braces_in_a_question_are_text_not_placeholders():
    _, user = prompt_messages(PROMPTS, "what does {passages} mean?", PASSAGES)
    assert "what does {passages} mean?" in user.content



def test_grounded_answer_asks_a_fake_model_once_and_checks_its_reply():
    model = GenericFakeChatModel(messages=iter([AIMessage(
        "It can affect the lungs and kidneys [1]. It is caused by sugar [1].")]))
    checked = grounded_answer(model, PROMPTS, "what does it affect?", PASSAGES)
    assert [s.text for s in checked.sentences] == ["It can affect the lungs and kidneys."]
    assert [d.reason for d in checked.dropped] == ["unsupported"]
    with pytest.raises(LLMError) as err:
        grounded_answer(FakeListChatModel(responses=["The passages do not answer this question."]),
                        PROMPTS, "q", PASSAGES)
    assert err.value.reason == "declined"


def test_streaming_yields_each_checked_sentence_once_it_is_complete():
    # FakeListChatModel streams one character at a time: the citation after a full stop
    # arrives after the sentence seems finished, and must still be attached to it.
    reply = ("It can affect the lungs and kidneys. [1] It is caused by sugar [1]. "
             "Lung scarring is common [2].\nMore [9].")
    stream = GroundedStream(FakeListChatModel(responses=[reply]), PROMPTS, "q", PASSAGES)
    seen = [(s.text, s.citation) for s in stream]
    assert seen == [("It can affect the lungs and kidneys.", 1), ("Lung scarring is common.", 2)]
    assert [d.reason for d in stream.checked.dropped] == ["unsupported", "unknown_passage"]


def test_streaming_shows_nothing_unchecked_when_the_model_declines():
    stream = GroundedStream(FakeListChatModel(responses=["The passages do not answer this. "
                                                         "Lungs [1]."]), PROMPTS, "q", PASSAGES)
    seen = []
    with pytest.raises(LLMError) as err:
        seen.extend(stream)
    assert err.value.reason == "declined" and seen == []


# --- building the model from settings -------------------------------------------------------

def test_an_openai_compatible_server_needs_only_its_url():
    model = build_chat_model(Settings(answerer="openai:my-model", llm_base_url="http://127.0.0.1:1/v1",
                                      llm_timeout_s=7))
    assert type(model).__name__ == "ChatOpenAI"
    assert (model.model_name, model.openai_api_base, model.request_timeout) == ("my-model", "http://127.0.0.1:1/v1", 7)
    assert model.temperature == 0 and model.max_retries == 0


def test_ollama_is_reached_at_its_url():
    model = build_chat_model(Settings(answerer="ollama:llama3.2", llm_base_url="http://127.0.0.1:1"))
    assert type(model).__name__ == "ChatOllama"
    assert (model.model, model.base_url, model.temperature) == ("llama3.2", "http://127.0.0.1:1", 0)


def test_the_api_key_comes_from_settings_or_openai_api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert Settings(answerer="openai:gpt-4o-mini").llm_api_key.get_secret_value() == "sk-from-env"
    monkeypatch.setenv("RAG_LLM_API_KEY", "sk-ours")
    assert Settings().llm_api_key.get_secret_value() == "sk-ours"


@pytest.mark.parametrize("answerer,message", [
    ("gpt-4o-mini", "not understood"),
    ("anthropic:claude", "not understood"),
    ("openai:", "not understood"),
    ("openai:gpt-4o-mini", "RAG_LLM_API_KEY"),  # the hosted API, and no key
])
def test_a_bad_answerer_setting_fails_at_start_up_with_what_to_set(answerer, message, monkeypatch, corpus_store, embedder):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMConfigError, match=message):
        Pipeline(make_settings(corpus_store, answerer=answerer), embedder=embedder)


def test_a_missing_provider_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)  # as if not installed
    with pytest.raises(LLMConfigError, match="pip install langchain-ollama"):
        build_chat_model(Settings(answerer="ollama:llama3.2"))


# --- through the pipeline, with a fake model ----------------------------------------------------

class RecordingChatModel(FakeListChatModel):
    """FakeListChatModel that remembers every prompt it was sent."""

    calls: list = Field(default_factory=list)

    def _call(self, messages, *args, **kwargs):
        self.calls.append(messages)
        return super()._call(messages, *args, **kwargs)

    def _stream(self, messages, *args, **kwargs):
        self.calls.append(messages)
        yield from super()._stream(messages, *args, **kwargs)


class BrokenChatModel(FakeListChatModel):
    def _call(self, *args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


def first_sentence(p: Passage) -> str:
    """A sentence of the passage, as a model quoting it would write it."""
    text = p.chunk.text
    return next(text[a:b].lstrip("-*• ") for a, b in split_sentences(text)
                if len(text[a:b].split()) >= 6 and text[a:b].rstrip().endswith(".")
                and not has_dose_or_instruction(text[a:b]))


@pytest.fixture(scope="module")
def extractive(corpus_pipeline):
    """The extractive answer of each question: its passages are what the model is given."""
    return {q: corpus_pipeline.ask(q) for q in (QUESTION, ADVICE)}


@pytest.fixture
def with_model(corpus_store, embedder):
    def build(model, **overrides) -> Pipeline:
        return Pipeline(make_settings(corpus_store, **overrides), embedder=embedder, chat_model=model)
    return build


def test_a_checked_model_answer_replaces_the_extractive_one(with_model, extractive):
    passages = extractive[QUESTION].retrieved
    one, two = first_sentence(passages[1]), first_sentence(passages[0])
    model = RecordingChatModel(responses=[f"{one} [2] {two} [1]"])
    answer = with_model(model).ask(QUESTION)
    assert answer.kind == "answered" and answer.answerer == "llm:RecordingChatModel"
    assert [(s.text, s.citation) for s in answer.sentences] == [(one, 1), (two, 2)]
    assert [c.chunk.chunk_id for c in answer.citations] == [passages[1].chunk.chunk_id,
                                                          passages[0].chunk.chunk_id]
    assert answer.answer == f"{one} [1] {two} [2]"
    assert answer.reading_grade is not None and "llm" in answer.timings_ms
    # The model saw every retrieved passage, numbered, and the question.
    (system, user), = model.calls
    assert number_passages(passages) in user.content and QUESTION in user.content
    data = answer.to_json()
    assert data["answerer"] == "llm:RecordingChatModel" and data["llm"]["dropped"] == []


def test_sentences_citing_a_passage_not_given_or_unsupported_are_dropped(with_model, extractive):
    passages = extractive[QUESTION].retrieved
    good = first_sentence(passages[0])
    reply = (f"{good} [1] Mycophenolate is made from crushed seashells [1]. "
             f"{first_sentence(passages[1])} [{len(passages) + 1}]")
    answer = with_model(RecordingChatModel(responses=[reply])).ask(QUESTION)
    assert [s.text for s in answer.sentences] == [good]
    assert sorted(d["reason"] for d in answer.llm["dropped"]) == ["unknown_passage", "unsupported"]
    assert not any(n.code == "llm_fallback" for n in answer.notices)


def test_a_dose_sentence_is_dropped_for_an_advice_question(with_model, extractive):
    base = extractive[ADVICE]
    assert base.kind == "answered" and any(n.code == "personal_advice" for n in base.notices)
    good = first_sentence(base.retrieved[0])
    answer = with_model(RecordingChatModel(responses=[
        f"{good} [1] You should stop taking your medicine now [1]."])).ask(ADVICE)
    assert [s.text for s in answer.sentences] == [good]
    assert [d["reason"] for d in answer.llm["dropped"]] == ["dose_or_instruction"]
    assert any(n.code == "personal_advice" for n in answer.notices)


@pytest.mark.parametrize("question,kind", [(URGENT, "urgent"), (OFF_TOPIC, "not_found"), ("", "invalid")])
def test_emergencies_and_unanswerable_questions_never_reach_the_model(with_model, question, kind):
    model = RecordingChatModel(responses=["Anything [1]."])
    pipeline = with_model(model)
    assert pipeline.ask(question).kind == kind
    stream = pipeline.ask_stream(question)
    pieces = list(stream)
    assert stream.answer.kind == kind and pieces == [stream.answer.answer]
    assert model.calls == []


@pytest.mark.parametrize("model,reason", [
    (BrokenChatModel(responses=["unused"]), "connection"),
    (FakeListChatModel(responses=["The passages do not answer this question."]), "declined"),
    (FakeListChatModel(responses=["Scleroderma is caused by eating sugar [1]."]), "nothing_supported"),
])
def test_a_failing_model_gives_the_extractive_answer_with_a_notice(with_model, extractive, model, reason):
    answer = with_model(model).ask(QUESTION)
    base = extractive[QUESTION]
    assert answer.answerer == "extractive" and answer.llm["error"] == reason
    assert [s.text for s in answer.sentences] == [s.text for s in base.sentences]
    notice = next(n for n in answer.notices if n.code == "llm_fallback")
    assert notice.text == PROMPTS.message("llm_fallback")


def test_ask_stream_yields_checked_sentences_then_the_answer(with_model, extractive):
    passages = extractive[QUESTION].retrieved
    one, two = first_sentence(passages[0]), first_sentence(passages[1])
    model = RecordingChatModel(responses=[f"{one} [1] Made up nonsense about sugar [1]. {two} [2]"])
    stream = with_model(model).ask_stream(QUESTION)
    pieces = list(stream)
    assert pieces == [f"{one} [1] ", f"{two} [2] "]
    assert stream.answer.answer == f"{one} [1] {two} [2]"
    assert stream.answer.answerer.startswith("llm:") and "llm" in stream.answer.timings_ms


def test_a_stream_that_fails_halfway_ends_with_the_fallback_answer(with_model, extractive):
    one = first_sentence(extractive[QUESTION].retrieved[0])
    reply = f"{one} [1] And then the connection drops here [1]."
    model = FakeListChatModel(responses=[reply], error_on_chunk_number=len(one) + 10)
    stream = with_model(model).ask_stream(QUESTION)
    pieces = list(stream)
    assert pieces == [f"{one} [1] "]  # shown while it was written...
    final = stream.answer  # ...but what stays is the extractive answer with the notice
    assert final.answerer == "extractive" and final.llm["error"] == "error"
    assert [s.text for s in final.sentences] == [s.text for s in extractive[QUESTION].sentences]
    assert any(n.code == "llm_fallback" for n in final.notices)


def test_ask_extractive_never_calls_the_model(with_model, extractive):
    model = RecordingChatModel(responses=["Anything [1]."])
    answer = with_model(model).ask_extractive(QUESTION)
    assert model.calls == [] and answer.answerer == "extractive"
    assert [s.text for s in answer.sentences] == [s.text for s in extractive[QUESTION].sentences]


def test_the_extractive_answerer_streams_its_finished_sentences(corpus_pipeline, extractive):
    assert not corpus_pipeline.streams
    stream = corpus_pipeline.ask_stream(QUESTION)
    pieces = list(stream)
    assert stream.answer.answerer == "extractive" and stream.answer.llm == {}
    assert pieces == [cited(s) + " " for s in extractive[QUESTION].sentences]


# --- the real ChatOpenAI client against a local chat-completions server ------------------------

class ChatServer(ThreadingHTTPServer):
    daemon_threads = True
    mode = "good"  # good | invalid_json | no_choices | slow | error
    delay_s = 0.0
    requests: list

    def handle_error(self, request, client_address):  # a client that timed out and left
        pass


def echo_reply(user_text: str) -> str:
    """Answer with the first full sentence of passage [1] of the prompt, cited."""
    block = re.search(r"^\[1\] [^\n]*\n(.+?)(?:\n\n\[2\] |\n\nQuestion:)", user_text, re.S | re.M).group(1)
    sentence = next(block[a:b] for a, b in split_sentences(block) if len(block[a:b].split()) >= 6)
    return f"{sentence} [1]"


class ChatHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "body": body,
                                     "auth": self.headers.get("Authorization")})
        mode = self.server.mode
        if mode == "slow":
            time.sleep(self.server.delay_s)
        if mode == "error":
            return self._send(500, b'{"error": {"message": "model crashed"}}')
        if mode == "invalid_json":
            return self._send(200, b'{"choices": [ this is not json')
        if mode == "no_choices":
            return self._send(200, json.dumps({"id": "x", "object": "chat.completion"}).encode())
        reply = echo_reply(body["messages"][-1]["content"])
        base = {"id": "chatcmpl-1", "created": 0, "model": body["model"]}
        if not body.get("stream"):
            return self._send(200, json.dumps({**base, "object": "chat.completion", "choices": [{
                "index": 0, "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop"}]}).encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        words = re.findall(r"\S+\s*", reply)
        for i, word in enumerate(words):
            chunk = {**base, "object": "chat.completion.chunk", "choices": [{
                "index": 0, "delta": {"role": "assistant", "content": word} if i == 0 else {"content": word},
                "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        end = {**base, "object": "chat.completion.chunk",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

    def _send(self, status: int, data: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def chat_server():
    server = ChatServer(("127.0.0.1", 0), ChatHandler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(chat_server):
    chat_server.mode, chat_server.delay_s = "good", 0.0
    chat_server.requests.clear()
    return chat_server


@pytest.fixture
def openai_pipeline(corpus_store, embedder, server, monkeypatch):
    """A pipeline whose answerer is ``openai:test-model`` at the local server: the real
    ChatOpenAI, built from settings. Every socket it opens is recorded."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    connected = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        connected.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)

    def build(port: int | None = None, **overrides) -> Pipeline:
        url = f"http://127.0.0.1:{port or server.server_address[1]}/v1"
        settings = make_settings(corpus_store, answerer="openai:test-model", llm_base_url=url,
                                 **{"llm_timeout_s": 10, **overrides})
        pipeline = Pipeline(settings, embedder=embedder)
        pipeline.connected = connected
        return pipeline

    return build


def test_the_openai_client_answers_through_a_compatible_server(openai_pipeline, server):
    pipeline = openai_pipeline()
    answer = pipeline.ask(QUESTION)
    assert answer.answerer == "llm:openai:test-model" and answer.llm["error"] is None
    assert len(answer.sentences) == 1 and answer.sentences[0].citation == 1
    assert answer.sentences[0].text == answer.sentences[0].quote  # the echo quotes passage [1]
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer not-needed"
    body = request["body"]
    assert body["model"] == "test-model" and body["temperature"] == 0 and not body.get("stream")
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == PROMPTS.templates["answer_system.txt"]
    # Nothing but the configured server was contacted (no token-count encodings fetched).
    assert {a[:2] for a in pipeline.connected if isinstance(a, tuple)} == {("127.0.0.1", server.server_address[1])}


def test_the_openai_client_streams_server_sent_events(openai_pipeline, server):
    pipeline = openai_pipeline()
    stream = pipeline.ask_stream(QUESTION)
    pieces = list(stream)
    assert server.requests[0]["body"]["stream"] is True
    assert {a[:2] for a in pipeline.connected if isinstance(a, tuple)} == {("127.0.0.1", server.server_address[1])}
    assert stream.answer.answerer == "llm:openai:test-model"
    assert pieces == [cited(s) + " " for s in stream.answer.sentences] and len(pieces) == 1


@pytest.mark.parametrize("mode,reason", [
    ("invalid_json", "malformed"),
    ("no_choices", "malformed"),
    ("error", "http_error"),
])
def test_a_bad_server_reply_gives_the_extractive_answer(openai_pipeline, server, extractive, mode, reason):
    server.mode = mode
    answer = openai_pipeline().ask(QUESTION)
    assert answer.answerer == "extractive" and answer.llm["error"] == reason
    assert any(n.code == "llm_fallback" for n in answer.notices)
    assert [s.text for s in answer.sentences] == [s.text for s in extractive[QUESTION].sentences]
    assert len(server.requests) == 1  # no retries


@pytest.mark.parametrize("streaming", [False, True])
def test_a_server_slower_than_the_timeout_gives_the_extractive_answer(openai_pipeline, server, streaming):
    server.mode, server.delay_s = "slow", 3.0
    pipeline = openai_pipeline(llm_timeout_s=0.5)
    if streaming:
        stream = pipeline.ask_stream(QUESTION)
        list(stream)
        answer = stream.answer
    else:
        answer = pipeline.ask(QUESTION)
    assert answer.llm["error"] == "timeout"
    assert any(n.code == "llm_fallback" for n in answer.notices) and answer.kind == "answered"


def test_a_refused_connection_gives_the_extractive_answer(openai_pipeline):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = openai_pipeline(port=port).ask(QUESTION)
    assert answer.llm["error"] == "connection"
    assert any(n.code == "llm_fallback" for n in answer.notices) and answer.sentences


# --- the chat page, with a chat model configured ------------------------------------------------

@pytest.fixture
def llm_app(corpus_store, tmp_path, monkeypatch, server):
    from streamlit.testing.v1 import AppTest

    from rag.settings import get_settings

    for name, value in {"RAG_STORE_DIR": corpus_store, "RAG_CACHE_DIR": corpus_store / "cache",
                        "RAG_RECORDS_PATH": tmp_path / "records.sqlite3",
                        "RAG_ANSWERER": "openai:test-model",
                        "RAG_LLM_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/v1"}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception
    yield at
    get_settings.cache_clear()


def app_answer(at) -> tuple:
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, at.exception
    message = [m for m in at.chat_message if m.name == "assistant"][-1]
    return message, " ".join(md.value for md in message.markdown).replace("\\", "")


def test_the_chat_page_shows_the_model_answer_with_its_source(llm_app, server):
    assert server.requests == []  # the starter questions were found without the model
    message, text = app_answer(llm_app)
    (request,) = server.requests
    reply = echo_reply(request["body"]["messages"][-1]["content"])
    assert request["body"]["stream"] is True  # written live, sentence by sentence
    assert reply.removesuffix(" [1]").lstrip("- ") in text and "[1]" in text
    assert message.expander and message.expander[0].label.replace("\\", "").startswith("[1]")
    assert "quoted from the documents" not in " ".join(c.value for c in message.caption)


def test_the_chat_page_falls_back_to_quoted_sentences_with_a_notice(llm_app, server, extractive):
    server.mode = "error"
    message, text = app_answer(llm_app)
    captions = " ".join(c.value for c in message.caption).replace("\\", "")
    assert PROMPTS.message("llm_fallback") in captions
    assert extractive[QUESTION].sentences[0].text in text and message.expander
