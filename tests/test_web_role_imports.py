"""The web role only verifies, acks and accepts: started as `warroom web` starts it, in an interpreter of its own,
and sent Slack's kinds of request, it has loaded none of the libraries of the follow-up work (the model client,
the charts, the social-media clients, the drafting code with its statement checks and their word lists, the
statement templates' Jinja2, the reminders, the reports, the status read model)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlmodel import Session, select

from app.requests_queue.models import AcceptedRequest
from app.sandbox.harness import Sandbox
from app.slack.ids import CallbackId
from tests.conftest import open_room
from tests.test_web_worker import serve_environment

ROOT = Path(__file__).resolve().parents[1]

# What only the worker needs: the model client, the report's chart, the social-media connectors, the drafting
# code with its statement checks and their word lists, the reports, the status read model, the worker itself.
WORKER_ONLY = ("openai", "matplotlib", "atproto", "mastodon", "feedparser", "jinja2", "app.statements.flows",
               "app.statements.drafting", "app.statements.listeners", "app.statements.checks", "app.statements.lint",
               "simplemma", "app.reminders", "app.reports.listeners", "app.reports.report", "app.status.listeners",
               "app.status.service", "app.worker")

# `warroom web`: the serving core (settings checked, Slack asked, database migrated), then the web role's app.
# It serves until it reads a line, then prints the modules it has loaded.
WEB_ROLE = textwrap.dedent("""
    import json, sys, threading, time
    import uvicorn
    from app.cli import _serving_core
    from app.server import create_app

    settings, core = _serving_core(check_templates=False)  # as `warroom web` loads it
    server = uvicorn.Server(uvicorn.Config(create_app(core, role="web"), host="127.0.0.1", port=settings.port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    print("ready" if server.started else "failed", flush=True)
    sys.stdin.readline()
    print(json.dumps(sorted(sys.modules)), flush=True)
    server.should_exit = True
    thread.join(30)
""")


def accepted(box) -> list[str]:
    with Session(box.core.engine) as session:
        return sorted(row.function for row in session.exec(select(AcceptedRequest)))


def test_the_web_role_acks_every_kind_of_request_without_loading_the_follow_up_work(tmp_path):
    box = Sandbox(tmp_path / "web", serve=False)
    incident = open_room(box)
    process = subprocess.Popen([sys.executable, "-c", WEB_ROLE], cwd=box.directory,
                               env=serve_environment(box, box.port), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=(tmp_path / "web.log").open("wb"), text=True)
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline().strip() == "ready", (tmp_path / "web.log").read_text()[-3000:]
        room = incident.channel_id
        assert box.driver.command("U0LEAD", room, "status").status_code == 200
        assert box.driver.command("U0LEAD", room, "statement").status_code == 200
        assert box.driver.app_mention("U0COMMS", room, f"<@{box.fake.bot_user_id}> hello").status_code == 200
        # The declare modal is opened in the ack (its trigger lives three seconds); an empty title keeps it open.
        assert box.driver.command("U0LEAD", room, "declare Website down").status_code == 200
        modal = box.fake.latest_view(user_id="U0LEAD", callback_id=CallbackId.DECLARE)
        assert modal is not None
        refused = box.driver.submit_view("U0LEAD", modal.id, {"title": {"value": "   "},
                                                              "playbook": {"value": "impersonation"},
                                                              "severity": {"value": "high"}})
        assert refused.status_code == 200 and refused.json()["response_action"] == "errors"
        process.stdin.write("modules\n")
        process.stdin.flush()
        loaded = set(json.loads(process.stdout.readline()))
        stored = accepted(box)  # each stored before its ack went out
    finally:
        process.kill()
        process.wait(30)
        box.close()
    assert stored == ["after_ack", "after_ack", "after_ack", "guarded_declared", "guarded_mentioned"]
    assert "app.server" in loaded and "slack_bolt" in loaded  # it is the web role, and Bolt acks
    assert [name for name in WORKER_ONLY if name in loaded] == []


def test_the_web_role_leaves_the_template_checks_to_the_workers(tmp_path):
    """Loaded as the web role loads them, playbooks are not rendered (no Jinja2); a worker still refuses a broken
    template when it loads the same playbooks."""
    from tests.test_playbooks import GENERIC, playbook, write

    write(tmp_path, "generic.yml", GENERIC)
    broken = playbook()
    broken["statement"]["templates"]["de"] = "Hallo {% if facts %}"
    write(tmp_path, "data-leak.yml", broken)
    script = textwrap.dedent(f"""
        import json, sys
        from app.playbooks import templates
        from app.playbooks.loader import collect
        roles = ["lead", "comms", "dpo", "security", "legal", "scribe"]
        with templates.unchecked():
            loaded, unchecked_problems = collect({str(tmp_path)!r}, roles)
        without_jinja = "jinja2" not in sys.modules
        _, problems = collect({str(tmp_path)!r}, roles)
        print(json.dumps([len(loaded), [p.message for p in unchecked_problems], without_jinja,
                          [p.path for p in problems if "template syntax error" in p.message]]))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    count, unchecked_problems, without_jinja, refused = json.loads(done.stdout)
    assert (count, unchecked_problems, without_jinja) == (2, [], True)
    assert refused == ["statement.templates.de"]
