"""Requests on /slack/events: forged, oversized, malformed and replayed ones are refused before Slack's
work is done; and `serve` refuses settings that would let anyone forge requests or that Slack rejects."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import select
import shutil
import socket
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import pytest
from sqlmodel import Session
from sqlmodel import select as sql_select
from typer.testing import CliRunner

from app.cli import cli
from app.config import SANDBOX_SECRET, ConfigError, load_settings, serving_problems
from app.db import make_engine
from app.decisions.models import Decision
from app.inbound.models import SeenRequest
from app.inbound.replays import ReplayGuard
from app.incidents.models import Incident
from app.preflight import slack_problems
from app.sandbox.driver import FORM, SlackDriver
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import shipped_playbooks
from app.server import create_app
from app.slack.client import make_client
from tests.conftest import social_alert
from tests.test_intake import wait_ready

runner = CliRunner()
REAL_TOKEN = "xoxb-1111-2222-realworkspace"
REAL_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # 32 characters, like Slack's
MiB = 1024 * 1024


# --- serve refuses unsafe or unusable settings -------------------------------------------------------------


@pytest.fixture
def serve_env(tmp_path, monkeypatch, database_url):
    """Environment for `warroom serve` with valid playbooks and roster; the test sets the Slack variables."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                 "WARROOM_ANNOUNCE_CHANNEL", "WARROOM_EXEC_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    roster = tmp_path / "roster.yml"
    roster.write_text("roles:\n  lead: [U0LEAD]\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_PLAYBOOKS", str(shipped_playbooks()))
    monkeypatch.setenv("WARROOM_ROSTER", str(roster))
    return monkeypatch


@pytest.mark.parametrize(("secret", "says"), [
    (None, "SLACK_SIGNING_SECRET: not set"),
    ("", "SLACK_SIGNING_SECRET: not set"),
    (SANDBOX_SECRET, "SLACK_SIGNING_SECRET: is the public sandbox secret"),
    ("0123456789abcdef", "SLACK_SIGNING_SECRET: is 16 characters long"),
])
def test_serve_refuses_a_real_token_with_an_unsafe_secret(serve_env, secret, says):
    serve_env.setenv("SLACK_BOT_TOKEN", REAL_TOKEN)
    if secret is not None:
        serve_env.setenv("SLACK_SIGNING_SECRET", secret)
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "refusing to serve" in result.output and says in result.output


def test_the_app_itself_refuses_a_real_token_with_the_sandbox_secret(tmp_path, database_url):
    from app.core import build_core

    roster = tmp_path / "roster.yml"
    roster.write_text("roles:\n  lead: [U0LEAD]\n", encoding="utf-8")
    settings = load_settings(slack_bot_token=REAL_TOKEN, database_url=database_url,
                             warroom_playbooks=shipped_playbooks(), warroom_roster=roster)
    core = build_core(settings)
    try:
        with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
            create_app(core, scheduler=False)
        assert create_app(core, scheduler=False, socket_mode=True) is not None  # no Request URL, no secret needed
    finally:
        core.shutdown()


def test_safe_pairs_pass_the_secret_check():
    assert serving_problems(load_settings()) == []  # sandbox token with the sandbox secret
    assert serving_problems(load_settings(slack_bot_token=REAL_TOKEN, slack_signing_secret=REAL_SECRET)) == []
    assert serving_problems(load_settings(slack_bot_token=REAL_TOKEN, slack_app_token="xapp-1-A1-123")) == []


def test_rotated_bot_tokens_are_accepted_and_other_tokens_refused():
    rotated = load_settings(slack_bot_token="xoxe.xoxb-1-MS0yLTEyMzQ1Ng", slack_signing_secret=REAL_SECRET)
    assert rotated.slack_bot_token.startswith("xoxe.xoxb-") and not rotated.sandbox
    for wrong in ("xoxp-1-user-token", "xoxe-1-refresh-token", "xoxe.xoxp-1-rotated-user-token"):
        with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
            load_settings(slack_bot_token=wrong)


@pytest.fixture
def real_fake():
    """The fake Slack Web API answering a real-looking bot token."""
    fake = FakeSlack(bot_token=REAL_TOKEN).start()
    yield fake
    fake.stop()


