"""An incident's legal clocks against a real SQLite file: labels start them, people start, correct and stop them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import Session

import app.models  # noqa: F401  (every table, before freezegun patches datetime)
from app import migrate
from app.alerts.models import Alert
from app.db import make_engine, transaction
from app.incidents import clocks, timeline
from app.incidents import service as incidents
from app.incidents.clocks import ClockError
from app.playbooks import load_playbooks

DIRECTORY = Path(__file__).resolve().parent.parent / "playbooks"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def playbooks():
    return load_playbooks(DIRECTORY)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def open_with_alert(engine, playbook, labels: dict[str, str], kind: str = "hacked-account") -> int:
    """An incident opened from an alert with ``labels``, its clocks started as at opening."""
    with transaction(engine) as session:
        incident = incidents.open_incident(session, playbook, title="Brand account posts phishing links", kind=kind,
                                           severity="critical", source="social-listening", now=START)
        session.add(Alert(incident_id=incident.id, source="social-listening", kind=kind, title=incident.title,
                          dedup_key=f"k{kind}", labels=labels, received_at=START))
        session.flush()
        clocks.start_matching(session, incident, playbook, by="alert", now=START)
        return incident.id


def running(engine, incident_id: int, playbook) -> dict[str, clocks.Clock]:
    with Session(engine) as session:
        incident = incidents.get(session, incident_id)
        return {clock.key: clock for clock in clocks.clocks(session, incident, playbook)}


def events(engine, incident_id: int, kind: str) -> list:
    with Session(engine) as session:
        return [e for e in timeline.all_events(session, incident_id) if e.kind == kind]


def test_first_alert_labels_start_clocks_from_the_incident_start(engine, playbooks):
    breach = playbooks.get("personal-data-breach")
    incident_id = open_with_alert(engine, breach, {"nis2": "yes"}, kind="personal-data-breach")
    started = running(engine, incident_id, breach)
    assert started["gdpr-art33"].due_at == START + timedelta(hours=72)
    assert started["nis2-early-warning"].due_at == START + timedelta(hours=24)
    assert started["nis2-notification"].due_at == START + timedelta(hours=72)
    assert "dora-initial" not in started and "cyber-insurer" not in started  # their labels are not set
    assert started["gdpr-art33"].remind_before == (timedelta(hours=24), timedelta(hours=4), timedelta(hours=1))
    assert list(started) == sorted(started, key=lambda key: (started[key].due_at, key))  # soonest first
    assert len(events(engine, incident_id, "clock_started")) == len(started)


def test_a_label_set_mid_incident_starts_the_gdpr_clock_from_then(engine, playbooks):
    account = playbooks.get("account-compromise")
    incident_id = open_with_alert(engine, account, {"platform": "instagram"})
    assert running(engine, incident_id, account) == {}

    later = START + timedelta(hours=3)
    with freeze_time(later), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        started = clocks.set_label(session, incident, account, "Personal_Data", " Yes ", by="U0DPO")
    assert [row.key for row in started] == ["gdpr-art33"]

    gdpr = running(engine, incident_id, account)["gdpr-art33"]
    assert gdpr.started_at == later and gdpr.due_at == later + timedelta(hours=72)
    (label,) = events(engine, incident_id, "label")
    assert label.text == "personal_data=Yes" and label.actor == "U0DPO"
    (start,) = events(engine, incident_id, "clock_started")
    assert start.data["key"] == "gdpr-art33" and start.actor == "U0DPO" and "2026-11-26 12:00 UTC" in start.text

    with freeze_time(later + timedelta(minutes=5)), transaction(engine) as session:  # again: nothing new starts
        incident = incidents.get(session, incident_id)
        assert clocks.set_label(session, incident, account, "personal_data", "yes", by="U0DPO") == []
    assert len(events(engine, incident_id, "clock_started")) == 1
    assert len(events(engine, incident_id, "label")) == 1  # the same value in another case changes nothing
    with Session(engine) as session:
        assert clocks.labels(session, incident_id) == {"platform": "instagram", "personal_data": "Yes"}

    with freeze_time(later + timedelta(hours=1)), transaction(engine) as session:  # a change stops nothing
        incident = incidents.get(session, incident_id)
        assert clocks.set_label(session, incident, account, "personal_data", "no", by="U0DPO") == []
    assert events(engine, incident_id, "label")[-1].text == "personal_data: Yes -> no"
    assert "gdpr-art33" in running(engine, incident_id, account)


def test_a_label_can_give_the_awareness_time(engine, playbooks):
    account = playbooks.get("account-compromise")
    incident_id = open_with_alert(engine, account, {})
    aware = START + timedelta(minutes=40)
    with freeze_time(START + timedelta(hours=2)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        clocks.set_label(session, incident, account, "personal_data", "yes", by="U0DPO", aware_at=aware)
    assert running(engine, incident_id, account)["gdpr-art33"].due_at == aware + timedelta(hours=72)


def test_correcting_the_awareness_time_moves_the_deadline(engine, playbooks):
    breach = playbooks.get("personal-data-breach")
    incident_id = open_with_alert(engine, breach, {}, kind="personal-data-breach")
    earlier = START - timedelta(hours=5)
    with freeze_time(START + timedelta(hours=1)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        row = clocks.correct_clock(session, incident, "gdpr-art33", earlier, by="U0DPO",
                                   reason="the SIEM alert fired at 04:00; we knew then")
        assert row.started_at == earlier
    gdpr = running(engine, incident_id, breach)["gdpr-art33"]
    assert gdpr.started_at == earlier and gdpr.due_at == earlier + timedelta(hours=72)
    (event,) = events(engine, incident_id, "clock_corrected")
    assert event.data["old_due_at"] == (START + timedelta(hours=72)).isoformat()
    assert event.data["due_at"] == (earlier + timedelta(hours=72)).isoformat()
    assert event.data["reason"] == "the SIEM alert fired at 04:00; we knew then"
    assert "awareness 2026-11-23 09:00 UTC -> 2026-11-23 04:00 UTC" in event.text


def test_stopping_needs_a_reason_and_a_stopped_clock_can_start_again(engine, playbooks):
    breach = playbooks.get("personal-data-breach")
    incident_id = open_with_alert(engine, breach, {}, kind="personal-data-breach")
    stop_at = START + timedelta(hours=30)
    with freeze_time(stop_at), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        with pytest.raises(ClockError, match="needs a reason"):
            clocks.stop_clock(session, incident, "gdpr-art33", by="U0DPO", reason="  ")
        clocks.stop_clock(session, incident, "gdpr-art33", by="U0DPO", reason="authority notified, ref. BfDI-2026-114")
    assert "gdpr-art33" not in running(engine, incident_id, breach)
    (event,) = events(engine, incident_id, "clock_stopped")
    assert event.text.endswith("stopped 1d 18h before the deadline: authority notified, ref. BfDI-2026-114")
    with Session(engine) as session:
        stopped = clocks.get_clock(session, incidents.get(session, incident_id), breach, "gdpr-art33")
    assert stopped.stopped_at == stop_at and not stopped.running

    with freeze_time(stop_at + timedelta(hours=1)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        with pytest.raises(ClockError, match="was stopped at 2026-11-24 15:00 UTC"):
            clocks.stop_clock(session, incident, "gdpr-art33", by="U0DPO", reason="again")
        assert clocks.start_matching(session, incident, breach, by="alert") == []  # labels never restart it
        clocks.start_clock(session, incident, breach, "gdpr-art33", by="U0DPO",
                           reason="a second data set was found", aware_at=stop_at)
    assert running(engine, incident_id, breach)["gdpr-art33"].due_at == stop_at + timedelta(hours=72)


def test_starting_a_clock_by_hand(engine, playbooks):
    account = playbooks.get("account-compromise")
    incident_id = open_with_alert(engine, account, {})
    with freeze_time(START + timedelta(hours=1)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        row = clocks.start_clock(session, incident, account, "cyber-insurer", by="U0LEAD",
                                 reason="the policy covers account takeover")
        assert row.due_at == START + timedelta(hours=25)
        with pytest.raises(ClockError, match="already running since 2026-11-23 10:00 UTC"):
            clocks.start_clock(session, incident, account, "cyber-insurer", by="U0LEAD", reason="twice")
        with pytest.raises(ClockError, match="has no clock 'ccpa'.*gdpr-art33"):
            clocks.start_clock(session, incident, account, "ccpa", by="U0LEAD", reason="why not")
        with pytest.raises(ClockError, match="in the future"):
            clocks.start_clock(session, incident, account, "gdpr-art33", by="U0LEAD", reason="r",
                               aware_at=START + timedelta(hours=2))
    (event,) = events(engine, incident_id, "clock_started")
    assert event.data["reason"] == "the policy covers account takeover"


def test_errors_name_what_was_wrong_and_change_nothing(engine, playbooks):
    account = playbooks.get("account-compromise")
    incident_id = open_with_alert(engine, account, {})
    with freeze_time(START + timedelta(minutes=10)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        with pytest.raises(ClockError, match="bad label name 'personal data'"):
            clocks.set_label(session, incident, account, "personal data", "yes", by="U0DPO")
        with pytest.raises(ClockError, match="needs a value"):
            clocks.set_label(session, incident, account, "personal_data", "", by="U0DPO")
        with pytest.raises(ClockError, match="at most 100"):
            clocks.set_label(session, incident, account, "note", "x" * 101, by="U0DPO")
        with pytest.raises(ClockError, match="2026-11-23 10:00 UTC is in the future"):
            clocks.set_label(session, incident, account, "personal_data", "yes", by="U0DPO",
                             aware_at=START + timedelta(hours=1))
        with pytest.raises(ClockError, match="no clock 'gdpr-art33' has started.*running clocks: none"):
            clocks.correct_clock(session, incident, "gdpr-art33", START, by="U0DPO", reason="r")
    with Session(engine) as session:
        assert clocks.labels(session, incident_id) == {}
    assert events(engine, incident_id, "label") == []


def test_a_closed_incident_keeps_its_clocks_as_they_were(engine, playbooks):
    breach = playbooks.get("personal-data-breach")
    incident_id = open_with_alert(engine, breach, {}, kind="personal-data-breach")
    with transaction(engine) as session:
        incidents.close(session, incidents.get(session, incident_id), "Notified, contained", by="U0LEAD")
    with transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        with pytest.raises(ClockError, match="is closed"):
            clocks.stop_clock(session, incident, "gdpr-art33", by="U0DPO", reason="done")
        with pytest.raises(ClockError, match="is closed"):
            clocks.set_label(session, incident, breach, "nis2", "yes", by="U0DPO")
        assert clocks.add_alert_labels(session, incident, breach, {"nis2": "yes"}) == []
    assert list(running(engine, incident_id, breach)) == ["gdpr-art33"]


def test_later_alerts_add_labels_but_never_override_a_person(engine, playbooks):
    breach = playbooks.get("personal-data-breach")
    incident_id = open_with_alert(engine, breach, {}, kind="personal-data-breach")
    with freeze_time(START + timedelta(hours=1)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        clocks.set_label(session, incident, breach, "dora", "no", by="U0LEGAL")
    with freeze_time(START + timedelta(hours=2)), transaction(engine) as session:
        incident = incidents.get(session, incident_id)
        started = clocks.add_alert_labels(session, incident, breach, {"dora": "yes", "cyber_insurance": "yes"})
    assert [row.key for row in started] == ["cyber-insurer"]
    with Session(engine) as session:
        assert clocks.labels(session, incident_id) == {"dora": "no", "cyber_insurance": "yes"}
    insurer = running(engine, incident_id, breach)["cyber-insurer"]
    assert insurer.started_at == START + timedelta(hours=2)


def test_stored_clocks_agree_with_the_playbook_computation(engine, playbooks):
    """The one computation: what the playbook says for the labels is what the incident stores at opening."""
    recall = playbooks.get("product-recall")
    labels = {"food": "yes", "cyber_insurance": "no"}
    incident_id = open_with_alert(engine, recall, labels, kind="recall")
    with Session(engine) as session:
        incident = incidents.get(session, incident_id)
        computed = clocks.clocks_for(incident, recall, clocks.first_labels(session, incident_id))
        stored = clocks.clocks(session, incident, recall)
    assert {c.key: c.due_at for c in computed} == {c.key: c.due_at for c in stored}
    assert {c.key for c in stored} == {d.key for d in recall.deadlines_for(labels)}
    assert "food-authority" in {c.key for c in stored}


def test_reminder_jobs_follow_the_due_time(engine, playbooks):
    breach = playbooks.get("personal-data-breach")
    incident_id = open_with_alert(engine, breach, {}, kind="personal-data-breach")
    gdpr = running(engine, incident_id, breach)["gdpr-art33"]
    jobs = clocks.reminder_jobs(incident_id, gdpr, now=START + timedelta(hours=50))
    due = int(gdpr.due_at.timestamp())
    assert [(job_id, when) for job_id, when, _, _ in jobs] == [
        (f"inc{incident_id}:clock:gdpr-art33:{due}:14400", gdpr.due_at - timedelta(hours=4)),
        (f"inc{incident_id}:clock:gdpr-art33:{due}:3600", gdpr.due_at - timedelta(hours=1)),
        (f"inc{incident_id}:clock:gdpr-art33:{due}:0", gdpr.due_at),
    ]  # the 24-hours-before reminder has passed
    assert jobs[-1][2:] == ("clock", {"incident_id": incident_id, "key": "gdpr-art33", "before": 0, "due": due})
    stopped = clocks.Clock(**{**gdpr.__dict__, "stopped_at": START})
    assert clocks.reminder_jobs(incident_id, stopped, now=START) == []


def test_rescheduling_on_the_real_scheduler(tmp_path, playbooks):
    from app.sandbox.harness import Sandbox
    from app.scheduling.scheduler import Scheduler
    from tests.conftest import open_room

    with freeze_time(START):
        box = Sandbox(tmp_path / "box", serve=False)
        try:
            Scheduler(box.core)
            incident = open_room(box, kind="hacked-account", title="Brand account posts phishing links",
                                 dedup_key="acc")
            account = box.core.playbooks.get(incident.playbook_id)
            with transaction(box.core.engine) as session:
                row = incidents.get(session, incident.id)
                (started,) = clocks.set_label(session, row, account, "personal_data", "yes", by="U0DPO")
                gdpr = clocks.as_clock(started, account)
            assert clocks.schedule_reminders(box.core.scheduler, incident.id, gdpr) == 4
            first = box.core.scheduler.job_ids(clocks.job_prefix(incident.id, "gdpr-art33"))
            assert len(first) == 4

            with transaction(box.core.engine) as session:
                row = incidents.get(session, incident.id)
                corrected = clocks.as_clock(clocks.correct_clock(session, row, "gdpr-art33", START - timedelta(hours=2),
                                                                 by="U0DPO", reason="first DM at 07:00"), account)
            clocks.schedule_reminders(box.core.scheduler, incident.id, corrected)
            second = box.core.scheduler.job_ids(clocks.job_prefix(incident.id, "gdpr-art33"))
            assert len(second) == 4 and not set(first) & set(second)

            with transaction(box.core.engine) as session:
                row = incidents.get(session, incident.id)
                done = clocks.as_clock(clocks.stop_clock(session, row, "gdpr-art33", by="U0DPO", reason="no data left"),
                                       account)
            assert clocks.schedule_reminders(box.core.scheduler, incident.id, done) == 0
            assert box.core.scheduler.job_ids(clocks.job_prefix(incident.id, "gdpr-art33")) == []
        finally:
            box.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:40", datetime(2026, 11, 23, 7, 40, tzinfo=UTC)),  # Berlin is UTC+1 in November
        ("23:30", datetime(2026, 11, 22, 22, 30, tzinfo=UTC)),  # later than now today: yesterday evening
        ("2026-11-20 08:40", datetime(2026, 11, 20, 7, 40, tzinfo=UTC)),
        ("2026-11-20T07:40:00+00:00", datetime(2026, 11, 20, 7, 40, tzinfo=UTC)),
        ("90m ago", START - timedelta(minutes=90)),
        (" 2h ago ", START - timedelta(hours=2)),
    ],
)
def test_awareness_times_as_people_write_them(text, expected):
    assert clocks.parse_time(text, "Europe/Berlin", now=START) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", "cannot read the time 'tomorrow'"),
        ("25:10", "no such time of day"),
        ("soon ago", "cannot read 'soon ago'"),
        ("2026-11-24 08:00", "is in the future"),
    ],
)
def test_unreadable_or_future_times_are_refused(text, message):
    with pytest.raises(ClockError, match=message):
        clocks.parse_time(text, "Europe/Berlin", now=START)
