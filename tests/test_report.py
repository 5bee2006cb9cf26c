"""The post-incident report: figures of a scripted incident with known times, Markdown, chart, upload, CLI."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from app import migrate
from app.alerts.models import Alert
from app.db import make_engine, transaction
from app.decisions.models import Decision
from app.incidents import timeline
from app.incidents.models import Fact, Incident, TimelineEvent
from app.monitoring.models import MentionRollup, MonitorSignal
from app.reports import report
from app.reports.commands import report_command, stats_command
from app.reports.figures import duration_text, figures
from app.roles.models import RoleAssignment
from app.statements.models import Approval, Statement, StatementVersion
from app.tasks.models import Task
from tests.conftest import social_alert
from tests.test_intake import wait_ready

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def scripted(session: Session, *, playbook: str = "shitstorm", start: datetime = T0, approve_after: float = 41,
             title: str = "Backlash over the #WinterCampaign ad") -> int:
    """An incident whose every time is known (minutes after ``start``):

    alert 0 and 20, room ready 1.5, drafts 12 and 25, approved ``approve_after``, tasks due 5/10/30 (done 4, 15,
    open) plus one without a due time (done 20), two reminders, two decisions, closed at 120.
    """
    def m(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    incident = Incident(title=title, kind=playbook, severity="high", playbook_id=playbook, status="closed",
                        phase="closed", channel_name="storm-backlash", created_at=m(0), room_ready_at=m(1.5),
                        closed_at=m(120), closed_by="U0LEAD", summary="Apology published; volume back to normal.",
                        alert_count=2, description="Mentions jumped to 6x the baseline.")
    session.add(incident)
    session.flush()
    iid = incident.id
    for minute in (0, 20):
        session.add(Alert(incident_id=iid, source="social-listening", kind=playbook, title=f"Spike at {minute}",
                          dedup_key=f"k{iid}", received_at=m(minute), metrics={"negative_share": 0.58}))
        timeline.record(session, iid, "alert", f"Spike at {minute}", actor="social-listening", at=m(minute))
    timeline.record(session, iid, "opened", title, actor="social-listening", at=m(0))
    session.add(RoleAssignment(incident_id=iid, role="lead", user_id="U0LEAD", assigned_at=m(1)))
    session.add(RoleAssignment(incident_id=iid, role="comms", user_id="U0COMMS", assigned_at=m(1)))
    tasks = [("Pause scheduled posts", m(5), m(4), "U0SOCIAL"), ("Screenshot the post", m(10), m(15), "U0SOCIAL"),
             ("Customer service FAQ", m(30), None, None), ("Read the replies", None, m(20), "U0SOCIAL")]
    for title_, due, done, by in tasks:
        session.add(Task(incident_id=iid, title=title_, role="social", owner_id="U0SOCIAL", due_at=due, done_at=done,
                         done_by=by, created_at=m(0)))
    for minute, text in ((8, "Stop paid promotion"), (30, "Apologise for the ad")):
        session.add(Decision(incident_id=iid, text=text, decided_by="U0LEAD", decided_at=m(minute)))
        timeline.record(session, iid, "decision", text, actor="U0LEAD", at=m(minute))
    session.add(Fact(incident_id=iid, text="The ad ran from 1 to 20 November", added_by="U0COMMS", added_at=m(6)))
    for minute in (10, 16):
        timeline.record(session, iid, "reminder", "a task is overdue", actor="warroom", at=m(minute))
    statement = Statement(incident_id=iid, status="approved", created_at=m(12), approved_at=m(approve_after),
                          current_version=2)
    session.add(statement)
    session.flush()
    first = StatementVersion(statement_id=statement.id, number=1, variants={"x": "We hear you."}, created_at=m(12),
                             created_by="U0COMMS", approvers=["comms"])
    second = StatementVersion(statement_id=statement.id, number=2, variants={"x": "We hear you. | Sorry."},
                              created_at=m(25), created_by="U0COMMS", approvers=["comms"], method="edit")
    session.add_all([first, second])
    session.flush()
    session.add(Approval(version_id=first.id, step=0, role="comms", user_id="U0COMMS2", decision="changes_requested",
                         comment="Softer, please", at=m(20)))
    session.add(Approval(version_id=second.id, step=0, role="comms", user_id="U0COMMS2", decision="approved",
                         at=m(approve_after)))
    timeline.record(session, iid, "closed", incident.summary, actor="U0LEAD", at=m(120))
    return iid


def engine_at(database_url: str):
    """The test's database (SQLite, or PostgreSQL under .ci/postgres), migrated."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    return engine