def test_serve_refuses_a_missing_announce_channel_naming_the_variable(serve_env, real_fake):
    serve_env.setenv("SLACK_BOT_TOKEN", REAL_TOKEN)
    serve_env.setenv("SLACK_SIGNING_SECRET", REAL_SECRET)
    serve_env.setenv("SLACK_API_URL", real_fake.api_url)
    serve_env.setenv("WARROOM_ANNOUNCE_CHANNEL", "C0GONE")
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "WARROOM_ANNOUNCE_CHANNEL: channel C0GONE does not exist" in result.output
    assert [c.method for c in real_fake.calls] == ["auth.test", "conversations.info"]


def test_socket_mode_needs_no_secret_but_still_checks_slack(serve_env, real_fake):
    serve_env.setenv("SLACK_BOT_TOKEN", REAL_TOKEN)
    serve_env.setenv("SLACK_APP_TOKEN", "xapp-1-A0WARROOM-1-real")
    serve_env.setenv("SLACK_API_URL", real_fake.api_url)
    serve_env.setenv("WARROOM_EXEC_CHANNEL", "C0GONE")
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    assert "SLACK_SIGNING_SECRET" not in result.output
    assert "SLACK_APP_TOKEN: Slack refused it for Socket Mode (invalid_auth)" in result.output
    assert "WARROOM_EXEC_CHANNEL: channel C0GONE does not exist" in result.output


def test_socket_mode_start_checks_pass_with_a_known_app_token(real_fake):
    from app.sandbox.fake_socket_mode import FakeSocketMode

    with FakeSocketMode(real_fake, app_token="xapp-1-A0WARROOM-1-real") as edge:
        settings = load_settings(slack_bot_token=REAL_TOKEN, slack_app_token=edge.app_token,
                                 slack_api_url=real_fake.api_url)
        assert slack_problems(settings, make_client(REAL_TOKEN, real_fake.api_url, max_retries=0)) == []
        assert [c.method for c in real_fake.calls] == ["auth.test", "apps.connections.open"]


def test_serve_refuses_a_token_that_slack_refuses(serve_env, real_fake):
    serve_env.setenv("SLACK_BOT_TOKEN", "xoxb-revoked-token")
    serve_env.setenv("SLACK_SIGNING_SECRET", REAL_SECRET)
    serve_env.setenv("SLACK_API_URL", real_fake.api_url)
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "SLACK_BOT_TOKEN: Slack refused it (invalid_auth)" in result.output


def test_channel_checks(real_fake):
    crisis = real_fake.add_channel("crisis-announcements")
    secret_room = real_fake.add_channel("board-only", is_private=True, members=["U0CEO"], bot_member=False)
    old = real_fake.add_channel("old-announcements")
    with real_fake.store.lock:
        real_fake.store.channels[old.id].is_archived = True
    client = make_client(REAL_TOKEN, real_fake.api_url, max_retries=0)

    def problems(**channels):
        return slack_problems(load_settings(slack_bot_token=REAL_TOKEN, slack_signing_secret=REAL_SECRET,
                                            slack_api_url=real_fake.api_url, **channels), client)

    assert problems(warroom_announce_channel=crisis.id, warroom_exec_channel=crisis.id) == []
    (private,) = problems(warroom_exec_channel=secret_room.id)
    assert private.startswith("WARROOM_EXEC_CHANNEL:") and "private and the bot is not a member" in private
    (archived,) = problems(warroom_announce_channel=old.id)
    assert archived.startswith("WARROOM_ANNOUNCE_CHANNEL:") and "archived" in archived


def test_serve_says_when_slack_cannot_be_reached(serve_env):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    serve_env.setenv("SLACK_API_URL", f"http://127.0.0.1:{port}/api/")
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "SLACK_API_URL: Slack could not be reached" in result.output


# --- forged and malformed requests --------------------------------------------------------------------------


