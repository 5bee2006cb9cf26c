"""Signals raised through the alert intake: a spike on a quiet stream opens a war room with the figures and
the top posts (escaped in Slack, no author handles), severity follows the size, repeats are held back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import Session, select

from app.alerts.models import Alert
from app.incidents.models import Incident
from app.monitoring import detection, jobs, signals, trend
from app.monitoring.definitions import Monitor
from app.monitoring.intake import PostIn
from app.monitoring.models import Mention, MentionRollup, MonitorSignal
from app.monitoring.runtime import configure
from app.monitoring.store import store_posts
from app.sandbox.harness import ALERT_TOKEN
from app.status import brief, digests
from app.status.listeners import incident_status
from tests.test_intake import wait_ready

NOW = datetime.now(UTC).replace(second=30, microsecond=0)


def _monitor() -> Monitor:
    return Monitor.model_validate({
        "id": "northwind", "title": "Northwind Outdoor",
        "terms": {"brand": {"en": ["Northwind"], "de": ["Northwind"]}},
        "risk_terms": {"min_posts": 3, "terms": {"en": ["boycott"], "de": ["Boykott"]}},
        "signals": {"volume": {"kind": "shitstorm"}, "negative": {"kind": "shitstorm"},
                    "reach": {"kind": "viral-complaint", "followers": 100_000}}})


@pytest.fixture
def box(sandbox):
    configure(sandbox.core, [_monitor()])
    return sandbox


def quiet_week(box, per_minute: int = 1, days: int = 8) -> None:
    """Rollups of a quiet stream: ``per_minute`` mentions every minute of the last ``days`` days but the last 10."""
    end = NOW.replace(second=0) - timedelta(minutes=10)
    rows = [{"monitor_id": "northwind", "minute": end - timedelta(minutes=m), "mentions": per_minute,
             "scored": per_minute, "negative": 0, "risky": 0, "reach": 100} for m in range(1, days * 1440)]
    with Session(box.core.engine) as session:
        session.execute(MentionRollup.__table__.insert(), rows)
        session.commit()


def spike_posts(count: int, *, start: int = 0, loud_followers: int = 0) -> list[PostIn]:
    texts = ["Northwind lied to us, boycott them now", "Northwind's new ad is disgusting and racist",
             "Worst brand ever, Northwind <!channel> look at this",
             "Northwind: never again, terrible service @ann@x.social"]
    posts = [PostIn(platform="mastodon", post_id=f"s{start + i}", text=texts[i % len(texts)], language="en",
                    created_at=NOW - timedelta(minutes=9) + timedelta(seconds=i * 540 // count),
                    author=f"angry_author_{i}", followers=50 + i, likes=i % 5,
                    url=f"https://x.social/@angry_author_{i}/{start + i}")
             for i in range(count)]
    if loud_followers:
        posts[0].followers = loud_followers
    return posts


def _wait_room(box, incident_id: int) -> Incident:
    def ready():
        with Session(box.core.engine) as session:
            incident = session.get(Incident, incident_id)
            return incident if incident.phase == "active" else None

    return box.fake.wait_for(ready, timeout=10)


def test_a_spike_opens_a_room_with_figures_and_escaped_top_posts(box):
    quiet_week(box)
    assert signals.evaluate_monitor(box.core, _monitor(), NOW) == []  # quiet: nothing raised
    sent = box.http.post("/mentions", headers={"Authorization": f"Bearer {ALERT_TOKEN}"}, json={"mentions": [
        {**post.__dict__, "created_at": post.created_at.isoformat()}
        for post in spike_posts(60, loud_followers=250_000)]})
    assert sent.status_code == 202 and sent.json()["new"] == 60
    raised = {r.kind: r for r in signals.evaluate_monitor(box.core, _monitor(), NOW)}
    assert set(raised) == {"shitstorm", "viral-complaint"}
    storm = raised["shitstorm"]
    assert storm.signals == ["volume", "negative"] and storm.status == "opened"
    assert storm.severity == "critical"  # 6x the baseline is high; risk terms in many posts lift it one level
    assert raised["viral-complaint"].severity == "high"  # under 10x the follower threshold: medium, lifted

    with Session(box.core.engine) as session:
        alert = session.get(Alert, storm.alert_id)
        signal = session.exec(select(MonitorSignal).where(MonitorSignal.kind == "shitstorm")).one()
    assert alert.source == "monitoring" and alert.dedup_key == "monitor:northwind:shitstorm"
    assert alert.metrics["volume_ratio"] == pytest.approx(6.0, rel=0.05)
    with Session(box.core.engine) as session:  # complete minutes only: the running one is not counted yet
        negative = len(session.exec(select(Mention).where(Mention.negative,
                                                          Mention.created_at < NOW.replace(second=0))).all())
    scored = alert.metrics["negative_scored"]  # the spike's negative posts and the quiet hour's neutral ones
    assert 40 <= negative == alert.metrics["negative_negative"]
    assert alert.metrics["negative_negative_share"] == round(negative / scored, 3)
    assert "Top posts, as received:" in alert.description and "<!channel>" in alert.description  # as received
    everything = alert.description + alert.title + json.dumps(alert.raw)
    assert "angry_author" not in everything and "@ann" not in everything  # never a handle, not even in a link
    assert "terrible service @…" in alert.description  # the post quoted, its handle masked
    assert signal.incident_id == storm.incident_id
    # The room's status shows the mention trend of the monitor that raised it.
    shown = json.dumps(incident_status(box.core, storm.incident_id)["blocks"])
    assert "Mentions per 15 min (northwind)" in shown
    # ... and the executives' digest carries it too.
    assert digests.send(box.core, storm.incident_id) >= 1
    assert box.core.effects.drain()  # the digest is delivered from the outbox
    assert any("Mentions per 15 min (northwind)" in json.dumps(m.blocks or []) for m in box.fake.dms("U0CEO"))
    ready = wait_ready(box, storm.incident_id)  # and the leadership brief posted in the room
    brief.deliver(box.core, storm.incident_id, ready.channel_id, by="U0LEAD")
    assert box.core.effects.drain()  # the brief is delivered from the outbox
    assert any("Mentions per 15 min (northwind)" in json.dumps(m.blocks or [])
               for m in box.fake.messages(ready.channel_id))

    incident = _wait_room(box, storm.incident_id)
    assert incident.playbook_id == "shitstorm" and incident.severity == "critical"
    posted = " ".join(m.text + json.dumps(m.blocks or []) for m in box.fake.messages(incident.channel_id))
    assert "Worst brand ever" in posted
    assert "<!channel>" not in posted and "&lt;!channel&gt;" in posted  # shown, never pinging


def test_a_signal_is_raised_again_only_when_larger_or_after_the_cool_down(box):
    quiet_week(box)
    store_posts(box.core, spike_posts(36), NOW)  # about 3.5x: a medium volume spike, lifted by the risk terms
    [first] = signals.evaluate_monitor(box.core, _monitor(), NOW)
    assert first.kind == "shitstorm" and first.severity == "high"
    assert signals.evaluate_monitor(box.core, _monitor(), NOW + timedelta(seconds=20)) == []  # same size: held back
    store_posts(box.core, spike_posts(60, start=100), NOW + timedelta(seconds=25))
    [larger] = signals.evaluate_monitor(box.core, _monitor(), NOW + timedelta(seconds=25))
    assert larger.severity == "critical" and larger.status == "attached" and larger.incident_id == first.incident_id
    later = signals.evaluate_monitor(box.core, _monitor(), NOW + timedelta(minutes=61, seconds=-5))
    assert [r.status for r in later] in ([], ["attached"])  # only the negative share may still hold then


def test_the_daily_rhythm_is_not_a_spike(box):
    """Evenings bring 6x the night's mentions every day: an evening like the others raises nothing."""
    end = NOW.replace(second=0)
    rows = []
    for m in range(1, 8 * 1440):
        minute = end - timedelta(minutes=m)
        busy = 18 <= minute.hour < 22
        rows.append({"monitor_id": "northwind", "minute": minute, "mentions": 6 if busy else 1, "scored": 0,
                     "negative": 0, "risky": 0, "reach": 0})
    with Session(box.core.engine) as session:
        session.execute(MentionRollup.__table__.insert(), rows)
        session.commit()
    evening = end.replace(hour=20, minute=0)
    if evening > end:
        evening -= timedelta(days=1)
    with Session(box.core.engine) as session:
        counts = signals.counts(session, "northwind", evening, 7 * 1440 + 40)

    assert detection.volume(counts, evening, window=10, z=5, min_ratio=2, min_mentions=8) is None