def test_figures_of_a_scripted_incident(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    with Session(engine) as session:
        f = figures(report.report_record(session, iid))
    assert f.alert_to_room == timedelta(minutes=1, seconds=30)
    assert f.room_to_first_draft == timedelta(minutes=10, seconds=30)
    assert f.draft_to_approved == timedelta(minutes=29)
    assert f.start_to_first_statement == timedelta(minutes=41)
    assert f.first_statement_on_time is True and f.first_statement_minutes == 41
    assert (f.tasks_total, f.tasks_done, f.tasks_with_due, f.tasks_on_time) == (4, 3, 3, 1)
    assert f.reminders == 2
    assert (f.alerts, f.decisions, f.statements, f.versions) == (2, 2, 1, 2)
    assert f.duration == timedelta(hours=2)
    assert f.events == 8  # 2 alerts, opened, 2 decisions, 2 reminders, closed


def test_light_record_gives_the_same_figures(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    with Session(engine) as session:
        assert figures(report.report_record(session, iid, light=True)) == figures(report.report_record(session, iid))


def test_missed_target_and_missing_figures():
    record = {"incident": {"created_at": T0.isoformat(), "room_ready_at": None, "alert_count": 0},
              "alerts": [], "tasks": [], "timeline": [],
              "statements": [{"approved_at": at(75).isoformat(), "versions": [{"created_at": at(50).isoformat()}]}]}
    f = figures(record)
    assert f.first_statement_on_time is False and f.first_statement_minutes == 75
    assert f.alert_to_room is None and f.room_to_first_draft is None
    assert f.draft_to_approved == timedelta(minutes=25)
    never = figures({**record, "statements": []})
    assert never.first_statement_on_time is None and never.draft_to_approved is None


def test_duration_text():
    assert [duration_text(timedelta(seconds=s)) for s in (45, 90, 600, 3900, 93600)] == \
        ["45s", "1m 30s", "10m", "1h 05m", "1d 2h"]
    assert duration_text(None) == "-"


def test_markdown_report_and_chart(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    built = report.build(engine, iid, tz="Europe/Berlin", playbook_title="Shitstorm")
    md = built.markdown
    assert md.startswith("# Post-incident report: Backlash over the #WinterCampaign ad")
    for row in ("| Alert to room ready | 1m 30s |", "| Room ready to first draft | 10m 30s |",
                "| First draft to approved statement | 29m |",
                "| First statement within 60 minutes | met (41 min after the start) |",
                "| Tasks completed on time | 1 of 3 (33%) |", "| Reminders sent | 2 |"):
        assert row in md
    assert f"![Timeline](incident-{iid}-timeline.png)" in md
    assert "2026-11-20 10:08 CET, U0LEAD: Stop paid promotion" in md  # decisions with who and when (local time)
    assert "#### Version 2 (edit), U0COMMS, 2026-11-20 10:25 CET" in md
    assert "changes_requested by U0COMMS2: Softer, please" in md and "approved by U0COMMS2" in md
    assert "> We hear you. | Sorry." in md
    assert "| Screenshot the post | U0SOCIAL | 2026-11-20 10:10 CET | 2026-11-20 10:15 CET by U0SOCIAL | no |" in md
    assert "| Customer service FAQ | U0SOCIAL | 2026-11-20 10:30 CET | open | no |" in md
    assert "Apology published" in md
    assert built.png.startswith(PNG) and len(built.png) > 5000
    assert built.markdown_name == f"incident-{iid}-report.md"


def test_report_of_a_huge_incident_stays_bounded(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    rows = [{"incident_id": iid, "at": at(1 + n / 1000), "kind": "alert", "actor": "feed", "text": "spike", "data": {}}
            for n in range(3000)]
    with transaction(engine) as session:
        session.bulk_insert_mappings(TimelineEvent, rows)
    built = report.build(engine, iid)
    assert "the chart shows them per interval" in built.markdown
    assert built.markdown.count("| alert |") == 0
    assert built.figures.events == 3008


# mentions per minute (from, to, count), in minutes after T0: a rise, the peak, then the curve turns after the
# statement approved at minute 41
CURVE = [(-60, 0, 2), (0, 30, 20), (30, 45, 40), (45, 90, 10), (90, 135, 2)]


def with_curve(session: Session, iid: int) -> None:
    """A monitor raised the incident; its per-minute rollups follow ``CURVE`` (half of the posts negative)."""
    session.add(MonitorSignal(monitor_id="northwind", kind="shitstorm", severity="high", signals="volume",
                              fired_at=at(0), incident_id=iid))
    for start, end, count in CURVE:
        for minute in range(start, end):
            session.add(MentionRollup(monitor_id="northwind", minute=at(minute), mentions=count, scored=count,
                                      negative=count // 2))


def test_report_shows_the_mention_curve_with_decisions_and_the_statement_on_it(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
        with_curve(session, iid)
    built = report.build(engine, iid, tz="Europe/Berlin", playbook_title="Shitstorm")
    assert ("**Mentions:** at most 600 in a quarter hour (from 10:30 CET); 600 in the quarter hour the first "
            "statement was approved, 30 an hour later.") in built.markdown
    assert built.png.startswith(PNG)
    with transaction(engine) as session:
        other = scripted(session, start=T0 + timedelta(days=1))
    plain = report.build(engine, other, tz="Europe/Berlin")
    assert "**Mentions:**" not in plain.markdown and plain.png != built.png  # no monitor: alerts per interval


def test_without_matplotlib_the_report_carries_the_figure_table_and_says_why(database_url, tmp_path, monkeypatch):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
        with_curve(session, iid)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the charts extra were not installed
    built = report.build(engine, iid, tz="Europe/Berlin", playbook_title="Shitstorm")
    md = built.markdown
    assert built.png is None and "![Timeline]" not in md
    assert 'No chart: matplotlib is not installed (`pip install "warroom[charts]"`)' in md
    assert "| From | Mentions | Negative | What happened |" in md
    assert "| 09:00 CET | 30 | 50% | - |" in md  # the hour before the room opened
    assert "| 10:00 CET | 300 | 50% | decision, statement drafted |" in md  # a decision at 10:08, v1 at 10:12
    assert "| 10:15 CET | 300 | 50% | statement drafted |" in md  # v2 at 10:25
    assert "| 10:30 CET | 600 | 50% | decision, statement approved |" in md
    assert "| 10:45 CET | 150 | 50% | - |" in md
    assert [f["filename"] for f in built.file_uploads()] == [f"incident-{iid}-report.md"]

    env = {"DATABASE_URL": database_url, "WARROOM_PLAYBOOKS": "missing-folder"}
    result = CliRunner().invoke(cli(), ["report", str(iid), "--out", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    assert "no chart: matplotlib is not installed" in result.output
    assert not (tmp_path / "out" / f"incident-{iid}-timeline.png").exists()


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("stats")(stats_command)
    return app


def test_cli_report(database_url, tmp_path, monkeypatch):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": database_url, "WARROOM_PLAYBOOKS": "missing-folder"}
    runner = CliRunner()
    result = runner.invoke(cli(), ["report", str(iid), "--out", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    md, png = tmp_path / "out" / f"incident-{iid}-report.md", tmp_path / "out" / f"incident-{iid}-timeline.png"
    assert result.output.split() == [str(md), str(png)]
    assert "| Alert to room ready | 1m 30s |" in md.read_text() and png.read_bytes().startswith(PNG)

    default = runner.invoke(cli(), ["report", str(iid)], env=env)
    assert default.exit_code == 0 and (tmp_path / f"incident-{iid}-report.md").exists()

    unknown = runner.invoke(cli(), ["report", "999"], env=env)
    assert unknown.exit_code == 2 and "incident 999 does not exist" in unknown.output



def test_report_is_uploaded_to_the_room_on_close(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    sandbox.fake.wait_for(lambda: any("Pause all paid" in (m.text or "") for m in
                                      sandbox.fake.messages(incident.channel_id)))
    sandbox.driver.command("U0LEAD", incident.channel_id, "close Volume back to normal")
    files = sandbox.fake.wait_for(lambda: len(sandbox.fake.files(incident.channel_id)) == 2
                                  and sandbox.fake.files(incident.channel_id), timeout=10)
    by_name = {f.name: f for f in files}
    md = by_name[f"incident-{incident.id}-report.md"].data.decode()
    assert "Volume back to normal" in md and "Pause all paid promotion" in md and "| Alert to room ready |" in md
    assert "Dana Fischer (U0LEAD)" in md
    assert by_name[f"incident-{incident.id}-timeline.png"].data.startswith(PNG)
    comment = by_name[f"incident-{incident.id}-report.md"].initial_comment
    assert "Post-incident report" in comment and "Alert to room ready" in comment

    def recorded():
        with Session(sandbox.core.engine) as session:
            return session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id,
                                                            TimelineEvent.kind == "report")).first()

    sandbox.fake.wait_for(recorded)


def test_report_command_in_the_room_and_by_id_for_an_executive(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    sandbox.driver.command("U0COMMS", incident.channel_id, "report")
    sandbox.fake.wait_for(lambda: len(sandbox.fake.files(incident.channel_id)) == 2, timeout=10)
    general = sandbox.fake.add_channel("general", members=["U0CEO", "U0HR"])
    sandbox.driver.command("U0CEO", general.id, f"report {incident.id}")
    sandbox.fake.wait_for(lambda: any(m.files for m in sandbox.fake.dms("U0CEO")), timeout=10)
    sandbox.fake.wait_for(lambda: any("direct messages" in r.text for r in sandbox.fake.responses(user="U0CEO")))
    sandbox.driver.command("U0HR", general.id, "report 999")
    sandbox.fake.wait_for(lambda: any("no incident #999" in r.text for r in sandbox.fake.responses(user="U0HR")))


def test_a_german_report_names_channels_and_how_each_version_came_about_in_german(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
        session.get(Incident, iid).language = "de"
    md = report.build(engine, iid, tz="Europe/Berlin").markdown
    assert "#### Fassung 2 (bearbeitet), U0COMMS, 20.11.2026, 10:25 Uhr" in md
    assert "**X (Twitter)**" in md and "**x**" not in md
    assert "Freigabekette: Kommunikationsleitung" in md
