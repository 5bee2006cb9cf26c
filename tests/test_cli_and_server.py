"""The command line (validate, db upgrade, export), configuration errors, /healthz and /metrics."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import migrate
from app.cli import cli
from app.config import ConfigError, load_settings
from app.db import make_engine
from tests.conftest import social_alert
from tests.test_intake import wait_ready

runner = CliRunner()
PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"


def test_shipped_playbooks_validate():
    result = runner.invoke(cli, ["playbooks", "validate", str(PLAYBOOKS)])
    assert result.exit_code == 0, result.output
    assert "all valid" in result.output


def test_broken_playbook_is_reported_with_file_and_field(tmp_path):
    target = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, target)
    path = target / "shitstorm.yml"
    path.write_text(path.read_text().replace("due: 15m", "due: 15 minutes", 1))
    result = runner.invoke(cli, ["playbooks", "validate", str(target)])
    assert result.exit_code == 1
    assert "shitstorm.yml" in result.output and "due" in result.output


@pytest.mark.sqlite_only("SQLite's WAL and foreign-key pragmas; tests/test_postgres_schema.py for PostgreSQL")
def test_migrations_create_the_schema_from_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_db_upgrade_command(new_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", new_database("cli", migrated=False))
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0 and "revision" in result.output


def test_configuration_errors_name_each_variable(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-token")
    monkeypatch.setenv("WARROOM_TIMEZONE", "Atlantis/Capital")
    try:
        load_settings()
    except ConfigError as exc:
        assert "SLACK_BOT_TOKEN" in str(exc) and "WARROOM_TIMEZONE" in str(exc)
    else:
        raise AssertionError("bad settings were accepted")


def test_export_json_and_markdown(sandbox, monkeypatch):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause paid promotion")
    sandbox.fake.wait_for(lambda: any("Decision" in (m.text or "") for m in sandbox.fake.messages(incident.channel_id)))
    monkeypatch.setenv("DATABASE_URL", sandbox.settings.database_url)
    record = json.loads(sandbox.fake.wait_for(lambda: _export(incident.id, "json")))
    assert record["incident"]["id"] == incident.id
    assert [d["text"] for d in record["decisions"]] == ["Pause paid promotion"]
    assert {e["kind"] for e in record["timeline"]} >= {"opened", "alert", "channel_created", "room_ready", "decision"}
    assert len(record["alerts"]) == 1 and record["alerts"][0]["raw"]["dedup_key"] == "social:wintercampaign"
    markdown = _export(incident.id, "md")
    assert "## Decisions" in markdown and "Pause paid promotion" in markdown
    unknown = runner.invoke(cli, ["export", "999"])
    assert unknown.exit_code == 2 and "does not exist" in unknown.output


def _export(incident_id, fmt):
    result = runner.invoke(cli, ["export", str(incident_id), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_health_and_metrics(sandbox):
    health = sandbox.http.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["ok"] is True and body["status"] == "ok" and body["checks"]["connectors"]["ok"] is True
    assert body["checks"]["database"] == {"ok": True, "detail": "reachable, writable"}
    assert body["checks"]["work"] == {"setups_failed": [], "setups_retrying": [], "setup_notices_undelivered": 0,
                                      "effects_failed": 0, "effects_oldest_due_seconds": 0.0}
    sandbox.alert(social_alert())
    metrics = sandbox.http.get("/metrics").text
    assert "warroom_alerts_received_total" in metrics and "warroom_slack_calls_total" in metrics


def test_slack_requests_with_bad_signatures_are_refused(sandbox):
    response = sandbox.http.post("/slack/events", content="command=/warroom&text=help",
                                 headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=bad",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401


def test_serve_refuses_invalid_playbooks_and_a_missing_roster(tmp_path, monkeypatch, database_url):
    broken = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, broken)
    shitstorm = broken / "shitstorm.yml"
    shitstorm.write_text(shitstorm.read_text().replace("role: social", "role: wizard", 1))
    roster = tmp_path / "roster.yml"
    roster.write_text("roles:\n  lead: [U0LEAD]\n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_PLAYBOOKS", str(broken))
    monkeypatch.setenv("WARROOM_ROSTER", str(roster))
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "invalid playbooks" in result.output and "shitstorm.yml" in result.output and "wizard" in result.output

    monkeypatch.setenv("WARROOM_PLAYBOOKS", str(PLAYBOOKS))
    monkeypatch.setenv("WARROOM_ROSTER", str(tmp_path / "missing.yml"))
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "roster" in result.output
