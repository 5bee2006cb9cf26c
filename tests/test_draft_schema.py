"""The holding statement's model call asks for Structured Outputs in a strict JSON schema (one text per requested
channel, every one required, no others), through the real client against the fake OpenAI server, which refuses a
strict schema the real API would refuse; the answer is validated against the schema, and an answer that does not
fit, is not JSON, an HTTP error or a timeout leaves the template draft with the reason, in the room's language."""

from __future__ import annotations

import json
import time

import jsonschema
import openai
import pytest

from app.sandbox.fake_openai import FakeOpenAI
from app.slack.text import escape
from app.statements.drafting import DraftContext, draft_statement
from app.statements.llm import SCHEMA_NAME, LLMSettings, response_format, schema
from app.statements.models import StatementKind
from tests.test_pack_model import model_box, wait_pack
from tests.test_statement_flow import blocks_text, room, versions_of

CHANNELS = ["press", "x", "linkedin", "website", "staff", "email"]
TEMPLATE = ("{{ facts[0] }}. We are working on it. Next update at {{ next_update }}. "
            "More information: {{ info_source }}")


def make_ctx(**changes) -> DraftContext:
    values = {"company": "Acme", "facts": ["At 09:10 CET our online shop became unavailable"], "severity": "high",
              "next_update": "14:30 CET", "info_source": "https://acme.example/status", "language": "en",
              "playbook_title": "Service outage"}
    values.update(changes)
    return DraftContext(**values)


def settings(fake: FakeOpenAI, **changes) -> LLMSettings:
    values = {"api_key": "k", "model": "fake-model", "base_url": fake.base_url, "timeout": 5.0, "max_retries": 0}
    values.update(changes)
    return LLMSettings(**values)


def test_the_statement_is_asked_for_in_a_strict_schema_and_the_answer_fits_it():
    channels = ["press", "x", "staff"]
    with FakeOpenAI() as fake:
        result = draft_statement(make_ctx(), template=TEMPLATE, channels=channels, llm=settings(fake))
        [request] = fake.requests
    form = request["response_format"]
    assert form["type"] == "json_schema"
    spec = form["json_schema"]
    assert spec["name"] == SCHEMA_NAME and spec["strict"] is True
    sent = spec["schema"]
    jsonschema.Draft202012Validator.check_schema(sent)
    assert sent["type"] == "object" and sent["additionalProperties"] is False
    assert list(sent["properties"]) == channels and sent["required"] == channels  # every field required, in order
    assert all(field == {"type": "string", "description": field["description"]}
               for field in sent["properties"].values())
    assert "280" in sent["properties"]["x"]["description"]
    assert result.method == "model" and result.note == "Drafted by fake-model"
    jsonschema.validate(result.variants, sent)  # the answer the fake gave fits what was asked for


@pytest.mark.parametrize("broken", ["not required", "additional allowed", "additional missing"])
def test_the_fake_refuses_the_statement_schema_when_it_is_not_strict_enough(broken):
    """What the real API refuses with 400 the fake refuses too, so a schema that drifts fails the tests."""
    form = response_format(CHANNELS)
    sent = form["json_schema"]["schema"]
    if broken == "not required":
        sent["required"].remove("staff")
    elif broken == "additional allowed":
        sent["additionalProperties"] = True
    else:
        del sent["additionalProperties"]
    with FakeOpenAI() as fake:
        client = openai.OpenAI(api_key="k", base_url=fake.base_url, max_retries=0)
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Write it."}],
                                           response_format=form)  # type: ignore[arg-type]
    error = caught.value.body
    assert caught.value.status_code == 400 and isinstance(error, dict)
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["param"] == "response_format"
    assert error["message"].startswith(f"Invalid schema for response_format '{SCHEMA_NAME}': ")
    words = "Missing 'staff'" if broken == "not required" else "'additionalProperties' is required"
    assert words in error["message"]


