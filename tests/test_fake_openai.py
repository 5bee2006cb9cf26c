"""Tests for the local OpenAI-compatible server: response shapes, auth, errors, delays, default replies."""

from __future__ import annotations

import json
import threading
import time

import httpx
import openai
import pytest

from app.sandbox.fake_openai import FakeOpenAI, default_reply
from app.statements.lint import lint_variants

AUTH = {"Authorization": "Bearer test-key"}
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}

USER_PROMPT = """\
Company: Acme
Playbook: Service outage
Severity: high
Language: {language}
Channels: press, x, linkedin, website, staff, email
Next update: 14:30 CET
More information: https://acme.example/status

<facts>
1. At 09:10 CET our online shop became unavailable
2. Payments are not affected
</facts>

<situation>
Channels: tiktok
</situation>
"""


@pytest.fixture
def fake():
    with FakeOpenAI(reply="hello there") as server:
        yield server


def post(fake: FakeOpenAI, body: object, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{fake.base_url}/chat/completions", json=body, headers=headers or AUTH, timeout=5)


def test_chat_completion_shape(fake):
    response = post(fake, BODY)
    assert response.status_code == 200
    data = response.json()
    assert data["id"].startswith("chatcmpl-") and data["object"] == "chat.completion"
    assert isinstance(data["created"], int) and data["model"] == "gpt-4o-mini"
    assert data["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "hello there", "refusal": None},
                                "logprobs": None, "finish_reason": "stop"}]
    usage = data["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert fake.requests == [BODY]


def test_models_list(fake):
    data = httpx.get(f"{fake.base_url}/models", headers=AUTH, timeout=5).json()
    assert data["object"] == "list" and [m["id"] for m in data["data"]] == ["fake-model"]


def test_works_with_the_openai_client(fake):
    client = openai.OpenAI(api_key="k", base_url=fake.base_url, max_retries=0, timeout=5)
    completion = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content == "hello there"
    assert [m.id for m in client.models.list()] == ["fake-model"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}])
def test_requires_a_bearer_token(fake, headers):
    response = httpx.post(f"{fake.base_url}/chat/completions", json=BODY, headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert fake.requests == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": BODY["messages"]}, "model"),
        ({"model": "m"}, "messages"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": ["hi"]}, "messages.[0]"),
        ({**BODY, "stream": True}, "stream"),
    ],
)
def test_invalid_requests_get_openai_errors(fake, body, param):
    response = post(fake, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["param"] == param


def test_invalid_json_and_unknown_path(fake):
    response = httpx.post(f"{fake.base_url}/chat/completions", content=b"{nope", headers=AUTH, timeout=5)
    assert response.status_code == 400
    assert httpx.get(f"{fake.base_url}/engines", headers=AUTH, timeout=5).status_code == 404


def test_fail_status_a_number_of_times():
    with FakeOpenAI(reply="ok", fail_status=503, fail_times=2) as fake:
        statuses = [post(fake, BODY).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_fail_status_always():
    with FakeOpenAI(fail_status=429) as fake:
        responses = [post(fake, BODY) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 429]
    assert responses[0].json()["error"]["code"] == "rate_limit_exceeded"


def test_reply_callable_gets_the_messages():
    seen = []

    def reply(messages):
        seen.append(messages)
        return "from callable"

    with FakeOpenAI(reply=reply) as fake:
        assert post(fake, BODY).json()["choices"][0]["message"]["content"] == "from callable"
    assert seen == [BODY["messages"]]


def test_delay_is_interrupted_by_stop():
    fake = FakeOpenAI(reply="late", delay=30).start()
    outcome = {}

    def call():
        try:
            outcome["status"] = post(fake, BODY).status_code
        except httpx.HTTPError as exc:
            outcome["error"] = type(exc).__name__

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    fake.stop()
    thread.join(timeout=5)
    assert time.monotonic() - started < 3
    assert not thread.is_alive() and "error" in outcome


def test_records_requests_thread_safe():
    with FakeOpenAI(reply="ok") as fake:
        threads = [threading.Thread(target=post, args=(fake, {**BODY, "n": i})) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
        assert sorted(body["n"] for body in fake.requests) == list(range(8))


@pytest.mark.parametrize("language", ["en", "de"])
def test_default_reply_is_a_clean_statement_per_channel(language):
    user = USER_PROMPT.format(language=language)
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": user}]
    variants = json.loads(default_reply(messages))
    assert list(variants) == ["press", "x", "linkedin", "website", "staff", "email"]
    assert len(variants["x"]) <= 280
    for text in variants.values():
        assert "Payments are not affected" in text or "At 09:10 CET" in text
        assert "14:30 CET" in text and "https://acme.example/status" in text
    assert ("Bestätigt ist" in variants["press"]) == (language == "de")
    assert lint_variants(variants, language=language, next_update="14:30 CET",
                         info_source="https://acme.example/status") == []


def test_default_reply_over_http():
    body = {"model": "m", "messages": [{"role": "user", "content": USER_PROMPT.format(language="en")}]}
    with FakeOpenAI() as fake:
        content = post(fake, body).json()["choices"][0]["message"]["content"]
    assert set(json.loads(content)) == {"press", "x", "linkedin", "website", "staff", "email"}


def test_base_url_needs_start():
    with pytest.raises(RuntimeError):
        _ = FakeOpenAI().base_url


def test_json_object_needs_the_word_json_in_the_messages(fake):
    """The real API refuses ``json_object`` when no message says "json": so does the fake."""
    response = post(fake, {**BODY, "response_format": {"type": "json_object"}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "messages" and "must contain the word 'json'" in error["message"]
    said = {**BODY, "messages": [{"role": "user", "content": "Answer in JSON."}],
            "response_format": {"type": "json_object"}}
    assert post(fake, said).status_code == 200