def test_a_forged_close_is_refused_and_changes_nothing(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    forger = SlackDriver(sandbox.driver.bot_url, "guessed-secret", sandbox.fake)
    answer = forger.command("U0LEAD", incident.channel_id, "close Nothing to see")
    assert answer.status_code == 401
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Keep the room open")  # a genuine one, after it
    with Session(sandbox.core.engine) as session:
        sandbox.fake.wait_for(lambda: session.exec(sql_select(Decision)).first())
        assert session.get(Incident, incident.id).status == "open"


def post(box, body: bytes, headers: dict[str, str]):
    return box.http.post("/slack/events", content=body, headers=headers)


def signed(box, body: bytes, timestamp: int | None = None, content_type: str = FORM) -> dict[str, str]:
    """Slack's headers for a raw body (which need not be UTF-8, unlike the driver's)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(box.settings.slack_signing_secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest(),
            "Content-Type": content_type}


def test_malformed_requests_get_4xx_never_5xx(sandbox):
    now = int(time.time())
    body = b"command=%2Fwarroom&text=help"
    cases = {
        "non-numeric timestamp": ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=" + "0" * 64}, body),
        "huge timestamp": ({"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=" + "0" * 64}, body),
        "stale, correctly signed": (signed(sandbox, body, timestamp=now - 301), body),
        "no signature": ({"X-Slack-Request-Timestamp": str(now)}, body),
        "unsigned, not UTF-8": ({"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "1" * 64},
                                b"\xff\xfe\x00command"),
    }
    for name, (headers, content) in cases.items():
        answer = post(sandbox, content, headers)
        assert answer.status_code == 401, name
    not_utf8 = b"payload=\xff\xfe"
    answer = post(sandbox, not_utf8, signed(sandbox, not_utf8))
    assert answer.status_code == 400 and "UTF-8" in answer.text
    broken_json = b'{"type": "event_callback", "event": '
    answer = post(sandbox, broken_json, signed(sandbox, broken_json, content_type="application/json"))
    assert answer.status_code == 400 and "cannot be read" in answer.text
    broken_payload = b"payload=%7Bnot-json"
    answer = post(sandbox, broken_payload, signed(sandbox, broken_payload))
    assert answer.status_code == 400
    # Signed, valid JSON, but not shaped like anything Slack sends (found by tests/test_slack_fuzz.py):
    # Bolt would fail half-way through dispatch on these.
    for payload, says in ((b'{"type": "block_actions", "actions": null}', "actions"),
                          (b'{"type": "view_submission", "user": {"id": "U0LEAD"}, '
                           b'"view": {"type": "modal", "callback_id": "declare"}}', "state"),
                          (b'{"type": "view_submission", "user": {"id": "U0LEAD"}, '
                           b'"view": {"callback_id": "declare", "state": {"values": {}}}}', "view.type"),
                          (b'[1, 2]', "cannot be read")):
        odd = b"payload=" + quote_plus(payload).encode()
        answer = post(sandbox, odd, signed(sandbox, odd))
        assert answer.status_code == 400 and says in answer.text, (payload, answer.text)
    for event in (b'{"type": "event_callback", "event": null}', b'{"type": "event_callback", "event": [1]}'):
        answer = post(sandbox, event, signed(sandbox, event, content_type="application/json"))
        assert answer.status_code == 400 and "event" in answer.text, (event, answer.text)


def test_a_client_that_leaves_mid_body_causes_no_server_error(sandbox, caplog):
    head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'a' * 64}\r\n"
            "Content-Length: 5000\r\n\r\ncommand=%2Fwarroom").encode()
    with caplog.at_level("INFO"):
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
            sock.sendall(head)
        sandbox.fake.wait_for(lambda: any("went away" in r.getMessage() for r in caplog.records))
    assert sandbox.http.get("/healthz").status_code == 200
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_content_length_that_is_not_a_number_is_refused(sandbox):
    head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'a' * 64}\r\n"
            "Content-Length: lots\r\n\r\n").encode()
    status, _ = stream_until_answered(sandbox.port, head, b"", budget=0)
    assert status == "HTTP/1.1 400 Bad Request"


# --- the body cap ------------------------------------------------------------------------------------------


def stream_until_answered(port: int, head: bytes, chunk: bytes, budget: int, timeout: float = 20.0) -> tuple[str, int]:
    """Send ``head`` then ``chunk`` again and again until the server answers (or closes), at most ``budget``
    bytes; return the status line and how many body bytes were sent."""
    sent = 0
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        while sent < budget and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 0.5)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n", 1)[0].decode(), sent


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_an_oversized_body_is_refused_while_it_streams(sandbox):
    """A 200 MiB body, chunked (no Content-Length), with plausible signature headers: the server reads at most
    about 1 MiB of it, answers 413 and the process's memory stays where it was."""
    sandbox.http.get("/healthz")
    before = rss()
    head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'a' * 64}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    piece = b"x" * 65536
    chunk = b"%x\r\n%b\r\n" % (len(piece), piece)
    status, sent = stream_until_answered(sandbox.port, head, chunk, budget=200 * MiB)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert sent < 32 * MiB, f"the client could send {sent} bytes before the answer"
    assert rss() - before < 20 * MiB


