"""Alert intake parsers: generic JSON, Alertmanager / Grafana, PagerDuty V3, and webhook authentication."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.alerts.parsers import (
    AlertFormatError,
    AlertIgnored,
    normalise_kind,
    parse_alertmanager,
    parse_generic,
    parse_pagerduty,
)
from app.alerts.signatures import bearer_token_ok, verify_pagerduty_signature
from app.severity import Severity

DATA = Path(__file__).parent / "data"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def generic_body(**changes: object) -> dict:
    body = {
        "source": "listener",
        "kind": "Social Spike",
        "title": "Mentions at 6x baseline",
        "description": "Top hashtag #acmefail",
        "severity": "High",
        "status": "firing",
        "dedup_key": "spike-acme-2026-03-14",
        "labels": {"brand": "acme"},
        "url": "https://listener.example.com/spikes/42",
        "metrics": {"mentions_per_hour": 1240, "ratio": 6.05},
        "started_at": "2026-03-14T10:12:00+01:00",
        "campaign": "spring",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def field_of(call, *args) -> AlertFormatError:
    with pytest.raises(AlertFormatError) as caught:
        call(*args)
    return caught.value


# --- normalise_kind -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Social Spike", "social-spike"),
        ("social_spike", "social-spike"),
        ("  Data--Leak!! ", "data-leak"),
        ("SocialMentionSpike", "socialmentionspike"),
        ("account compromise (X)", "account-compromise-x"),
        ("Négative", "ngative"),
    ],
)
def test_normalise_kind(text, kind):
    assert normalise_kind(text) == kind


# --- generic ------------------------------------------------------------------------------------


def test_generic_full_body():
    alert = parse_generic(generic_body())
    assert alert.source == "listener"
    assert alert.kind == "social-spike"
    assert alert.title == "Mentions at 6x baseline"
    assert alert.severity is Severity.HIGH
    assert alert.status == "firing"
    assert alert.dedup_key == "spike-acme-2026-03-14"
    assert alert.labels == {"brand": "acme"}
    assert alert.url == "https://listener.example.com/spikes/42"
    assert alert.metrics == {"mentions_per_hour": 1240.0, "ratio": 6.05}
    assert alert.started_at == datetime(2026, 3, 14, 9, 12, tzinfo=UTC)
    assert alert.raw["campaign"] == "spring"


def test_generic_minimal_body_defaults():
    alert = parse_generic({"source": "s", "kind": "shitstorm", "title": "t"})
    assert alert.status == "firing"
    assert alert.dedup_key is None
    assert alert.severity is None
    assert alert.labels == {} and alert.metrics == {}
    assert alert.url is None and alert.started_at is None
    assert alert.description == ""


def test_generic_naive_time_is_utc():
    alert = parse_generic(generic_body(started_at="2026-03-14T09:00:00"))
    assert alert.started_at == datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def test_generic_body_must_be_object():
    error = field_of(parse_generic, ["not", "an", "object"])
    assert error.field == "body"
    assert str(error) == "body: must be an object"


@pytest.mark.parametrize("name", ["source", "kind", "title"])
@pytest.mark.parametrize("value", [..., None, "", "   ", 12, ["x"]])
def test_generic_required_fields(name, value):
    error = field_of(parse_generic, generic_body(**{name: value}))
    assert error.field == name
    assert str(error).startswith(f"{name}: ")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("description", 5, "must be a string"),
        ("severity", "urgent", "unknown severity"),
        ("severity", 3, "must be a string"),
        ("status", "open", "must be firing or resolved"),
        ("dedup_key", 7, "must be a string"),
        ("dedup_key", " ", "non-empty"),
        ("labels", ["a"], "object of strings"),
        ("labels", {"team": 5}, "object of strings"),
        ("url", "javascript:alert(1)", "http:// or https://"),
        ("url", "ftp://example.com/x", "http:// or https://"),
        ("url", 42, "must be a string"),
        ("metrics", [1, 2], "name -> number"),
        ("metrics", {"ok": True}, "not a number"),
        ("metrics", {"ok": "12"}, "not a number"),
        ("metrics", {"ok": float("nan")}, "not a number"),
        ("started_at", "yesterday", "ISO-8601"),
        ("started_at", 1710400000, "ISO-8601"),
        ("kind", "!!!", "letters or digits"),
    ],
)
def test_generic_wrong_fields_are_named(name, value, expected):
    error = field_of(parse_generic, generic_body(**{name: value}))
    assert error.field == name
    assert expected in error.message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("kind", "k" * 65),
        ("dedup_key", "x" * 256),
        ("labels", {f"l{i}": "v" for i in range(65)}),
    ],
)
def test_generic_length_caps(name, value):
    error = field_of(parse_generic, generic_body(**{name: value}))
    assert error.field == name
    assert "at most" in error.message


def test_generic_long_texts_are_shortened_visibly_not_refused():
    body = generic_body(title="t" * 501, description="d" * 12_345)
    alert = parse_generic(body)
    assert len(alert.title) == 500 and alert.title.endswith("…")
    assert len(alert.description) == 10_000
    assert alert.description.endswith("[shortened from 12,345 characters; the full text is kept with the alert]")
    assert alert.raw["description"] == "d" * 12_345  # the raw payload keeps the full text


def test_generic_and_alertmanager_shorten_descriptions_alike():
    long = "word " * 3_000
    generic = parse_generic(generic_body(description=long))
    body = load("alertmanager-v4.json")
    body["alerts"][0]["annotations"]["description"] = long
    assert parse_alertmanager(body)[0].description == generic.description


def test_generic_every_problem_is_listed():
    error = field_of(parse_generic, generic_body(title=None, severity="urgent", metrics={"x": "1"}))
    assert [problem["field"] for problem in error.errors] == ["title", "severity", "metrics"]
    assert error.field == "title"


def test_generic_integer_beyond_float_range_is_named():
    error = field_of(parse_generic, generic_body(metrics={"mentions": 10**400}))
    assert error.field == "metrics" and "'mentions' is not a number" in error.message


def test_generic_time_out_of_range_after_offset_is_named():
    assert field_of(parse_generic, generic_body(started_at="9999-12-31T23:59:59-01:00")).field == "started_at"


def test_generic_length_caps_allow_the_limit():
    alert = parse_generic(
        generic_body(
            title="t" * 500,
            description="d" * 10_000,
            kind="k" * 64,
            dedup_key="x" * 255,
            labels={f"l{i}": "v" for i in range(64)},
        )
    )
    assert len(alert.title) == 500 and len(alert.labels) == 64


def test_generic_resolved_and_severity_case():
    alert = parse_generic(generic_body(status="RESOLVED", severity="critical"))
    assert alert.status == "resolved"
    assert alert.severity is Severity.CRITICAL


# --- Alertmanager / Grafana ---------------------------------------------------------------------


def test_alertmanager_v4_firing_and_resolved():
    body = load("alertmanager-v4.json")
    firing, resolved = parse_alertmanager(body)

    assert firing.source == "alertmanager"
    assert firing.kind == "social-spike"  # from the kind label
    assert firing.title == "Mentions of @acme at 6x the hourly baseline"
    assert firing.description.startswith("1,240 mentions")
    assert firing.severity is Severity.MEDIUM  # warning
    assert firing.status == "firing"
    assert firing.dedup_key == '{}:{job="social-listener"}:5e7f3c2a9b1d0e44'
    assert firing.url.startswith("http://prometheus.example.com:9090/graph")
    assert firing.started_at == datetime(2026, 3, 14, 9, 12, 30, 518213, tzinfo=UTC)
    assert firing.labels["brand"] == "acme"
    assert firing.metrics == {}
    assert firing.raw is body["alerts"][0]

    assert resolved.status == "resolved"
    assert resolved.kind == "statuspagedown"  # from alertname
    assert resolved.title == "Status page unreachable"
    assert resolved.severity is Severity.CRITICAL
    assert resolved.dedup_key.endswith(":a1b2c3d4e5f60718")
    assert firing.dedup_key != resolved.dedup_key


def test_alertmanager_status_falls_back_to_group_status():
    body = load("alertmanager-v4.json")
    del body["alerts"][0]["status"]
    body["status"] = "resolved"
    assert parse_alertmanager(body)[0].status == "resolved"


def test_grafana_values_org_id_and_source():
    body = load("grafana.json")
    (alert,) = parse_alertmanager(body)
    assert alert.source == "grafana"
    assert alert.kind == "negative-share-above-35"
    assert alert.title == "Negative share above 35 %"  # no summary: the alertname
    assert alert.description == "Negative share of mentions is 48 % (threshold 35 %)."
    assert alert.severity is Severity.HIGH
    assert alert.metrics == {"A": 0.48, "B": 1240.0, "C": 1.0}
    assert alert.started_at == datetime(2026, 3, 14, 9, 1, tzinfo=UTC)
    assert alert.url == "https://grafana.example.com/alerting/grafana/cdv5vmk1q8hs0b/view?orgId=1"
    assert alert.dedup_key.endswith(":1f0cd7d5a6b2e9c3")
    assert len(alert.dedup_key) <= 255


def test_grafana_detected_by_version_alone():
    body = load("grafana.json")
    del body["orgId"]
    assert parse_alertmanager(body)[0].source == "grafana"


def test_grafana_values_skip_non_numbers():
    body = load("grafana.json")
    body["alerts"][0]["values"] = {"A": 1, "B": "high", "C": True, "D": None}
    assert parse_alertmanager(body)[0].metrics == {"A": 1.0}


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("error", Severity.HIGH),
        ("major", Severity.HIGH),
        ("warning", Severity.MEDIUM),
        ("medium", Severity.MEDIUM),
        ("info", Severity.LOW),
        ("low", Severity.LOW),
        ("minor", Severity.LOW),
        ("Critical", Severity.CRITICAL),
        ("whatever", None),
    ],
)
def test_alertmanager_severity_mapping(word, severity):
    body = load("alertmanager-v4.json")
    body["alerts"][0]["labels"]["severity"] = word
    assert parse_alertmanager(body)[0].severity is severity


def test_alertmanager_dedup_key_fallbacks():
    body = load("alertmanager-v4.json")
    for alert in body["alerts"]:
        del alert["fingerprint"]
    first, second = parse_alertmanager(body)
    assert first.dedup_key == second.dedup_key == body["groupKey"]

    del body["groupKey"]
    first, second = parse_alertmanager(body)
    assert first.dedup_key.startswith("labels-")
    assert first.dedup_key != second.dedup_key
    shuffled = copy.deepcopy(body)
    shuffled["alerts"][0]["labels"] = dict(reversed(list(body["alerts"][0]["labels"].items())))
    assert parse_alertmanager(shuffled)[0].dedup_key == first.dedup_key  # stable across label order


def test_alertmanager_long_group_key_is_hashed_stably():
    body = load("alertmanager-v4.json")
    body["groupKey"] = "{}:{" + ", ".join(f'label{n}="value{n}"' for n in range(40)) + "}"
    first = parse_alertmanager(body)[0].dedup_key
    assert len(first) <= 255
    assert first.startswith("group-") and first.endswith(":5e7f3c2a9b1d0e44")
    assert parse_alertmanager(load("alertmanager-v4.json") | {"groupKey": body["groupKey"]})[0].dedup_key == first


def test_alertmanager_title_and_url_fallbacks():
    body = load("alertmanager-v4.json")
    alert = body["alerts"][1]
    alert["annotations"] = {"title": "From the title annotation", "message": "From message"}
    del alert["generatorURL"]
    parsed = parse_alertmanager(body)[1]
    assert parsed.title == "From the title annotation"
    assert parsed.description == "From message"
    assert parsed.url == "http://alertmanager.example.com:9093"


def test_alertmanager_long_texts_are_clipped_not_rejected():
    body = load("alertmanager-v4.json")
    body["alerts"][0]["annotations"]["summary"] = "s" * 2_000
    body["alerts"][0]["annotations"]["description"] = "d" * 20_000
    alert = parse_alertmanager(body)[0]
    assert len(alert.title) == 500 and alert.title.endswith("…")
    assert len(alert.description) == 10_000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.pop("alerts"), "alerts"),
        (lambda b: b.update(alerts=[]), "alerts"),
        (lambda b: b.update(alerts={"a": 1}), "alerts"),
        (lambda b: b["alerts"].__setitem__(1, "nope"), "alerts[1]"),
        (lambda b: b["alerts"][1].pop("labels"), "alerts[1].labels"),
        (lambda b: b["alerts"][1].update(labels=["x"]), "alerts[1].labels"),
        (lambda b: b["alerts"][0]["labels"].update(port=9100), "alerts[0].labels"),
        (lambda b: b["alerts"][1].update(annotations="text"), "alerts[1].annotations"),
        (lambda b: b["alerts"][1].update(status="pending"), "alerts[1].status"),
        (lambda b: b["alerts"][0].update(startsAt="soon"), "alerts[0].startsAt"),
    ],
)
def test_alertmanager_errors_name_the_path(change, field):
    body = load("alertmanager-v4.json")
    change(body)
    error = field_of(parse_alertmanager, body)
    assert error.field == field
    assert str(error).startswith(f"{field}: ")


def test_alertmanager_labels_error_message():
    body = load("alertmanager-v4.json")
    body["alerts"][0]["labels"] = "oops"
    assert str(field_of(parse_alertmanager, body)).startswith("alerts[0].labels: ")


def test_alertmanager_body_must_be_object():
    assert field_of(parse_alertmanager, "text").field == "body"


# --- PagerDuty ----------------------------------------------------------------------------------


def test_pagerduty_triggered():
    body = load("pagerduty-v3-triggered.json")
    alert = parse_pagerduty(body)
    assert alert.source == "pagerduty"
    assert alert.kind == "service-outage"
    assert alert.title == "Checkout API returning 503 for all regions"
    assert alert.status == "firing"
    assert alert.severity is Severity.CRITICAL
    assert alert.dedup_key == "pagerduty:PGR0VU2"
    assert alert.url == "https://acme.pagerduty.com/incidents/PGR0VU2"
    assert alert.labels == {
        "service": "Checkout API",
        "urgency": "high",
        "priority": "P1",
        "event_type": "incident.triggered",
    }
    assert alert.started_at == datetime(2026, 3, 14, 11, 2, 36, tzinfo=UTC)
    assert alert.raw is body


def test_pagerduty_resolved_has_same_dedup_key():
    body = load("pagerduty-v3-triggered.json")
    body["event"]["event_type"] = "incident.resolved"
    body["event"]["data"]["status"] = "resolved"
    alert = parse_pagerduty(body)
    assert alert.status == "resolved"
    assert alert.dedup_key == "pagerduty:PGR0VU2"


@pytest.mark.parametrize(
    ("priority", "urgency", "severity"),
    [
        ("P1", "low", Severity.CRITICAL),
        ("P2", "high", Severity.HIGH),
        ("P3", "high", Severity.MEDIUM),
        ("P4", "high", Severity.LOW),
        ("P5", "high", Severity.LOW),
        (None, "high", Severity.HIGH),
        (None, "low", Severity.MEDIUM),
        (None, None, None),
    ],
)
def test_pagerduty_severity(priority, urgency, severity):
    body = load("pagerduty-v3-triggered.json")
    data = body["event"]["data"]
    data["priority"] = {"summary": priority, "type": "priority_reference"} if priority else None
    if urgency is None:
        del data["urgency"]
    else:
        data["urgency"] = urgency
    alert = parse_pagerduty(body)
    assert alert.severity is severity
    assert ("priority" in alert.labels) is (priority is not None)


def test_pagerduty_note_event_uses_incident_reference():
    body = {
        "event": {
            "id": "01DFF5Q9ZZ3XM5GZ3XY7AH6H1D",
            "event_type": "incident.annotated",
            "resource_type": "incident",
            "occurred_at": "2026-03-14T11:20:00Z",
            "data": {
                "incident": {
                    "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
                    "id": "PGR0VU2",
                    "summary": "Checkout API returning 503 for all regions",
                    "type": "incident_reference",
                },
                "id": "P7AB8CD",
                "content": "Rolled back the deploy",
                "type": "incident_note",
            },
        }
    }
    alert = parse_pagerduty(body)
    assert alert.dedup_key == "pagerduty:PGR0VU2"
    assert alert.title == "Checkout API returning 503 for all regions"
    assert alert.started_at == datetime(2026, 3, 14, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (lambda b: b.pop("event"), "event", "object"),
        (lambda b: b["event"].pop("event_type"), "event.event_type", "required"),
        (lambda b: b["event"].update(data=None), "event.data", "object"),
        (lambda b: b["event"]["data"].pop("id"), "event.data.id", "required"),
        (lambda b: b["event"]["data"].update(title=""), "event.data.title", "required"),
    ],
)
def test_pagerduty_errors(change, field, text):
    body = load("pagerduty-v3-triggered.json")
    change(body)
    error = field_of(parse_pagerduty, body)
    assert error.field == field
    assert text in error.message


@pytest.mark.parametrize("event_type", ["service.created", "service.updated", "pagey.ping"])
def test_pagerduty_other_events_are_ignored_not_refused(event_type):
    body = load("pagerduty-v3-triggered.json")
    body["event"]["event_type"] = event_type
    body["event"]["data"] = None  # whatever such an event carries is not read
    with pytest.raises(AlertIgnored) as caught:
        parse_pagerduty(body)
    assert event_type in caught.value.reason


# --- signatures ---------------------------------------------------------------------------------

RAW = (DATA / "pagerduty-v3-triggered.json").read_bytes()


def sign(body: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_pagerduty_signature_single():
    assert verify_pagerduty_signature(RAW, sign(RAW, "s3cret"), "s3cret")


def test_pagerduty_signature_several_in_header_and_secrets():
    header = f"{sign(RAW, 'old-secret')}, {sign(RAW, 'new-secret')}"
    assert verify_pagerduty_signature(RAW, header, ["new-secret"])
    assert verify_pagerduty_signature(RAW, header, ["other", "old-secret"])
    assert not verify_pagerduty_signature(RAW, header, ["other"])


def test_pagerduty_signature_rejects():
    good = sign(RAW, "s3cret")
    assert not verify_pagerduty_signature(RAW, good, "wrong")
    assert not verify_pagerduty_signature(RAW + b" ", good, "s3cret")
    assert not verify_pagerduty_signature(RAW, None, "s3cret")
    assert not verify_pagerduty_signature(RAW, "", "s3cret")
    assert not verify_pagerduty_signature(RAW, good.removeprefix("v1="), "s3cret")
    assert not verify_pagerduty_signature(RAW, "v0=" + good[3:], "s3cret")
    assert not verify_pagerduty_signature(RAW, good, [])
    assert not verify_pagerduty_signature(RAW, good, "")


def test_bearer_token():
    assert bearer_token_ok("Bearer tok-123", "tok-123")
    assert bearer_token_ok("bearer tok-123", "tok-123")
    assert not bearer_token_ok("tok-123", "tok-123")
    assert not bearer_token_ok("Basic tok-123", "tok-123")
    assert not bearer_token_ok("Bearer tok-124", "tok-123")
    assert not bearer_token_ok(None, "tok-123")
    assert not bearer_token_ok("Bearer ", "")
    assert not bearer_token_ok("Bearer tök", "tok")
