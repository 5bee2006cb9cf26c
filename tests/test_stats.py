"""`warroom stats`: the review figures across incidents, per playbook (medians and totals)."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from app.db import transaction
from app.reports import report
from app.reports.commands import stats_table
from app.reports.figures import by_playbook
from tests.test_report import T0, cli, engine_at, scripted


def three_storms_and_a_leak(engine) -> None:
    with transaction(engine) as session:
        scripted(session, approve_after=41)
        scripted(session, approve_after=75, start=T0 + timedelta(days=1))
        scripted(session, approve_after=30, start=T0 + timedelta(days=2))
        scripted(session, playbook="data-leak", approve_after=20)


def test_figures_are_aggregated_per_playbook(database_url):
    engine = engine_at(database_url)
    three_storms_and_a_leak(engine)
    stats = by_playbook(report.stats_records(engine))
    assert [s.playbook for s in stats] == ["data-leak", "shitstorm"]
    leak, storm = stats
    assert (storm.incidents, storm.closed) == (3, 3)
    assert storm.alert_to_room == timedelta(minutes=1, seconds=30)
    assert storm.room_to_first_draft == timedelta(minutes=10, seconds=30)
    assert storm.start_to_first_statement == timedelta(minutes=41)  # median of 30, 41 and 75
    assert storm.draft_to_approved == timedelta(minutes=29)  # median of 18, 29 and 63
    assert (storm.statements_on_time, storm.statements_approved) == (2, 3)
    assert (storm.tasks_on_time, storm.tasks_with_due, storm.reminders) == (3, 9, 6)
    assert (leak.incidents, leak.start_to_first_statement, leak.statements_on_time) == (1, timedelta(minutes=20), 1)


def test_stats_table_lines_up():
    lines = stats_table([]).splitlines()
    assert lines[0].split()[:3] == ["playbook", "incidents", "closed"] and set(lines[1]) <= {"-", " "}


def test_cli_stats(database_url, tmp_path, monkeypatch):
    engine = engine_at(database_url)
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": database_url}
    runner = CliRunner()
    empty = runner.invoke(cli(), ["stats"], env=env)
    assert empty.exit_code == 0 and "No incidents yet." in empty.output

    three_storms_and_a_leak(engine)
    result = runner.invoke(cli(), ["stats"], env=env)
    assert result.exit_code == 0, result.output
    header, rule, leak, storm = result.output.splitlines()
    assert header.split()[:3] == ["playbook", "incidents", "closed"] and set(rule) <= {"-", " "}
    assert storm.split()[:10] == ["shitstorm", "3", "3", "1m", "30s", "10m", "30s", "29m", "41m", "2/3"]
    assert "3 of 9 (33%)" in storm and storm.endswith("6")
    assert leak.startswith("data-leak")
