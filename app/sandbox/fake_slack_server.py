"""HTTP side of the fake Slack: request parsing, auth, faults, rate limits, latency."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from app.sandbox import fake_slack_chat, fake_slack_conversations, fake_slack_views  # noqa: F401 - registers
from app.sandbox.fake_slack_api import APP_LEVEL_METHODS, METHODS, Args, SlackError
from app.sandbox.fake_slack_store import Call, SlackStore
from app.sandbox.rate_limits import RateLimiter

Answer = tuple[int, dict[str, str], bytes]

_STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
# An answer that is never sent: the connection is closed after the method ran (a lost answer).
NO_ANSWER: Answer = (-1, {}, b"")
HOLD_LIMIT = 60.0


@dataclass
class Fault:
    """One injected failure for the next call to a method."""

    status: int
    error: str | None
    retry_after: int
    answer: str = "send"  # send: fail without running; drop: run, then lose the answer; hold: run, then wait


class FakeBackend(Protocol):
    """What the HTTP handler needs from the fake."""

    def handle(self, verb: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer: ...


def json_answer(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, json.dumps(body).encode()


def parse_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Merge query string and body (form-encoded or JSON) into one dict of arguments."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = headers.get("content-type", "").lower()
    if not body:
        return params
    if "application/json" in content_type:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise SlackError("invalid_json")
        params.update(data)
    else:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


class ApiFrontDoor:
    """Turns HTTP requests into calls of the fake's methods, the way Slack's edge answers them."""

    def __init__(self, store: SlackStore, bot_token: str, enforce_rate_limits: bool) -> None:
        self.store = store
        self.bot_token = bot_token
        self.enforce_rate_limits = enforce_rate_limits
        self.latency = 0.0
        self.limiter = RateLimiter()
        self.faults: dict[str, list[Fault]] = {}
        self._fault_lock = threading.Lock()
        self.released = threading.Event()  # set when the fake stops: held answers are dropped
        # App-level tokens (xapp-...) the fake accepts, each with the function that issues a Socket Mode URL.
        self.app_tokens: dict[str, Callable[[], str]] = {}

    def add_faults(self, method: str, fault: Fault, times: int) -> None:
        """Queue failures for method; times=0 cancels the ones still pending."""
        with self._fault_lock:
            if times <= 0:
                self.faults.pop(method, None)
            else:
                self.faults.setdefault(method, []).extend([fault] * times)

    def _take_fault(self, method: str) -> Fault | None:
        with self._fault_lock:
            pending = self.faults.get(method)
            return pending.pop(0) if pending else None

    def handle(self, verb: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        headers = {k.lower(): v for k, v in headers.items()}
        if path.startswith("/api/"):
            return self._api(path[len("/api/") :], query, headers, body)
        if path.startswith("/response/") and verb == "POST":
            return self._response_url(path[len("/response/") :], body)
        if path.startswith("/upload/") and verb == "POST":
            fault = self._take_fault("upload")  # the upload URL fails like Slack's methods do ("upload")
            if fault is not None and fault.answer == "send":
                return self._fault_answer("upload", {"file": path[len("/upload/") :]}, fault)
            with self.store.lock:
                status, text = fake_slack_chat.receive_upload(self.store, path[len("/upload/") :], body)
            if fault is not None:  # the bytes arrived, but the caller never hears so
                return NO_ANSWER
            return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _record(self, method: str, params: dict[str, Any], status: int, error: str | None) -> None:
        with self.store.lock:
            self.store.calls.append(Call(method, params, time.time(), status, error))

    def _fault_answer(self, method: str, params: dict[str, Any], fault: Fault) -> Answer:
        if fault.status == 429:
            self._record(method, params, 429, "ratelimited")
            return json_answer({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(fault.retry_after)})
        if fault.status == 200 or fault.error:
            error = fault.error or "internal_error"
            self._record(method, params, fault.status, error)
            return json_answer({"ok": False, "error": error}, fault.status)
        self._record(method, params, fault.status, "server_error")
        text = _STATUS_TEXT.get(fault.status, "Server Error")
        return fault.status, {"Content-Type": "text/plain"}, text.encode()

    def _api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        try:
            params = parse_params(query, headers, body)
        except (SlackError, ValueError):
            self._record(method, {}, 200, "invalid_json")
            return json_answer({"ok": False, "error": "invalid_json"})
        token = params.pop("token", None)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        if self.latency > 0:
            time.sleep(self.latency)
        fault = self._take_fault(method)
        if fault is not None and fault.answer == "send":
            return self._fault_answer(method, params, fault)
        if method in APP_LEVEL_METHODS:
            return self._app_level(method, params, token)
        handler = METHODS.get(method)
        if handler is None:
            return self._error(method, params, "unknown_method", req_method=method)
        if not token:
            return self._error(method, params, "not_authed")
        if token.startswith("xapp-"):
            return self._error(method, params, "not_allowed_token_type")
        if token != self.bot_token:
            return self._error(method, params, "invalid_auth")
        if self.enforce_rate_limits:
            retry_after = self.limiter.check(method, str(params.get("channel") or ""))
            if retry_after is not None:
                self._record(method, params, 429, "ratelimited")
                return json_answer({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)})
        with self.store.lock:
            try:
                result = {"ok": True, **handler(self.store, Args(params))}
            except SlackError as error:
                result = error.body()
            self.store.calls.append(Call(method, params, time.time(), 200, result.get("error")))
        if fault is not None:  # the method ran, but its caller never hears the answer
            if fault.answer == "hold":
                self.released.wait(HOLD_LIMIT)
            return NO_ANSWER
        return json_answer(result)

    def _app_level(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        """apps.connections.open: a fresh, single-use websocket URL for a known app-level token."""
        if not token:
            return self._error(method, params, "not_authed")
        if not token.startswith("xapp-"):
            return self._error(method, params, "not_allowed_token_type")
        issue = self.app_tokens.get(token)
        if issue is None:
            return self._error(method, params, "invalid_auth")
        self._record(method, params, 200, None)
        return json_answer({"ok": True, "url": issue()})

    def _error(self, method: str, params: dict[str, Any], code: str, **extra: Any) -> Answer:
        self._record(method, params, 200, code)
        return json_answer({"ok": False, "error": code, **extra})

    def _response_url(self, token: str, body: bytes) -> Answer:
        if self.latency > 0:
            time.sleep(self.latency)
        try:
            params = json.loads(body or b"{}")
        except json.JSONDecodeError:
            params = {"raw": body.decode("utf-8", "replace")}
        fault = self._take_fault("response_url")
        if fault is not None:
            return self._fault_answer("response_url", params, fault)
        with self.store.lock:
            status, answer = fake_slack_views.respond(self.store, token, body)
            self.store.calls.append(Call("response_url", params, time.time(), status, answer.get("error")))
        return json_answer(answer, status)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    backend: FakeBackend


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        status, headers, payload = self.server.backend.handle(
            self.command, url.path, url.query, dict(self.headers.items()), body
        )
        if status < 0:
            self.close_connection = True
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def serve(backend: FakeBackend) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Serve the backend on 127.0.0.1 on a free port, in a daemon thread."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.backend = backend
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, thread