def test_retention_deletes_raw_posts_and_keeps_rollups(make_sandbox):
    box = make_sandbox("retention", serve=False)  # the clock is frozen: no server threads
    configure(box.core, [_monitor()])
    written = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    with freeze_time(written + timedelta(minutes=5)):
        store_posts(box.core, [PostIn(platform="x", post_id="old", text="Northwind old news", created_at=written),
                               PostIn(platform="x", post_id="new", text="Northwind", created_at=written)])
    with Session(box.core.engine) as session:
        session.exec(select(Mention).where(Mention.post_id == "new")).one().created_at = written + timedelta(days=20)
        session.commit()
    with freeze_time(written + timedelta(days=30, hours=1)):
        assert jobs.enforce_retention(box.core) == (1, 0)
    with Session(box.core.engine) as session:
        assert [m.post_id for m in session.exec(select(Mention)).all()] == ["new"]
        assert session.exec(select(MentionRollup)).one().mentions == 2  # the per-minute count stays
    with freeze_time(written + timedelta(days=401)):
        assert jobs.enforce_retention(box.core) == (1, 1)


def test_the_trend_since_the_room_opened(box):
    quiet_week(box)
    store_posts(box.core, spike_posts(60), NOW)
    raised = signals.evaluate_monitor(box.core, _monitor(), NOW)
    result = trend.trend(box.core, raised[0].incident_id, NOW + timedelta(minutes=40))
    assert result is not None and result.monitor_id == "northwind"
    assert sum(count for _, count, _ in result.buckets) >= 60 + 50  # the spike and the quiet hour before it
    assert result.peak >= 30 and result.latest < 15 and result.direction == "falling"
    assert "Mentions per 15 min" in result.line()
    assert trend.trend(box.core, 999) is None


