"""The ``warroom`` command line: serve (or web and worker apart), demo, database, playbooks, export, report, stats,
bench."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from app.config import ConfigError, load_settings, serving_problems

cli = typer.Typer(help="A Slack war room for crisis communication teams.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
playbooks_cli = typer.Typer(help="Playbooks.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(playbooks_cli, name="playbooks")
monitors_cli = typer.Typer(help="Monitors (what the bot watches on social media).", no_args_is_help=True)
cli.add_typer(monitors_cli, name="monitors")


def fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def settings_or_exit(**overrides):
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        fail(str(exc))


def core_or_exit(settings, **kwargs):
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.core import build_core
    from app.playbooks.loader import PlaybookError
    from app.roles.roster import RosterError

    try:
        return build_core(settings, **kwargs)
    except PlaybookError as exc:
        fail("invalid playbooks:\n" + "\n".join(f"  {p}" for p in exc.problems))
    except RosterError as exc:
        fail(f"invalid roster: {exc}")


def _serving_core(check_templates: bool = True):
    """Settings checked, Slack asked, database migrated: the core a serving process runs on. The web role alone
    (``check_templates=False``) renders no statement: its workers check the playbooks' templates at their start."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_or_exit()
    problems = serving_problems(settings)
    if problems:
        fail("refusing to serve a real workspace with this configuration:\n" + "\n".join(f"  {p}" for p in problems))
    if settings.sandbox:
        typer.echo("SLACK_BOT_TOKEN is not set: serving against the built-in sandbox token. "
                   "Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for a real workspace (see README).", err=True)
    slack_check_or_exit(settings)
    return settings, core_or_exit(settings, check_templates=check_templates)


def _run_web(core, host: str, port: int, role: str, socket_mode: bool = False, on_start=None, on_stop=None) -> None:
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    import uvicorn

    from app.server import create_app

    app = create_app(core, socket_mode=socket_mode, role=role, on_start=on_start, on_stop=on_stop)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


@cli.command()
def serve(host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
          port: int = typer.Option(None, help="Port (default: $PORT or 3000)."),
          one_process: bool = typer.Option(False, "--one-process",
                                           help="Do the follow-up work on threads of this process too.")) -> None:
    """Run the bot on one machine: the web role here and a worker process beside it (one command)."""
    settings, core = _serving_core()
    if one_process or settings.socket_mode:  # Socket Mode: Slack's traffic comes over the socket, here
        _run_web(core, host, port or settings.port, "all", settings.socket_mode)
        return
    from app.supervise import WorkerProcess  # Loaded on use.

    # Started once the web role is ready (its start-up does not share the CPU with the worker's), stopped as
    # it shuts down (uvicorn ends the process with the signal it got, past any `finally` here).
    worker = WorkerProcess()
    try:
        _run_web(core, host, port or settings.port, "web", on_start=worker.start, on_stop=worker.stop)
    finally:
        worker.stop()


@cli.command()
def web(host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
        port: int = typer.Option(None, help="Port (default: $PORT or 3000).")) -> None:
    """The web role alone: verify, ack and accept Slack's requests and alerts; run `warroom worker` beside it."""
    settings, core = _serving_core(check_templates=False)
    if settings.socket_mode:
        fail("Socket Mode has no web role: run `warroom serve`, which takes Slack's traffic over the socket")
    _run_web(core, host, port or settings.port, "web")


@cli.command()
def worker(parent: int = typer.Option(None, hidden=True, help="Stop when this process is gone."),
           health_port: int = typer.Option(None, "--health-port", min=0, max=65535,
                                           help="Serve /healthz and /metrics of this worker on this port."),
           health_host: str = typer.Option("0.0.0.0", "--health-host",
                                           help="Interface of the health port.")) -> None:
    """The worker role: the follow-up work the web role accepted, room set-ups, scheduled jobs, the outbox, drafts."""
    import signal
    import threading

    from app.worker import run, watch_parent

    settings, core = _serving_core()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    if parent:
        watch_parent(parent, stop)
    run(core, stop, health_port, health_host)


def slack_check_or_exit(settings) -> None:
    """Stop before serving when Slack refuses the token or a configured channel cannot take the bot's posts."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.preflight import needs_slack_checks, slack_problems
    from app.slack.client import make_client

    if not needs_slack_checks(settings):
        return
    problems = slack_problems(settings, make_client(settings.slack_bot_token, settings.slack_api_url, max_retries=1))
    if problems:
        fail("Slack is not ready for the bot:\n" + "\n".join(f"  {p}" for p in problems))


@cli.command()
def demo(directory: Path = typer.Option(Path("warroom-demo"), "--dir", help="Where the demo keeps its files."),
         quiet: bool = typer.Option(False, help="Print only where the files are.")) -> None:
    """Run a whole crisis against the built-in Slack sandbox and print the war room's transcript."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.demo import run_demo

    run_demo(directory, out=(lambda _s: None) if quiet else typer.echo)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations to DATABASE_URL (also done on every start)."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app import migrate
    from app.db import make_engine

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    typer.echo(f"database at revision {migrate.current_revision(engine)}")


@playbooks_cli.command("validate")
def playbooks_validate(
    directory: Path = typer.Argument(None, help="Playbook folder (default: WARROOM_PLAYBOOKS)."),
) -> None:
    """Check every playbook; print each problem with file and field, exit non-zero on any."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.playbooks.loader import validate_directory
    from app.roles.roster import RosterError, load_roster

    directory = directory or settings_or_exit().warroom_playbooks
    try:  # a stakeholder may be owned by a role the roster names holders for
        roster = load_roster(load_settings().warroom_roster)
        held = [role for role, holders in roster.roles.items() if holders]
    except (ConfigError, RosterError):
        held = []
    problems = validate_directory(directory, held)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        raise typer.Exit(1)
    count = len(list(Path(directory).glob("*.y*ml")))
    typer.echo(f"{count} playbooks in {directory}: all valid")


@monitors_cli.command("validate")
def monitors_validate(
    directory: Path = typer.Argument(None, help="Monitor folder (default: WARROOM_MONITORS)."),
) -> None:
    """Check every monitor (and that a playbook handles each kind); print each problem, exit 1 on any."""
    from app.monitoring.commands import validate

    raise typer.Exit(validate(directory, settings_or_exit().warroom_playbooks, typer.echo))


@cli.command()
def export(incident_id: int, fmt: str = typer.Option("json", "--format", help="json or md")) -> None:
    """Print an incident's full record."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.db import make_engine
    from app.incidents.service import IncidentError
    from app.reports.export import export as render

    settings = settings_or_exit()
    try:
        typer.echo(render(make_engine(settings.database_url), incident_id, fmt))
    except (IncidentError, ValueError) as exc:
        fail(str(exc))


def _register_domain_commands() -> None:
    """Commands whose code lives with their domain (reports) or beside the package (benchmarks)."""
    # Loaded on use: each command imports only what it needs, so the CLI starts fast.
    from app.reports.commands import report_command, stats_command

    cli.command("report", help="Write an incident's post-incident report (Markdown and timeline chart).")(
        report_command)
    cli.command("stats", help="Review figures across incidents, per playbook.")(stats_command)


@cli.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(ctx: typer.Context) -> None:
    """Run the benchmark suite (options as for `python -m benchmarks --help`)."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "benchmarks" / "__init__.py").exists() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        # Loaded on use: each command imports only what it needs, so the CLI starts fast.
        import benchmarks
    except ImportError:
        fail("the benchmark suite lives in the source checkout: run `warroom bench` from the repository root")
    raise typer.Exit(benchmarks.main(list(ctx.args)))


_register_domain_commands()


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
