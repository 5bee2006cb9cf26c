"""Command-line functions `warroom report INCIDENT_ID [--out DIR]` and `warroom stats`."""

from __future__ import annotations

from pathlib import Path

import typer

from app.reports.figures import PlaybookStats, by_playbook, duration_text, ratio_text


def _engine():
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app import migrate
    from app.config import ConfigError, load_settings
    from app.db import make_engine

    try:
        settings = load_settings()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    return settings, engine


def _playbook_title(settings, playbook_id: str) -> str | None:
    """The playbook's title when the playbooks load; the report works without them."""
    try:
        # Loaded on use: each command imports only what it needs, so the CLI starts fast.
        from app.playbooks.loader import load_playbooks

        return load_playbooks(settings.warroom_playbooks).get(playbook_id).title
    except Exception:
        return None


def report_command(
    incident_id: int = typer.Argument(..., help="The incident's number, as in #12."),
    out: Path = typer.Option(Path("."), "--out", help="Folder for the Markdown report and its timeline chart."),
) -> None:
    """Write an incident's post-incident report (Markdown) and its timeline chart (PNG)."""
    from sqlmodel import Session

    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.incidents.models import Incident
    from app.reports import report

    settings, engine = _engine()
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
    if incident is None:
        typer.secho(f"incident {incident_id} does not exist", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    built = report.build(engine, incident_id, tz=settings.warroom_timezone,
                         playbook_title=_playbook_title(settings, incident.playbook_id))
    out.mkdir(parents=True, exist_ok=True)
    markdown, png = out / built.markdown_name, out / built.chart_name
    markdown.write_text(built.markdown, encoding="utf-8")
    typer.echo(str(markdown))
    if built.png is not None:
        png.write_bytes(built.png)
        typer.echo(str(png))
    else:
        typer.echo('no chart: matplotlib is not installed (pip install "warroom[charts]"); the report has the table')


def stats_table(stats: list[PlaybookStats]) -> str:
    """A plain-text table: one row per playbook, medians of the durations and totals of the counts."""
    header = ("playbook", "incidents", "closed", "alert→room", "room→draft", "draft→approved", "first statement",
              "≤60 min", "tasks on time", "reminders")
    table = [header]
    for s in stats:
        table.append((s.playbook, str(s.incidents), str(s.closed), duration_text(s.alert_to_room),
                      duration_text(s.room_to_first_draft), duration_text(s.draft_to_approved),
                      duration_text(s.start_to_first_statement),
                      f"{s.statements_on_time}/{s.statements_approved}" if s.statements_approved else "-",
                      ratio_text(s.tasks_on_time, s.tasks_with_due), str(s.reminders)))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def stats_command() -> None:
    """Print the review figures across incidents, per playbook (durations are medians)."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.reports.report import stats_records

    _settings, engine = _engine()
    records = stats_records(engine)
    if not records:
        typer.echo("No incidents yet.")
        return
    typer.echo(stats_table(by_playbook(records)))