def test_the_schema_names_only_the_requested_channels():
    for channels in (["press"], ["x", "email"], CHANNELS):
        built = schema(channels)
        assert built["required"] == channels and set(built["properties"]) == set(channels)
    with FakeOpenAI() as fake:
        result = draft_statement(make_ctx(), template=TEMPLATE, channels=["x", "email"], llm=settings(fake))
    assert list(result.variants) == ["x", "email"] and result.method == "model"


@pytest.mark.parametrize(("fault", "reason"), [
    ("invalid-json", "the model's reply was not valid JSON"),
    ("off-schema", "the model's reply did not fit the statement's schema (press)"),
    (500, "the model answered HTTP 500"),
    (429, "the model answered HTTP 429"),
    ("timeout", "the model timed out after 0.5 s"),
])
def test_a_failing_or_off_schema_answer_leaves_the_template_with_the_reason(fault, reason):
    with FakeOpenAI(faults={SCHEMA_NAME: fault}) as fake:
        started = time.monotonic()
        result = draft_statement(make_ctx(), template=TEMPLATE, channels=["press", "x"],
                                 llm=settings(fake, timeout=0.5))
        assert time.monotonic() - started < 5  # a timeout is not waited out twice
    assert result.method == "template" and result.model is None
    assert result.note == f"Filled from the playbook template: {reason}"
    assert result.variants["press"].startswith("At 09:10 CET our online shop became unavailable.")


@pytest.mark.parametrize(("reply", "where"), [
    ({"press": 42, "x": "Next update at 14:30 CET."}, "press"),  # not a string
    ({"press": "Press text.", "x": "Post.", "tiktok": "Clip."}, "tiktok"),  # a channel not asked for
    ({"press": "Press text."}, "x"),  # a channel left out
    ({"press": ["Press text."], "x": "Post."}, "press"),
])
def test_an_answer_is_validated_against_the_schema(reply, where):
    """A server that ignores the schema (or a model that breaks it) is caught here, not trusted."""
    with FakeOpenAI(reply=json.dumps(reply)) as fake:
        result = draft_statement(make_ctx(), template=TEMPLATE, channels=["press", "x"], llm=settings(fake))
    assert result.method == "template"
    assert result.note == f"Filled from the playbook template: the model's reply did not fit the statement's schema " \
                          f"({where})"


def test_a_blank_variant_fits_the_schema_and_only_that_one_comes_from_the_template():
    reply = {"press": "Press text. Next update at 14:30 CET.", "x": " "}
    with FakeOpenAI(reply=json.dumps(reply)) as fake:
        result = draft_statement(make_ctx(), template=TEMPLATE, channels=["press", "x"], llm=settings(fake))
    assert result.method == "model" and result.variants["press"] == reply["press"]
    assert result.variants["x"].startswith("At 09:10 CET")
    assert result.note == "Drafted by fake-model; X filled from the playbook template: the model left out the X variant"


@pytest.mark.parametrize(("language", "reason"), [
    ("en", "Filled from the playbook template: the model's reply did not fit the statement's schema (press)"),
    ("de", "Aus der Vorlage des Playbooks erstellt: die Antwort des Sprachmodells passte nicht zum Schema der "
           "Stellungnahme (press)"),
])
def test_the_room_is_told_why_the_template_draft_stands_in_its_language(make_sandbox, language, reason):
    with FakeOpenAI(faults={SCHEMA_NAME: "off-schema"}) as fake:
        box = model_box(make_sandbox, fake, language, warroom_language=language)
        incident = room(box)
        box.driver.command("U0COMMS", incident.channel_id, "statement press x")
        statement, message = wait_pack(box, incident, StatementKind.HOLDING)
        [version] = versions_of(box, statement.id)
        [request] = [r for r in fake.requests if r["response_format"]["json_schema"]["name"] == SCHEMA_NAME]
    assert request["response_format"] == response_format(["press", "x"])
    assert version.method == "template" and version.model is None
    assert version.note == reason
    assert escape(reason) in blocks_text(message)
