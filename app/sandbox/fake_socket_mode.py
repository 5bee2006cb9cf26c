"""Slack's Socket Mode edge on loopback: the websocket that apps.connections.open points the bot at.

It speaks Slack's protocol: a ``hello`` on connect, envelopes (slash_commands, interactive, events_api)
that the bot must acknowledge with their envelope_id, and a ``disconnect`` after which the bot opens a new
connection with a fresh URL. URLs are single-use tickets, as Slack's are. ``SocketModeDriver`` acts as Slack
and as people over that socket, with the same methods as the HTTP ``SlackDriver``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from app.sandbox.driver import SlackDriver
from app.sandbox.fake_slack import FakeSlack

SANDBOX_APP_TOKEN = "xapp-1-A0WARROOM-1-sandbox"
PING_INTERVAL = 0.1


class SocketModeError(Exception):
    """The bot did not connect, or did not acknowledge an envelope, in time."""


class FakeSocketMode:
    """The websocket server; ``fake`` hands out its URLs to callers of apps.connections.open with ``app_token``."""

    def __init__(self, fake: FakeSlack, app_token: str = SANDBOX_APP_TOKEN, app_id: str = "A0WARROOM") -> None:
        self.fake = fake
        self.app_token = app_token
        self.app_id = app_id
        self.port = 0
        self.connects = 0  # connections accepted so far
        self.refused = 0  # handshakes refused (unknown or used ticket)
        self._tickets: set[str] = set()
        self._open: list[ServerConnection] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._state = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        # Frequent pings, as Slack's edge sends them: slack_sdk's client closes a connection only between two
        # reads, and on loopback (no TLS) a read otherwise waits up to 3 s for data.
        self._server = serve(self._session, "127.0.0.1", 0, process_request=self._check_ticket,
                             compression=None, ping_interval=PING_INTERVAL, ping_timeout=5)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True)
        self._thread.start()
        self.fake._front.app_tokens[self.app_token] = self.issue_url
        return self

    def stop(self) -> None:
        self.fake._front.app_tokens.pop(self.app_token, None)
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- Slack's side of the protocol ------------------------------------------------------------

    def issue_url(self) -> str:
        """What apps.connections.open answers: a URL with a ticket that admits one connection."""
        ticket = secrets.token_hex(12)
        with self._state:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[0]
        with self._state:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
            self.refused += 1
        return connection.respond(401, "invalid or used ticket\n")

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                    "debug_info": {"host": "applink-sandbox", "approximate_connection_time": 18060},
                                    "connection_info": {"app_id": self.app_id}}))
        with self._state:
            self._open.append(connection)
            self.connects += 1
            self._state.notify_all()
        try:
            for raw in connection:
                message = json.loads(raw)
                if isinstance(message, dict) and message.get("envelope_id"):
                    with self._state:
                        self._acks[message["envelope_id"]] = message
                        self._state.notify_all()
        except ConnectionClosed:
            pass  # the bot dropped the connection (it does not always send a close frame)
        finally:
            with self._state:
                if connection in self._open:
                    self._open.remove(connection)
                self._state.notify_all()

    def _newest(self, timeout: float) -> ServerConnection:
        with self._state:
            if not self._state.wait_for(lambda: self._open, timeout=timeout):
                raise SocketModeError("the bot has no open Socket Mode connection")
            return self._open[-1]

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until the bot has opened ``count`` connections in all (a reconnect makes the count grow)."""
        with self._state:
            if not self._state.wait_for(lambda: self.connects >= count and self._open, timeout=timeout):
                raise SocketModeError(f"the bot opened {self.connects} connection(s), not {count}")

    def deliver(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = "",
                timeout: float = 5.0) -> dict[str, Any]:
        """Send one envelope and return the bot's acknowledgement (Slack waits 3 s; tests wait ``timeout``)."""
        envelope_id = secrets.token_hex(8) + "-" + secrets.token_hex(4)
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": retry_attempt, "retry_reason": retry_reason}
        self._newest(timeout).send(json.dumps(envelope))
        with self._state:
            if not self._state.wait_for(lambda: envelope_id in self._acks, timeout=timeout):
                raise SocketModeError(f"no acknowledgement of the {kind} envelope within {timeout} s")
            return self._acks.pop(envelope_id)

    def disconnect(self, reason: str = "refresh_requested", timeout: float = 10.0) -> None:
        """Ask the bot to reconnect (as Slack does every few hours); waits for its new connection."""
        before = self.connects
        old = self._newest(timeout)
        old.send(json.dumps({"type": "disconnect", "reason": reason,
                             "debug_info": {"host": "applink-sandbox"}}))
        self.wait_connected(before + 1, timeout)
        deadline = time.monotonic() + timeout
        with self._state:  # the bot closes the old connection once the new one is up
            if not self._state.wait_for(lambda: old not in self._open, timeout=max(0.0, deadline - time.monotonic())):
                raise SocketModeError("the bot kept its old connection open after reconnecting")


class SocketModeDriver(SlackDriver):
    """A SlackDriver whose requests travel as Socket Mode envelopes instead of signed HTTP requests.

    Each request becomes the envelope Slack would send (slash_commands, interactive or events_api); the
    returned response carries the acknowledgement's payload as its body, as an HTTP answer would.
    """

    def __init__(self, socket: FakeSocketMode, **kwargs: Any) -> None:
        # Nothing is signed over the socket; the secret only satisfies the base class.
        super().__init__("ws://socket-mode", "unused-over-socket-mode", socket.fake, **kwargs)
        self.socket = socket

    def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
             signature: str | None = None, timestamp: int | None = None) -> httpx.Response:
        headers = headers or {}
        if content_type.startswith("application/json"):
            kind, payload = "events_api", json.loads(body)
        else:
            fields = dict(parse_qsl(body, keep_blank_values=True))
            if set(fields) == {"payload"}:
                kind, payload = "interactive", json.loads(fields["payload"])
            else:
                kind, payload = "slash_commands", fields
        ack = self.socket.deliver(kind, payload, retry_attempt=int(headers.get("X-Slack-Retry-Num", 0)),
                                  retry_reason=headers.get("X-Slack-Retry-Reason", ""))
        answer = ack.get("payload")
        content = json.dumps(answer).encode() if answer else b""
        return httpx.Response(200, content=content, headers={"Content-Type": "application/json"} if answer else {})
