"""POST /mentions over HTTP into the served bot: the alert intake's token and 4xx rules, idempotency,
late and out-of-order posts, and what is (not) stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.monitoring.definitions import Monitor
from app.monitoring.intake import BATCH_MAX, BODY_MAX
from app.monitoring.models import Mention, MentionRollup
from app.monitoring.runtime import configure, reset
from app.sandbox.harness import ALERT_TOKEN

AUTH = {"Authorization": f"Bearer {ALERT_TOKEN}"}


def post(number: int, *, minutes_ago: float = 1, at: datetime | None = None, text: str | None = None,
         **fields) -> dict:
    written = at or datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"platform": "mastodon", "post_id": f"p{number}", "author": f"user{number}@x.social", "followers": 150,
            "text": text or f"My Northwind Trailmaster broke after two days #{number}", "language": "en",
            "created_at": written.isoformat(), "url": f"https://x.social/@user{number}/{number}",
            "likes": 1, "shares": 0, "replies": 0, **fields}


@pytest.fixture
def box(sandbox):
    configure(sandbox.core, [Monitor.model_validate({
        "id": "northwind", "title": "Northwind Outdoor",
        "terms": {"brand": {"en": ["Northwind"], "de": ["Northwind"]}, "products": {"en": ["Trailmaster"]}},
        "risk_terms": {"terms": {"en": ["leak"], "de": ["Datenleck"]}}})])
    return sandbox


def send(box, mentions: list[dict], headers: dict | None = None):
    return box.http.post("/mentions", json={"mentions": mentions}, headers=AUTH if headers is None else headers)


def rows(box, model=Mention):
    with Session(box.core.engine) as session:
        return list(session.exec(select(model)).all())


def test_a_batch_is_stored_once_whatever_is_sent_again(box):
    batch = [post(1), post(2, text="Northwind hat ein Datenleck, unfassbar schlecht", language="de"),
             post(3, text="Nothing about any brand here")]
    first = send(box, batch)
    assert first.status_code == 202
    assert first.json() == {"received": 3, "new": 2, "repeated": 0, "unmatched": 1, "expired": 0}
    again = send(box, [post(1, likes=40, shares=9), post(2)])
    assert again.json()["new"] == 0 and again.json()["repeated"] == 2
    stored = {row.post_id: row for row in rows(box)}
    assert set(stored) == {"p1", "p2"}  # the unmatched post is not kept at all
    assert (stored["p1"].likes, stored["p1"].shares) == (40, 9)  # engagement brought up to date
    assert stored["p2"].negative and stored["p2"].risky and stored["p2"].language == "de"
    assert sum(r.mentions for r in rows(box, MentionRollup)) == 2  # counted once


def test_late_and_out_of_order_posts_count_in_their_own_minute(box):
    earlier = datetime.now(UTC).replace(second=30, microsecond=0) - timedelta(minutes=45)
    send(box, [post(10, minutes_ago=2), post(11, at=earlier), post(12, minutes_ago=3 * 60)])
    send(box, [post(13, at=earlier - timedelta(seconds=20))])  # later, and written before: the same minute
    by_minute = {r.minute.replace(tzinfo=UTC): r.mentions for r in rows(box, MentionRollup)}
    assert len(by_minute) == 3 and sorted(by_minute.values()) == [1, 1, 2]
    future = send(box, [post(14, minutes_ago=-30)])  # a sender's clock ahead: counted as written now
    assert future.status_code == 202
    [row] = [r for r in rows(box) if r.post_id == "p14"]
    assert row.created_at.replace(tzinfo=UTC) <= datetime.now(UTC)
    expired = send(box, [post(15, minutes_ago=31 * 24 * 60)])
    assert expired.json()["expired"] == 1 and not [r for r in rows(box) if r.post_id == "p15"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ALERT_TOKEN}])
def test_the_bearer_token_is_required(box, headers):
    answer = send(box, [post(1)], headers=headers)
    assert answer.status_code == 401 and "bearer token" in answer.json()["error"]
    assert rows(box) == []


def test_bodies_over_the_limit_are_refused_before_reading(box):
    body = json.dumps({"mentions": [post(1, text="Northwind " + "x" * 9_000) for _ in range(BODY_MAX // 9_000 + 2)]})
    answer = box.http.post("/mentions", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 413 and "smaller batches" in answer.json()["error"]
    assert rows(box) == []


@pytest.mark.parametrize(("body", "status", "field"), [
    (b"{not json", 400, None),
    (b'{"mentions": [{"platform": "x", "post_id": 1, "text": "Northwind", "created_at": NaN}]}', 400, None),
    (b'{"posts": []}', 422, "mentions"),
    (b'{"mentions": {}}', 422, "mentions"),
])
def test_unreadable_bodies_get_a_clear_error(box, body, status, field):
    answer = box.http.post("/mentions", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == status
    if field:
        assert answer.json()["field"] == field


def test_every_wrong_field_is_named_and_nothing_is_stored(box):
    good = post(1)
    bad = [good, post(2, created_at="yesterday"), post(3, followers=-5), {**post(4), "text": ""},
           post(5, platform="no spaces please"), post(6, url="javascript:alert(1)")]
    answer = send(box, bad)
    assert answer.status_code == 422
    fields = {error["field"] for error in answer.json()["errors"]}
    assert fields == {"mentions[1].created_at", "mentions[2].followers", "mentions[3].text", "mentions[4].platform",
                      "mentions[5].url"}
    assert rows(box) == []  # a batch is taken whole or not at all


def test_a_batch_has_a_size_limit(box):
    answer = send(box, [post(i) for i in range(BATCH_MAX + 1)])
    assert answer.status_code == 422 and answer.json()["field"] == "mentions"


def test_broken_monitors_are_a_503_not_a_lost_batch(sandbox, tmp_path, monkeypatch):
    (tmp_path / "bad.yml").write_text("id: Not Valid\ntitle: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.yml: id"):  # every problem is listed
        configure(sandbox.core, warroom_monitors=tmp_path)
    monkeypatch.setenv("WARROOM_MONITORS", str(tmp_path))  # loaded on the next use, from the environment
    reset(sandbox.core)  # the files changed since the server loaded them at start
    answer = send(sandbox, [post(1)])
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
    assert "bad.yml: id" in answer.json()["error"]
