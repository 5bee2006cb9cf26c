"""The Bluesky connector (the atproto SDK) against a local fake of Bluesky's log-in and post search: posts stored
once, paged past a hundred, only newer ones asked for after the first poll; a wrong password or a missing
credential, a rate limit and a server error back off and show in /healthz and /metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.monitoring import polling
from app.monitoring.definitions import Monitor
from app.monitoring.fakes import FakeBluesky
from app.monitoring.models import Mention
from app.monitoring.runtime import configure

IDENT = "northwind:0:bluesky"
EARLIER = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _monitor(fake: FakeBluesky, **source) -> Monitor:
    return Monitor.model_validate({
        "id": "northwind", "title": "Northwind Outdoor",
        "terms": {"brand": {"en": ["Northwind"], "de": ["Northwind"]}},
        "sources": [{"type": "bluesky", "service_url": fake.url, "terms": ["northwind"],
                     "handle_env": "NW_BSKY_HANDLE", "password_env": "NW_BSKY_PASSWORD", **source}]})


def _mentions(box) -> list[Mention]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Mention).where(Mention.platform == "bluesky")).all())


@pytest.fixture
def bluesky(monkeypatch):
    monkeypatch.setenv("NW_BSKY_HANDLE", "warroom.bsky.social")
    monkeypatch.setenv("NW_BSKY_PASSWORD", "app-pass-1234")
    with FakeBluesky(handle="warroom.bsky.social", password="app-pass-1234") as fake:
        yield fake


def test_posts_are_stored_once_paged_and_asked_for_since_the_newest_seen(sandbox, bluesky):
    configure(sandbox.core, [_monitor(bluesky)])
    bluesky.post("My Northwind tent leaked all night @ann.bsky.social", handle="bob.bsky.social",
                 created_at=EARLIER, likes=7, reposts=2, quotes=1, replies=3, langs=["en-GB"])
    first = polling.poll(sandbox.core, IDENT)
    assert first.ok and first.stored.new == 1
    [stored] = _mentions(sandbox)
    assert stored.text == "My Northwind tent leaked all night @ann.bsky.social"
    assert (stored.likes, stored.shares, stored.replies) == (7, 3, 3)
    assert stored.language == "en" and stored.author == "bob.bsky.social"
    assert stored.created_at.replace(tzinfo=UTC) == EARLIER
    assert stored.url.startswith("https://bsky.app/profile/bob.bsky.social/post/")
    assert stored.post_id.startswith("at://did:plc:")
    assert bluesky.searches[0]["limit"] == "100" and "since" not in bluesky.searches[0]

    for number in range(230):  # more than two of Bluesky's 100-post pages
        bluesky.post(f"Northwind post {number}", created_at=EARLIER + timedelta(minutes=1, seconds=number))
    bluesky.post("nothing about the brand", created_at=EARLIER + timedelta(minutes=9))
    searches = len(bluesky.searches)
    second = polling.poll(sandbox.core, IDENT)
    assert second.ok and second.stored.new == 230
    assert len(bluesky.searches) - searches == 3  # pages of 100, 100 and 31 (the newest seen one again)
    assert all(s["since"] == EARLIER.isoformat().replace("+00:00", "Z") for s in bluesky.searches[searches:])
    again = polling.poll(sandbox.core, IDENT)
    assert again.ok and again.stored.new == 0 and len(_mentions(sandbox)) == 231


def test_a_wrong_password_backs_off_and_is_reported(sandbox, bluesky, monkeypatch):
    monkeypatch.setenv("NW_BSKY_PASSWORD", "wrong")
    configure(sandbox.core, [_monitor(bluesky, every_seconds=60)])
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    first = polling.poll(sandbox.core, IDENT, now)
    assert not first.ok and "Invalid identifier or password" in first.error
    assert first.next_attempt_at == now + timedelta(seconds=120)
    health = sandbox.http.get("/healthz").json()
    assert health["checks"]["connectors"]["connectors"][IDENT]["status"] == "failing"
    assert f'warroom_monitor_connector_up{{connector="{IDENT}",monitor="northwind"}} 0.0' in \
        sandbox.http.get("/metrics").text

    monkeypatch.setenv("NW_BSKY_PASSWORD", "app-pass-1234")
    bluesky.post("Northwind is fine", created_at=EARLIER)
    recovered = polling.poll(sandbox.core, IDENT, now + timedelta(minutes=3))
    assert recovered.ok and recovered.stored.new == 1 and polling.connector_health(sandbox.core).ok


def test_half_the_credentials_is_a_clear_error(sandbox, bluesky, monkeypatch):
    monkeypatch.delenv("NW_BSKY_PASSWORD")
    configure(sandbox.core, [_monitor(bluesky)])
    result = polling.poll(sandbox.core, IDENT)
    assert not result.ok and "NW_BSKY_PASSWORD is not set" in result.error
    assert bluesky.requests == 0


def test_searching_without_an_account_needs_no_log_in(sandbox, monkeypatch):
    monkeypatch.delenv("NW_BSKY_HANDLE", raising=False)
    monkeypatch.delenv("NW_BSKY_PASSWORD", raising=False)
    with FakeBluesky() as public:
        configure(sandbox.core, [_monitor(public, language="de")])
        public.post("Northwind Datenleck?", langs=["de"])
        public.post("Northwind in English", langs=["en"])
        result = polling.poll(sandbox.core, IDENT)
    assert result.ok and result.stored.new == 1 and public.searches[0]["lang"] == "de"
    assert _mentions(sandbox)[0].language == "de"


def test_a_rate_limit_and_a_server_error_are_failures(sandbox, bluesky):
    configure(sandbox.core, [_monitor(bluesky)])
    bluesky.fail_with = 502
    down = polling.poll(sandbox.core, IDENT)
    bluesky.fail_with = None
    bluesky.rate_limit = bluesky.requests  # used up
    limited = polling.poll(sandbox.core, IDENT)
    assert not down.ok and not limited.ok
    assert "RateLimitExceeded" in limited.error or "Rate Limit" in limited.error
    assert polling.connector_health(sandbox.core).connectors[IDENT]["failures"] == 2