def test_an_oversized_content_length_is_refused_before_any_body_byte(sandbox):
    head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0={'a' * 64}\r\n"
            f"Content-Length: {200 * MiB}\r\n\r\n").encode()
    status, _ = stream_until_answered(sandbox.port, head, b"", budget=0)
    assert status == "HTTP/1.1 413 Request Entity Too Large"


def test_an_unsigned_stream_is_refused_before_its_body(sandbox):
    head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    status, _ = stream_until_answered(sandbox.port, head, b"", budget=0)
    assert status == "HTTP/1.1 401 Unauthorized"


def test_a_signed_request_just_under_the_cap_is_served(sandbox):
    body = urlencode({"command": "/warroom", "text": "help", "user_id": "U0LEAD", "channel_id": "C0X",
                      "team_id": sandbox.fake.team_id, "padding": "p" * (MiB - 200)}).encode()
    assert len(body) < MiB
    assert post(sandbox, body, signed(sandbox, body)).status_code == 200


# --- replays -----------------------------------------------------------------------------------------------


def test_a_replayed_slash_command_is_acted_on_once(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    first = sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause paid promotion")
    assert first.status_code == 200
    again = post(sandbox, first.request.content, dict(first.request.headers))
    assert again.status_code == 200 and again.content == b""
    with Session(sandbox.core.engine) as session:
        sandbox.fake.wait_for(lambda: session.exec(sql_select(Decision)).first())
    # Both requests were answered before the one decision was stored: give a second one every chance to land.
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Brief the support team")
    with Session(sandbox.core.engine) as session:
        texts = sandbox.fake.wait_for(lambda: (lambda d: d if len(d) >= 2 else None)(
            [d.text for d in session.exec(sql_select(Decision)).all()]))
    assert sorted(texts) == ["Brief the support team", "Pause paid promotion"]


def test_a_replayed_modal_submission_opens_one_incident(sandbox):
    general = sandbox.fake.add_channel("general", members=["U0LEAD"])
    sandbox.driver.command("U0LEAD", general.id, "declare Fake giveaway in our name")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0LEAD", callback_id="declare"))
    submitted = sandbox.driver.submit_view("U0LEAD", view.id, {
        "title": {"value": "Fake giveaway in our name"},
        "playbook": {"value": "impersonation"},
        "severity": {"value": "high"},
        "description": {"value": "Look-alike account since 08:00"},
    })
    assert submitted.status_code == 200
    again = post(sandbox, submitted.request.content, dict(submitted.request.headers))
    assert again.status_code == 200 and again.content == b""
    with Session(sandbox.core.engine) as session:
        sandbox.fake.wait_for(lambda: session.exec(sql_select(Incident).where(
            Incident.playbook_id == "impersonation", Incident.phase == "active")).first(), timeout=10)
    sandbox.driver.command("U0LEAD", general.id, "status")  # one more request through the same path
    with Session(sandbox.core.engine) as session:
        assert len(session.exec(sql_select(Incident).where(Incident.playbook_id == "impersonation")).all()) == 1


def test_replay_memory_is_shared_by_processes_and_pruned(database_url):
    from app import migrate

    url = database_url
    one, two = make_engine(url), make_engine(url)  # two engines: as two processes on one database
    migrate.upgrade(one)
    now = time.time()
    signature = "v0=" + secrets.token_hex(32)
    assert ReplayGuard(one).first_time(signature, int(now), now=now)
    assert not ReplayGuard(two).first_time(signature, int(now), now=now)
    later = now + 301  # past the window: the old signature is pruned by the next insert
    assert ReplayGuard(two).first_time("v0=" + secrets.token_hex(32), int(later), now=later)
    with Session(one) as session:
        assert [row.signature == signature for row in session.exec(sql_select(SeenRequest))] == [False]
    one.dispose()
    two.dispose()


@pytest.mark.sqlite_only("another process holding SQLite's write lock")
def test_replay_record_waits_for_another_writer(tmp_path):
    import threading

    from app import migrate

    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # another process is writing
    release = threading.Timer(0.2, lambda: writer.execute("COMMIT"))
    started = time.monotonic()
    release.start()
    try:
        assert ReplayGuard(engine).first_time("v0=" + secrets.token_hex(32), int(time.time()))
    finally:
        release.join()
        writer.close()
        engine.dispose()
    assert time.monotonic() - started >= 0.2


@pytest.mark.sqlite_only("another process holding SQLite's write lock")
def test_the_loops_replay_check_does_not_wait_for_another_writer(tmp_path):
    """On the event loop the check answers from this process's memory while another writer holds SQLite's lock,
    and the signature is written once the lock is free: a replay is still refused, here and after a restart."""
    from app import migrate

    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    guard = ReplayGuard(engine)
    signature, now = "v0=" + secrets.token_hex(32), time.time()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        started = time.perf_counter()
        assert guard.first_time_at_once(signature, int(now), now=now) is True
        assert time.perf_counter() - started < 0.05  # no wait for the lock
        assert guard.first_time_at_once(signature, int(now), now=now) is False  # the replay, from memory
        assert guard.written_late == 0  # the lock is still held: nothing written yet
    finally:
        writer.execute("COMMIT")
        writer.close()
    deadline = time.monotonic() + 5
    while guard.written_late < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    guard.close()
    with Session(engine) as session:
        assert [row.signature for row in session.exec(sql_select(SeenRequest))] == [signature]
    restarted = ReplayGuard(engine)  # a new process: no memory, the row refuses the replay
    assert restarted.first_time_at_once(signature, int(now), now=now) is False
    restarted.close()
    engine.dispose()


def test_replay_check_keeps_the_ack_path_cheap(database_url):
    from app import migrate

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    guard = ReplayGuard(engine)
    timings = []
    for _ in range(200):
        started = time.perf_counter()
        guard.first_time("v0=" + secrets.token_hex(32), int(time.time()))
        timings.append(time.perf_counter() - started)
    timings.sort()
    engine.dispose()
    assert timings[len(timings) // 2] < 0.02, f"median insert took {timings[len(timings) // 2] * 1000:.1f} ms"


# --- health ------------------------------------------------------------------------------------------------


@pytest.mark.sqlite_only("another process holding SQLite's write lock")
def test_health_is_degraded_while_the_database_is_busy(sandbox):
    path = sandbox.core.engine.url.database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        answer = sandbox.http.get("/healthz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["ok"] is False and body["status"] == "degraded"
        assert body["checks"]["database"]["detail"].startswith("busy:")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert sandbox.http.get("/healthz").json()["status"] == "ok"


@pytest.mark.sqlite_only("the database file moved away")
def test_health_is_degraded_when_the_database_is_gone(sandbox):
    path = Path(sandbox.core.engine.url.database)
    moved = path.with_name("elsewhere.db")
    shutil.move(path, moved)
    try:
        answer = sandbox.http.get("/healthz")
        assert answer.status_code == 503
        assert answer.json()["checks"]["database"]["detail"].startswith("unreachable: unable to open database file")
    finally:
        shutil.move(moved, path)
    assert sandbox.http.get("/healthz").status_code == 200


def test_json_event_envelope_still_works(sandbox):
    """Events still arrive as JSON (the body checks do not break url_verification)."""
    answer = sandbox.driver.url_verification("challenge-" + secrets.token_hex(4))
    assert answer.status_code == 200 and "challenge-" in answer.text