def test_the_jobs_plan_their_next_run(make_sandbox):
    from app.scheduling import registry
    from app.scheduling.scheduler import Scheduler

    box = make_sandbox("jobs", serve=False)
    configure(box.core, [_monitor()])
    jobs.register_handlers(registry.register)
    scheduler = Scheduler(box.core, start=False)
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    with freeze_time(start):
        jobs.plan(box.core)
        assert set(scheduler.job_ids("monitor:")) == {jobs.EVALUATE_ID, jobs.RETENTION_ID}
        registry.handler_for(jobs.EVALUATE)(box.core)  # what the scheduler runs when the job is due
        registry.handler_for(jobs.RETENTION)(box.core)
    assert scheduler.job(jobs.EVALUATE_ID).due_at.replace(tzinfo=UTC) == start + jobs.EVALUATE_EVERY
    assert scheduler.job(jobs.RETENTION_ID).due_at.replace(tzinfo=UTC) == start + jobs.RETENTION_EVERY


def test_a_rise_of_negative_posts_raises_the_alert_before_all_mentions_stand_out(box):
    """A week of 6 mentions a minute, one of them negative; then for 20 minutes 8 a minute, 4 of them negative:
    all mentions are up by a third (no spike), the negative ones fourfold."""
    end = NOW.replace(second=0)
    rows = [{"monitor_id": "northwind", "minute": end - timedelta(minutes=m), "mentions": 8 if m <= 20 else 6,
             "scored": 8 if m <= 20 else 6, "negative": 4 if m <= 20 else 1, "risky": 0, "reach": 100}
            for m in range(1, 8 * 1440)]
    with Session(box.core.engine) as session:
        session.execute(MentionRollup.__table__.insert(), rows)
        session.commit()
    with Session(box.core.engine) as session:
        findings, _ = signals.assess(session, _monitor(), NOW)
        assert detection.volume(signals.counts(session, "northwind", end, 8 * 1440 - 1), end, window=10, z=4.4,
                                h=detection.cusum_h(0.05), min_ratio=2.0,
                                min_mentions=8) is None  # all mentions: nothing unusual
    [rise] = [f for f in findings if f.signal == "negative_volume"]
    assert rise.kind == "shitstorm" and rise.figures["ratio"] == pytest.approx(4.0, rel=0.1)
    assert rise.summary.startswith("negative posts: ")
    [raised] = [r for r in signals.evaluate_monitor(box.core, _monitor(), NOW) if r.kind == "shitstorm"]
    assert "negative_volume" in raised.signals
    with Session(box.core.engine) as session:
        alert = session.get(Alert, raised.alert_id)
    assert "negative posts rising" in alert.title and alert.metrics["negative_volume_ratio"] >= 3.5



