"""Fuzzing /slack/events: whatever arrives (signed or not, any body, any headers), the answer is never a 5xx."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import time
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import event as record
from hypothesis import strategies as st

from app.sandbox.harness import Sandbox

FORM = "application/x-www-form-urlencoded"
ASCII = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)
SLASH_FIELDS = ["token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name", "command",
                "text", "api_app_id", "response_url", "trigger_id", "is_enterprise_install"]
SUBCOMMANDS = ["", "help", "status", "declare", "decision", "fact", "task", "assign", "severity", "statement",
               "close", "report", "brief", "status share", "status 99", "assign lead", "severity critical"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def slash_command(draw) -> tuple[bytes, str]:
    fields = {name: draw(st.text(max_size=20)) for name in draw(st.lists(st.sampled_from(SLASH_FIELDS), max_size=13))}
    fields.setdefault("command", draw(st.sampled_from(["/warroom", "/other", ""])))
    fields["text"] = draw(st.sampled_from(SUBCOMMANDS)) + " " + draw(st.text(max_size=30))
    fields.setdefault("user_id", draw(st.sampled_from(["U0LEAD", "U0CEO", "UNOBODY", ""])))
    return urlencode(fields).encode(), FORM


users = st.sampled_from(["U0LEAD", "U0COMMS", "U0CEO", "UNOBODY", ""])
slack_like = {  # fields as Slack shapes them, with arbitrary contents
    "user": st.fixed_dictionaries({"id": users}, optional={"team_id": st.text(max_size=10)}),
    "team": st.fixed_dictionaries({"id": st.text(max_size=10)}) | st.none(),
    "channel": st.fixed_dictionaries({"id": st.text(max_size=10)}, optional={"name": st.text(max_size=10)}),
    "actions": st.lists(st.fixed_dictionaries(
        {"action_id": st.sampled_from(["task_done", "statement_approve", "statement_edit", "declare", "x"])},
        optional={"value": st.text(max_size=10), "block_id": st.text(max_size=10)}), min_size=1, max_size=2),
    "view": st.fixed_dictionaries({"callback_id": st.sampled_from(["declare", "statement_edit", "x"])},
                                  optional={"state": st.fixed_dictionaries({"values": st.dictionaries(
                                      st.text(max_size=8), st.dictionaries(st.text(max_size=8), json_values,
                                                                          max_size=2), max_size=3)}),
                                      "private_metadata": st.text(max_size=30), "id": st.text(max_size=8)}),
    "container": st.dictionaries(st.sampled_from(["type", "message_ts", "channel_id", "view_id"]),
                                 st.text(max_size=10)),
    "message": st.fixed_dictionaries({"ts": st.text(max_size=10)}, optional={"text": st.text(max_size=20)}),
    "trigger_id": st.text(max_size=10),
    "callback_id": st.sampled_from(["log_decision", "declare", "x"]),
    "response_url": st.text(max_size=30),
}


@st.composite
def interaction(draw) -> tuple[bytes, str]:
    payload = {"type": draw(st.sampled_from(["block_actions", "view_submission", "view_closed", "message_action",
                                             "shortcut", "block_suggestion", "nonsense"]))}
    for name in draw(st.lists(st.sampled_from(sorted(slack_like)), max_size=len(slack_like), unique=True)):
        payload[name] = draw(slack_like[name] if draw(st.integers(0, 4)) else json_values)
    payload_text = json.dumps(payload) if draw(st.integers(0, 5)) else draw(st.text(max_size=60))
    return urlencode({"payload": payload_text}).encode(), FORM


@st.composite
def event(draw) -> tuple[bytes, str]:
    envelope = {"type": draw(st.sampled_from(["event_callback", "url_verification", "app_rate_limited", "x"])),
                "event_id": draw(st.text(max_size=12)), "team_id": draw(st.text(max_size=10)),
                "challenge": draw(st.text(max_size=10)),
                "event": draw(st.dictionaries(st.sampled_from(["type", "user", "channel", "item", "reaction", "text",
                                                              "ts", "event_ts", "bot_id", "subtype"]),
                                              json_values, max_size=6))}
    if draw(st.booleans()):
        envelope["event"]["type"] = draw(st.sampled_from(["reaction_added", "app_mention", "message"]))
    body = json.dumps(envelope) if draw(st.booleans()) else json.dumps(draw(json_values))
    return body.encode(), draw(st.sampled_from(["application/json", "application/json; charset=utf-8", FORM]))


raw_body = st.tuples(st.binary(max_size=300), st.sampled_from([FORM, "application/json", "text/plain", "",
                                                               "multipart/form-data; boundary=x"]))
bodies = st.one_of(slash_command(), interaction(), interaction(), event(), raw_body)
signing = st.sampled_from(["signed", "signed", "unsigned", "wrong", "odd-timestamp", "stale"])


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with Sandbox(tmp_path_factory.mktemp("fuzz") / "sandbox") as sandbox:
        yield sandbox


# Each example gets its own timestamp (so its own signature): a re-run of an example is not taken for a replay.
_age = itertools.count()


def headers_for(secret: str, body: bytes, mode: str, content_type: str, odd: str) -> dict[str, str]:
    timestamp = str(int(time.time()) - (400 if mode == "stale" else next(_age) % 290))
    if mode == "odd-timestamp":
        timestamp = odd
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": content_type}
    if mode != "unsigned":
        headers["X-Slack-Request-Timestamp"] = timestamp
        headers["X-Slack-Signature"] = "v0=" + (digest if mode != "wrong" else digest[::-1])
    return {k: v for k, v in headers.items() if v}


# Bounded: 250 examples (a few seconds); set WARROOM_FUZZ_EXAMPLES for a longer run.
@settings(max_examples=int(os.environ.get("WARROOM_FUZZ_EXAMPLES", "250")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=bodies, mode=signing, odd=ASCII, retry=st.one_of(st.none(), ASCII))
def test_no_request_gets_a_server_error(box, request, mode, odd, retry):
    body, content_type = request
    headers = headers_for(box.settings.slack_signing_secret, body, mode, content_type, odd)
    if retry is not None:
        headers["X-Slack-Retry-Num"] = retry
    answer = box.http.post("/slack/events", content=body, headers=headers)
    record(f"{mode}: {answer.status_code}")  # --hypothesis-show-statistics shows how deep the examples went
    note(answer.text[:200])
    assert answer.status_code < 500, (answer.status_code, answer.text[:200], body[:200], headers)
    if mode in ("unsigned", "wrong", "stale"):
        assert answer.status_code == 401
