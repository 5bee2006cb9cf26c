"""What a room a monitor opened hears of its mentions: the trend in the headline briefing (sparklines, the last
hour's top posts, escaped and masked) and, once the mentions are back near the baseline for the monitor's
calm-down time, one suggestion to lower the severity or close, which changes nothing by itself."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.incidents.models import Incident, TimelineEvent
from app.monitoring import calm, signals, trend
from app.monitoring.models import CalmSuggestion, MentionRollup
from app.monitoring.runtime import configure
from app.monitoring.store import store_posts
from tests.test_intake import wait_ready
from tests.test_monitoring_signals import NOW, _monitor, quiet_week, spike_posts


@pytest.fixture
def box(sandbox):
    configure(sandbox.core, [_monitor()])
    return sandbox


def _raise(box) -> Incident:
    quiet_week(box)
    store_posts(box.core, spike_posts(60, loud_followers=250_000), NOW)
    raised = {r.kind: r for r in signals.evaluate_monitor(box.core, _monitor(), NOW)}
    return wait_ready(box, raised["shitstorm"].incident_id)


def _minutes(box, start, count: int, per_minute: int) -> None:
    """Rollups of ``per_minute`` mentions for ``count`` minutes from ``start``."""
    rows = [{"monitor_id": "northwind", "minute": start + timedelta(minutes=m), "mentions": per_minute,
             "scored": per_minute, "negative": 0, "risky": 0, "reach": 100} for m in range(count)]
    with Session(box.core.engine) as session:
        session.execute(MentionRollup.__table__.insert(), rows)
        session.commit()


def _said(box, channel: str, words: str) -> list:
    return [m for m in box.fake.messages(channel) if words in m.text]


def test_sparkline_runs_from_the_least_to_the_largest():
    assert trend.sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert trend.sparkline([5.0, None, 5.0]) == "▁·▁"  # no figure shows as a dot; a flat line sits low
    assert trend.sparkline([]) == "" and trend.sparkline([None]) == ""


def test_the_briefing_shows_the_trend_and_the_top_posts_escaped_and_masked(box):
    incident = _raise(box)
    before = json.dumps(box.fake.message(incident.channel_id, incident.briefing_ts).blocks)
    assert "Mentions per hour" not in before  # set up before any quarter hour of the trend was complete
    assert signals.refresh_briefings(box.core, "northwind") >= 1  # this room, and the viral complaint's if ready

    def refreshed():
        shown = json.dumps(box.fake.message(incident.channel_id, incident.briefing_ts).blocks, ensure_ascii=False)
        return shown if "Mentions per hour" in shown else None

    shown = box.fake.wait_for(refreshed, timeout=10)
    found = trend.overview(box.core, incident.id)
    assert found is not None and max(found.per_hour) >= 4 * 60  # the spike's quarter hour, as a rate per hour
    assert any(block in shown for block in "▁▂▃▄▅▆▇") and "█" in shown  # the quiet hour low, the spike high
    assert "Negative share" in shown and "Reach (followers)" in shown
    assert "Top posts of the last hour, as received" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown  # shown, never pinging
    assert "angry_author" not in shown and "@ann" not in shown and "terrible service @…" in shown
    # the briefing keeps its own sections and buttons around the trend
    blocks = box.fake.message(incident.channel_id, incident.briefing_ts).blocks
    assert blocks[-1]["type"] == "actions" and len(blocks) <= 50


def test_the_room_is_told_once_when_the_mentions_calm_down(box):
    incident = _raise(box)
    opened = incident.created_at.replace(tzinfo=NOW.tzinfo)
    start = NOW.replace(second=0) + timedelta(minutes=1)  # the spike's posts fill the minutes before
    _minutes(box, start, 20, 6)  # the storm goes on for 20 minutes at 6x
    _minutes(box, start + timedelta(minutes=20), 100, 1)  # then back to the usual one a minute
    # 40 minutes after the storm ended: not yet calm for the monitor's 60 minutes
    signals.evaluate_monitor(box.core, _monitor(), start + timedelta(minutes=60))
    with Session(box.core.engine) as session:
        assert session.exec(select(CalmSuggestion)).all() == []
    calm_at = max(start + timedelta(minutes=85), opened + timedelta(minutes=61))
    signals.evaluate_monitor(box.core, _monitor(), calm_at)
    with Session(box.core.engine) as session:
        [stored] = session.exec(select(CalmSuggestion).where(CalmSuggestion.incident_id == incident.id)).all()
        event = session.exec(select(TimelineEvent).where(TimelineEvent.kind == "monitor_calm",
                                                         TimelineEvent.incident_id == incident.id)).one()
    assert stored.incident_id == incident.id and stored.minutes == 60
    assert stored.mentions == 60 and stored.expected == pytest.approx(60, rel=0.1)
    assert event.incident_id == incident.id
    [told] = box.fake.wait_for(lambda: _said(box, incident.channel_id, "back near the baseline"), timeout=10)
    assert "60 min" in told.text and "lowering the severity or closing" in told.text
    peak = int(re.search(r"peak of (\d+)/h", told.text).group(1))
    assert 60 + 20 * 6 <= peak <= 60 + 20 * 6 + 40  # the hour of the spike and the storm after it
    # once: later evaluations say nothing more, and nothing was changed on the incident by itself
    signals.evaluate_monitor(box.core, _monitor(), calm_at + timedelta(minutes=5))
    assert len(_said(box, incident.channel_id, "back near the baseline")) == 1
    with Session(box.core.engine) as session:
        after = session.get(Incident, incident.id)
    assert after.status == "open" and after.severity == incident.severity


def test_calm_needs_every_window_near_the_baseline():
    week = [2] * (7 * 1440 + 180)
    end = NOW.replace(second=0)
    assert calm.calm_for(week, end, window=10, minutes=60, within=1.5).mentions == 120
    week[-25] = 30  # one window of the last hour at 2.5x: not calm yet
    assert calm.calm_for(week, end, window=10, minutes=60, within=1.5) is None
    assert calm.calm_for(week[:100], end, window=10, minutes=60, within=1.5) is None  # no baseline: no claim


def test_a_monitor_without_a_calm_setting_never_suggests(box):
    _raise(box)
    start = NOW.replace(second=0) + timedelta(minutes=1)
    _minutes(box, start, 120, 1)
    end = start + timedelta(minutes=120)
    with Session(box.core.engine) as session:
        counts = signals.counts(session, "northwind", end, 7 * 1440 + 300)
    quiet = _monitor().model_copy(update={"calm": None})
    assert calm.check(box.core, quiet, end, lambda minutes: counts[-minutes:]) == []
    told = calm.check(box.core, _monitor(), end, lambda minutes: counts[-minutes:])  # the same with the setting
    assert len(told) >= 1


def test_a_german_room_reads_its_trend_in_german(make_sandbox):
    """The briefing's sparklines, the status line, the brief and the digests follow the incident's language."""
    from app.status.listeners import incident_status

    box = make_sandbox("trend-de", warroom_language="de", warroom_timezone="Europe/Berlin")
    configure(box.core, [_monitor()])
    incident = _raise(box)
    assert incident.language == "de"
    assert signals.refresh_briefings(box.core, "northwind") >= 1

    def refreshed():
        shown = json.dumps(box.fake.message(incident.channel_id, incident.briefing_ts).blocks, ensure_ascii=False)
        return shown if "Erwähnungen pro Stunde" in shown else None

    shown = box.fake.wait_for(refreshed, timeout=10)
    assert "*Erwähnungen* (northwind, je Viertelstunde" in shown
    assert "Negativer Anteil" in shown and "Reichweite (Follower)" in shown and " jetzt, Spitze " in shown
    assert "Meistbeachtete Beiträge der letzten Stunde, wie empfangen:" in shown
    assert re.search(r"Negativer Anteil \S* \d+ % jetzt", shown)  # German percent: a space before the sign
    for english in ("Mentions per hour", "Negative share", "Reach (followers)", "Top posts of the last hour",
                    " now,", "peak "):
        assert english not in shown, english
    line = trend.trend(box.core, incident.id, NOW + timedelta(minutes=40)).line()
    assert line.startswith("Erwähnungen pro 15 Min. (northwind): ") and line.endswith(", fallend")
    status = json.dumps(incident_status(box.core, incident.id)["blocks"], ensure_ascii=False)
    assert "Erwähnungen pro 15 Min. (northwind)" in status and "Mentions per 15 min" not in status


def test_the_trend_starts_at_the_first_signal_of_the_incident_and_knows_its_language(box):
    from app.monitoring.trend import origin

    incident = _raise(box)
    with Session(box.core.engine) as session:
        found = origin(session, incident.id)
        assert origin(session, 999) is None
    assert found is not None and found.monitor_id == "northwind" and found.language == "en"
    opened = min(incident.created_at.replace(tzinfo=NOW.tzinfo), NOW)
    assert found.since == opened.replace(second=0, microsecond=0) - timedelta(hours=1)
    assert found.since.second == 0 and trend.trend(box.core, incident.id).since == found.since