@pytest.mark.parametrize(("needs", "raised"), [
    ("negative-and-risky", {"accuses"}),
    ("negative-or-risky", {"complains", "accuses", "recalls"}),
    ("negative", {"complains", "accuses"}),
    ("risky", {"accuses", "recalls"}),
])
def test_a_large_accounts_post_counts_for_reach_only_when_it_carries_what_the_monitor_needs(make_sandbox, needs,
                                                                                               raised):
    """A big account praising the brand is no crisis, whatever the rule; a complaint that names a risk (a leak) is,
    under each rule. Each post mentions its own brand, watched by its own monitor (as read from a file)."""
    posts = {"praises": "{brand} makes the best jackets, I love them",
             "complains": "{brand}'s service is terrible and slow, awful",
             "accuses": "{brand} leaked our data, terrible and awful",
             "recalls": "{brand} announces a recall of its jackets"}
    box = make_sandbox(f"reach-{needs}")
    monitors = {name: Monitor.model_validate({
        "id": name, "title": name.title(), "terms": {"brand": {"en": [f"Brand{name}"]}},
        "risk_terms": {"terms": {"en": ["leaked", "recall"]}},
        "signals": {"reach": {"kind": "viral-complaint", "followers": 100_000, "needs": needs}}}) for name in posts}
    configure(box.core, list(monitors.values()))
    sent = box.http.post("/mentions", headers={"Authorization": f"Bearer {ALERT_TOKEN}"}, json={"mentions": [{
        "platform": "mastodon", "post_id": name, "author": "big@x.social", "followers": 400_000,
        "text": text.format(brand=f"Brand{name}"), "language": "en",
        "created_at": (NOW - timedelta(minutes=3)).isoformat(), "likes": 2} for name, text in posts.items()]})
    assert sent.status_code == 202 and sent.json()["new"] == 4
    with Session(box.core.engine) as session:  # what the intake scored: the rule is read on these marks
        marks = {m.monitor_id: (m.negative, m.risky) for m in session.exec(select(Mention)).all()}
    assert marks == {"praises": (False, False), "complains": (True, False), "accuses": (True, True),
                     "recalls": (False, True)}
    for monitor in monitors.values():
        # The server's own minute job may evaluate the same monitor at the same moment: whichever comes first
        # raises the alert, the other finds it raised (within its cool-down) or attaches to its incident.
        found = signals.evaluate_monitor(box.core, monitor, NOW)
        assert [(r.kind, r.signals, r.severity) for r in found] in ([], [("viral-complaint", ["reach"], "medium")])
    with Session(box.core.engine) as session:  # one incident for each monitor whose post counted, no other
        keys = sorted(session.exec(select(Incident.dedup_key)).all())
        labels = {a.labels["monitor"]: a.labels["signals"] for a in session.exec(select(Alert)).all()}
    assert keys == sorted(f"monitor:{name}:viral-complaint" for name in raised)
    assert labels == dict.fromkeys(raised, "reach")
