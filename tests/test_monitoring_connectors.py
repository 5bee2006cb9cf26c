"""Pull connectors against local fakes of Mastodon and of a news feed: posts stored once, cursors kept,
failures backed off and reported in health and /metrics, the server unharmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.monitoring import polling
from app.monitoring.definitions import Monitor
from app.monitoring.fakes import FakeFeed, FakeMastodon
from app.monitoring.models import ConnectorState, Mention
from app.monitoring.runtime import configure


def _monitor(*sources: dict) -> Monitor:
    return Monitor.model_validate({
        "id": "northwind", "title": "Northwind Outdoor",
        "terms": {"brand": {"en": ["Northwind"], "de": ["Northwind"]}, "hashtags": {"en": ["#NorthwindFail"]}},
        "sources": list(sources)})


def _mentions(box) -> list[Mention]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Mention).order_by(Mention.post_id)).all())


@pytest.fixture
def mastodon():
    with FakeMastodon(token="fake-mastodon-token") as fake:
        yield fake


def test_mastodon_posts_are_stored_once_and_paged_past_forty(sandbox, mastodon, monkeypatch):
    monkeypatch.setenv("NORTHWIND_MASTODON_TOKEN", "fake-mastodon-token")
    configure(sandbox.core, [_monitor({"type": "mastodon", "api_base_url": mastodon.url, "hashtags": ["northwind"],
                                       "token_env": "NORTHWIND_MASTODON_TOKEN"})])
    ident = "northwind:0:mastodon"
    mastodon.post("northwind", "<p>My <b>Northwind</b> jacket leaks &amp; the zip broke</p>", acct="ann@x.social",
                  followers=1200, favourites=4, reblogs=2, replies=1)
    first = polling.poll(sandbox.core, ident)
    assert first.ok and first.stored.new == 1
    [stored] = _mentions(sandbox)
    assert stored.text == "My Northwind jacket leaks & the zip broke"
    assert (stored.platform, stored.followers) == ("mastodon", 1200)
    assert (stored.likes, stored.shares, stored.replies) == (4, 2, 1)
    assert stored.author == "ann@x.social" and stored.url.startswith(mastodon.url)

    for number in range(95):  # more than two of Mastodon's 40-status pages
        mastodon.post("northwind", f"<p>Northwind post {number}</p>")
    second = polling.poll(sandbox.core, ident)
    assert second.ok and second.stored.new == 95
    assert mastodon.requests == 1 + 3  # pages of 40, 40, 15 after the cursor
    again = polling.poll(sandbox.core, ident)
    assert again.ok and again.stored.new == 0 and len(_mentions(sandbox)) == 96


def test_mastodon_wrong_token_backs_off_and_is_reported(sandbox, mastodon, monkeypatch):
    monkeypatch.setenv("NORTHWIND_MASTODON_TOKEN", "not-the-token")
    configure(sandbox.core, [_monitor({"type": "mastodon", "api_base_url": mastodon.url, "hashtags": ["northwind"],
                                       "token_env": "NORTHWIND_MASTODON_TOKEN", "every_seconds": 60})])
    ident = "northwind:0:mastodon"
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    first = polling.poll(sandbox.core, ident, now)
    second = polling.poll(sandbox.core, ident, now + timedelta(minutes=2))
    assert not first.ok and "MastodonUnauthorizedError" in first.error
    assert first.next_attempt_at == now + timedelta(seconds=120)  # twice the interval after one failure
    assert second.next_attempt_at == now + timedelta(minutes=2) + timedelta(seconds=240)
    health = polling.connector_health(sandbox.core)
    assert not health.ok and ident in health.detail
    assert health.connectors[ident]["failures"] == 2
    metrics = sandbox.http.get("/metrics").text
    assert f'warroom_monitor_connector_up{{connector="{ident}",monitor="northwind"}} 0.0' in metrics
    assert sandbox.http.get("/healthz").status_code == 200  # the server itself is unharmed

    monkeypatch.setenv("NORTHWIND_MASTODON_TOKEN", "fake-mastodon-token")
    mastodon.post("northwind", "<p>Northwind is fine</p>")
    recovered = polling.poll(sandbox.core, ident, now + timedelta(minutes=10))
    assert recovered.ok and recovered.stored.new == 1
    assert polling.connector_health(sandbox.core).ok
    assert f'warroom_monitor_connector_up{{connector="{ident}",monitor="northwind"}} 1.0' in \
        sandbox.http.get("/metrics").text


def test_mastodon_rate_limit_is_a_failure_not_a_wait(sandbox):
    with FakeMastodon(rate_limit=1) as fake:
        configure(sandbox.core, [_monitor({"type": "mastodon", "api_base_url": fake.url, "hashtags": ["northwind"]})])
        fake.post("northwind", "<p>Northwind</p>")
        assert polling.poll(sandbox.core, "northwind:0:mastodon").ok
        limited = polling.poll(sandbox.core, "northwind:0:mastodon")
    assert not limited.ok and "Ratelimit" in limited.error


@pytest.mark.parametrize("atom", [False, True])
def test_feed_entries_are_stored_once_and_unchanged_feeds_cost_nothing(sandbox, atom):
    with FakeFeed(atom=atom, language="de-DE") as feed:
        configure(sandbox.core, [_monitor({"type": "feed", "url": f"{feed.url}/feed.xml"})])
        published = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
        feed.add("Datenleck bei Northwind?", "Kunden berichten von <b>gestohlenen</b> Daten", published=published)
        feed.add("Wetter morgen", "Sonnig")  # not about the brand: not stored
        ident = "northwind:0:feed"
        first = polling.poll(sandbox.core, ident, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        unchanged = polling.poll(sandbox.core, ident, datetime(2026, 11, 30, 9, 5, tzinfo=UTC))
        feed.add("Northwind antwortet", "Stellungnahme")
        changed = polling.poll(sandbox.core, ident, datetime(2026, 11, 30, 9, 10, tzinfo=UTC))
    assert (first.stored.new, first.stored.unmatched) == (1, 1)
    assert unchanged.ok and unchanged.stored.received == 0  # 304: nothing fetched
    assert changed.stored.new == 1 and changed.stored.repeated == 1
    rows = _mentions(sandbox)
    assert len(rows) == 2
    leak = next(row for row in rows if "Datenleck" in row.text)
    assert leak.text == "Datenleck bei Northwind? — Kunden berichten von gestohlenen Daten"
    assert leak.language == "de" and leak.platform == "feed"
    assert leak.created_at.replace(tzinfo=UTC) == published
    assert leak.sentiment is not None and leak.negative


def test_a_page_that_is_not_a_feed_and_a_server_error_are_reported(sandbox):
    with FakeFeed() as feed:
        configure(sandbox.core, [_monitor({"type": "feed", "url": f"{feed.url}/feed.xml"})])
        feed.body_override = b"<html><body>Maintenance <p>unclosed"
        broken = polling.poll(sandbox.core, "northwind:0:feed")
        feed.body_override = None
        feed.fail_with = 503
        down = polling.poll(sandbox.core, "northwind:0:feed")
    assert not broken.ok and "not an RSS or Atom feed" in broken.error
    assert not down.ok and "HTTP 503" in down.error
    with Session(sandbox.core.engine) as session:
        state = session.get(ConnectorState, "northwind:0:feed")
    assert state.failures == 2 and "HTTP 503" in state.last_error


def test_an_unreachable_platform_is_a_failure(sandbox):
    configure(sandbox.core, [_monitor({"type": "feed", "url": "http://127.0.0.1:9/feed.xml"})])
    result = polling.poll(sandbox.core, "northwind:0:feed")
    assert not result.ok and result.error
