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
        "risk_terms": {"terms": {"en": ["boycott"]}},  # reach counts a negative post with a risk term
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


def _followers(box) -> dict[str, int]:
    return {m.text: m.followers for m in _mentions(box)}


def test_authors_of_the_posts_that_can_matter_get_their_follower_counts_batched_and_cached(sandbox, bluesky):
    """Search results carry no follower counts: the connector asks getProfiles for the authors of the most engaged
    posts and of those engaged enough to come from an account above the reach threshold, 25 at a time, and
    keeps the counts for an hour."""
    configure(sandbox.core, [_monitor(bluesky)])  # reach threshold 100,000 followers: 10 engagements or more
    bluesky.post("Northwind is terrible, boycott them", handle="famous.bsky.social", followers=480_000, likes=40,
                 reposts=9, created_at=datetime.now(UTC) - timedelta(minutes=10))
    for number in range(40):  # forty engaged authors: more than one getProfiles batch
        bluesky.post(f"Northwind broke again {number}", handle=f"fan{number}.bsky.social", followers=300 + number,
                     likes=10 + number, created_at=EARLIER + timedelta(seconds=number + 1))
    for number in range(30):  # thirty posts nobody engaged with: their authors are never asked about
        bluesky.post(f"Northwind quiet {number}", handle=f"quiet{number}.bsky.social", followers=5_000,
                     created_at=EARLIER + timedelta(minutes=2, seconds=number))
    now = datetime.now(UTC)
    first = polling.poll(sandbox.core, IDENT, now)
    assert first.ok and first.stored.new == 71
    followers = _followers(sandbox)
    assert followers["Northwind is terrible, boycott them"] == 480_000
    assert all(followers[f"Northwind broke again {n}"] == 300 + n for n in range(40))
    assert all(followers[f"Northwind quiet {n}"] == 0 for n in range(30))  # unknown, not asked for
    asked = [actor for request in bluesky.profile_requests for actor in request]
    assert [len(request) for request in bluesky.profile_requests] == [25, 16]
    assert len(set(asked)) == 41 and not any(bluesky.profiles[did]["handle"].startswith("quiet") for did in asked)

    # The loud post counts for reach: the monitor's signal sees its author's followers.
    from app.monitoring import signals

    with Session(sandbox.core.engine) as session:
        monitor = sandbox.core.monitoring.monitors["northwind"]
        findings, _ = signals.assess(session, monitor, now + timedelta(seconds=30))
    reach = [f for f in findings if f.signal == "reach"]
    assert reach and reach[0].figures["max_followers"] == 480_000

    # The next poll's authors are taken from the cache for an hour; after it they are asked for again.
    bluesky.post("Northwind boycott, day two", handle="famous.bsky.social", likes=70, created_at=now)
    requests = len(bluesky.profile_requests)
    assert polling.poll(sandbox.core, IDENT, now + timedelta(minutes=5)).stored.new == 1
    assert len(bluesky.profile_requests) == requests and _followers(sandbox)["Northwind boycott, day two"] == 480_000
    bluesky.post("Northwind boycott, day three", handle="famous.bsky.social", followers=520_000, likes=70,
                 created_at=now + timedelta(seconds=1))
    assert polling.poll(sandbox.core, IDENT, now + timedelta(minutes=61)).stored.new == 1
    assert bluesky.profile_requests[-1] == [bluesky.profile("famous.bsky.social")["did"]]
    assert _followers(sandbox)["Northwind boycott, day three"] == 520_000


def test_the_fake_refuses_more_than_25_actors_and_needs_the_session(bluesky):
    import httpx

    dids = [bluesky.profile(f"user{n}.bsky.social", 10 * n)["did"] for n in range(26)]
    url = f"{bluesky.url}/xrpc/app.bsky.actor.getProfiles"
    assert httpx.get(url, params={"actors": dids[:25]}).status_code == 401  # the fake has an account
    token = httpx.post(f"{bluesky.url}/xrpc/com.atproto.server.createSession",
                       json={"identifier": "warroom.bsky.social", "password": "app-pass-1234"}).json()["accessJwt"]
    signed = {"Authorization": f"Bearer {token}"}
    too_many = httpx.get(url, params={"actors": dids}, headers=signed)
    assert too_many.status_code == 400 and "more than 25" in too_many.json()["message"]
    assert httpx.get(url, headers=signed).status_code == 400  # no actors at all
    found = httpx.get(url, params={"actors": [*dids[:24], "did:plc:nobody"]}, headers=signed).json()["profiles"]
    assert len(found) == 24 and found[3]["followersCount"] == 30  # the unknown actor is left out
    by_handle = httpx.get(url, params={"actors": ["user7.bsky.social"]}, headers=signed).json()["profiles"]
    assert by_handle == [bluesky.profile("user7.bsky.social")]
