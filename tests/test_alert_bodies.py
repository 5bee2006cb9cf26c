"""Alert bodies over HTTP: nothing a sender sends in good faith is lost, and nothing malformed gets a 5xx.

Long texts are stored shortened (the raw payload keeps them); bodies that cannot be stored get a 4xx
naming the problem; NUL and lone surrogates are normalised so that the record exports as valid JSON.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from app.alerts.models import Alert
from app.incidents.models import Incident
from app.reports.export import export
from tests.conftest import social_alert

HEADERS = {"Authorization": "Bearer sandbox-alert-token", "Content-Type": "application/json"}


def post_raw(box, raw: bytes, path: str = "/alerts"):
    return box.http.post(path, content=raw, headers=HEADERS)


def stored_alerts(box) -> list[Alert]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, as any other JSON reader does."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_long_description_is_stored_shortened_with_the_raw_payload_kept(sandbox):
    description = "Mentions keep climbing. " * 1_000  # 24,000 characters
    answer = sandbox.alert(social_alert(description=description, title="T" * 800))
    assert answer.status_code == 202 and answer.json()["status"] == "opened"
    [alert] = stored_alerts(sandbox)
    assert len(alert.description) == 10_000
    assert alert.description.endswith("[shortened from 24,000 characters; the full text is kept with the alert]")
    assert len(alert.title) == 500 and alert.title.endswith("…")
    assert alert.raw["description"] == description and alert.raw["title"] == "T" * 800
    with Session(sandbox.core.engine) as session:
        assert session.get(Incident, answer.json()["incident_id"]).description == alert.description


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"[" * 5_000 + b"]" * 5_000, 400, "nested too deeply"),
        (b'{"a":' * 70 + b"1" + b"}" * 70, 400, "nested too deeply"),
        (b'{"source": "s", "kind": "k", "title": "t", "metrics": {"x": NaN}}', 400, "NaN"),
        (b'{"source": "s", "kind": "k", "title": "t", "extra": -Infinity}', 400, "-Infinity"),
        (b'{"source": "s", "kind": "k", "title": "t", "metrics": {"x": 1e400}}', 400, "beyond the range of a float"),
        (b'{"source": "s", "kind": "k", "title": "t", "metrics": {"x": 1' + b"0" * 400 + b"}}", 422,
         "'x' is not a number in range"),
        (b'{"source": "s", "kind": "k", "title": "t", "n": ' + b"9" * 5_000 + b"}", 400, "not valid JSON"),
        (b'{"title": "\xff\xfe"}', 400, "not valid"),
        (b'{"source": "s", "kind": "k", "title": "t", "started_at": "9999-12-31T23:59:59-05:00"}', 422, "ISO-8601"),
        (b"", 400, "not valid JSON"),
    ],
)
def test_malformed_bodies_get_a_4xx_naming_the_problem(sandbox, raw, status, says):
    for path in ("/alerts", "/alerts/alertmanager", "/alerts/grafana"):
        answer = post_raw(sandbox, raw, path)
        assert answer.status_code in (400, 422), (path, answer.status_code, answer.text)
        if path == "/alerts":
            assert answer.status_code == status and says in answer.json()["error"]
    assert stored_alerts(sandbox) == []


def test_every_wrong_field_is_named(sandbox):
    answer = sandbox.alert({"source": "s", "kind": "shitstorm", "severity": "apocalyptic", "url": "ftp://x"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "title" and body["error"].startswith("title: ")
    assert [error["field"] for error in body["errors"]] == ["title", "severity", "url"]
    grafana = sandbox.alert({"alerts": [{"labels": {"a": "b"}}, {"labels": {"port": 9100}}]}, path="/alerts/grafana")
    assert grafana.status_code == 422 and grafana.json()["field"] == "alerts[1].labels"


def test_nul_and_lone_surrogates_are_normalised_and_export_is_valid_json(sandbox):
    raw = (b'{"source": "social\\u0000listening", "kind": "shitstorm", "title": "Spike \\ud83d and \\u0000 more",'
           b' "description": "cut emoji \\ud83d", "dedup_key": "nul-test", "campaign\\udc00": ["\\u0000", "\\ude00"],'
           b' "metrics": {"mentions": 12}}')
    answer = post_raw(sandbox, raw)
    assert answer.status_code == 202, answer.text
    [alert] = stored_alerts(sandbox)
    assert alert.title == "Spike \ufffd and  more" and alert.source == "sociallistening"
    assert alert.raw["campaign\ufffd"] == ["", "\ufffd"]
    record = export(sandbox.core.engine, answer.json()["incident_id"], "json")
    exported = strict_json(record)
    assert "\x00" not in record and exported["alerts"][0]["raw"]["description"] == "cut emoji \ufffd"
    record.encode("utf-8")  # no lone surrogate survives: it would not encode


def test_proper_surrogate_pairs_are_kept(sandbox):
    answer = post_raw(sandbox, b'{"source": "s", "kind": "shitstorm", "title": "Boycott \\ud83d\\ude21"}')
    assert answer.status_code == 202
    assert stored_alerts(sandbox)[0].title == "Boycott \U0001f621"
