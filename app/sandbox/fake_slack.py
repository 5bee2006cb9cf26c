"""A fake of the Slack Web API on loopback, with inspection helpers for tests and the demo."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any, TypeVar

from app.sandbox import fake_slack_chat, fake_slack_views
from app.sandbox.fake_slack_api import SlackError
from app.sandbox.fake_slack_server import ApiFrontDoor, Fault, serve
from app.sandbox.fake_slack_store import (
    Call,
    Channel,
    Ephemeral,
    FileRecord,
    LogEntry,
    Message,
    Response,
    SlackStore,
    View,
)
from app.sandbox.validation import block_texts, has_broadcast
from app.sandbox.workspace import Member, Workspace

T = TypeVar("T")

_POSTED_KINDS = ("message", "dm", "updated", "ephemeral")


class FakeSlack:
    """Slack's Web API served on 127.0.0.1; point `WebClient(base_url=fake.api_url)` at it."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        latency: float = 0.0,
        enforce_rate_limits: bool = False,
        bot_token: str = "xoxb-sandbox",
        team_id: str = "T0SANDBOX",
        bot_user_id: str = "U0WARROOM",
        bot_id: str = "B0WARROOM",
    ) -> None:
        self.workspace = workspace if workspace is not None else Workspace.demo()
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.store = SlackStore(self.workspace, team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id)
        self._front = ApiFrontDoor(self.store, bot_token, enforce_rate_limits)
        self._front.latency = latency
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._front.released.clear()
        if self._server is None:
            self._server, self._thread = serve(self._front)
            self.store.base_url = self.base_url
        return self

    def stop(self) -> None:
        self._front.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            if self._thread is not None:
                self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    @property
    def latency(self) -> float:
        return self._front.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._front.latency = seconds

    @property
    def enforce_rate_limits(self) -> bool:
        return self._front.enforce_rate_limits

    @enforce_rate_limits.setter
    def enforce_rate_limits(self, enabled: bool) -> None:
        self._front.enforce_rate_limits = enabled
        self._front.limiter.reset()

    # --- fault injection -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        answer: str = "send",
    ) -> None:
        """Make the next `times` calls to `method` fail without running it ("response_url" and
        "upload", the URL files.getUploadURLExternal returns, work too).

        status defaults to 500, or to 200 when an error code is given (an `{"ok": false}` answer);
        429 answers `ratelimited` with a Retry-After header. times=0 cancels pending failures.
        answer="drop" runs the method and then closes the connection without an answer (the caller cannot
        know whether it took effect); answer="hold" runs it and holds the answer until the fake stops (to
        kill the caller at that moment), then drops it.
        """
        if answer not in ("send", "drop", "hold"):
            raise ValueError(f"answer must be send, drop or hold, not {answer!r}")
        if status is None:
            status = 200 if error else 500
        self._front.add_faults(method, Fault(status, error, retry_after, answer), times)

    # --- helpers for the driver and test setup ---------------------------------------------------

    def _read(self, reader: Callable[[SlackStore], T]) -> T:
        with self.store.lock:
            return copy.deepcopy(reader(self.store))

    def issue_trigger(self, user_id: str) -> str:
        """A trigger_id for an interaction by user_id (valid 3 s, usable once)."""
        with self.store.lock:
            return fake_slack_views.issue_trigger(self.store, user_id)

    def new_response_url(
        self, user_id: str, channel_id: str, *, message_ts: str | None = None, ephemeral: bool = False
    ) -> str:
        """A response_url for a command (no message) or a click on the message at message_ts."""
        with self.store.lock:
            return fake_slack_views.new_response_url(
                self.store, user_id, channel_id, message_ts=message_ts, ephemeral=ephemeral
            )

    def note(self, kind: str, user: str, summary: str, **detail: Any) -> LogEntry:
        """Add an event to the log (the driver notes what people do)."""
        return self.store.record(kind, user, summary, **detail)

    def add_channel(
        self,
        name: str,
        *,
        members: tuple[str, ...] | list[str] = (),
        is_private: bool = False,
        bot_member: bool = True,
        creator: str | None = None,
    ) -> Channel:
        """Create a channel that already exists in the workspace (test setup, not logged)."""
        with self.store.lock:
            if self.store.channel(name) is not None:
                raise SlackError("name_taken")
            people = list(dict.fromkeys([*members, *([self.bot_user_id] if bot_member else [])]))
            channel = Channel(self.store.new_id("C"), name, is_private, creator or (members or ["U0"])[0], 0, people)
            self.store.channels[channel.id] = channel
            self.store.messages[channel.id] = []
            return copy.deepcopy(channel)

    def set_member(self, channel_id: str, user_id: str, member: bool) -> None:
        """A person joins or leaves a channel on their own (test setup; the driver sends Slack's event)."""
        with self.store.lock:
            channel = self.store.channel(channel_id)
            if channel is None:
                raise SlackError("channel_not_found")
            if member and user_id not in channel.members:
                channel.members.append(user_id)
            elif not member and user_id in channel.members:
                channel.members.remove(user_id)

    def post_as(self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None) -> Message:
        """A message written by a person (the driver sends the matching event)."""
        with self.store.lock:
            channel = self.store.channel(channel_id)
            if channel is None:
                raise SlackError("channel_not_found")
            message = fake_slack_chat.post_message(
                self.store, channel, user_id, text, None, thread_ts=thread_ts, via="person"
            )
            return copy.deepcopy(message)

    def react_as(self, user_id: str, channel_id: str, ts: str, reaction: str) -> None:
        """Record a reaction by a person on a message."""
        with self.store.lock:
            message = self.store.find_message(channel_id, ts)
            if message is None:
                raise SlackError("message_not_found")
            fake_slack_chat.add_reaction(self.store, message, user_id, reaction)

    def after_submission(self, view_id: str, answer: dict[str, Any] | None) -> None:
        """Apply the bot's answer to a view_submission the way Slack's client does.

        No response_action closes the modal, "clear" closes the whole stack, "errors" keeps it open,
        "update" replaces it in place and "push" opens a new one on top. Raises SlackError
        (invalid_arguments) when the returned view is invalid.
        """
        with self.store.lock:
            fake_slack_views.apply_submission_answer(self.store, view_id, answer or {})

    # --- inspection ------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self._read(lambda s: s.calls)

    def calls_to(self, method: str) -> list[Call]:
        return self._read(lambda s: [c for c in s.calls if c.method == method])

    def reset_calls(self) -> None:
        with self.store.lock:
            self.store.calls.clear()

    @property
    def log(self) -> list[LogEntry]:
        return self._read(lambda s: s.log)

    @property
    def users(self) -> list[Member]:
        return self._read(lambda s: list(s.users.values()))

    def user(self, user_id: str) -> Member | None:
        return self._read(lambda s: s.users.get(user_id))

    @property
    def channels(self) -> list[Channel]:
        """Channels (public and private, archived too), without direct messages."""
        return self._read(lambda s: [c for c in s.channels.values() if not c.is_im])

    @property
    def conversations(self) -> list[Channel]:
        """Channels and direct messages."""
        return self._read(lambda s: list(s.channels.values()))

    def channel(self, channel_id: str) -> Channel | None:
        return self._read(lambda s: s.channels.get(channel_id))

    def channel_by_name(self, name: str) -> Channel | None:
        return self._read(lambda s: s.channel("#" + name.lstrip("#")))

    def messages(self, channel_id: str) -> list[Message]:
        """Current messages of a channel, oldest first (edit_count tells how often each was updated)."""
        return self._read(lambda s: s.messages.get(channel_id, []))

    def message(self, channel_id: str, ts: str) -> Message | None:
        return self._read(lambda s: s.find_message(channel_id, ts))

    def pins(self, channel_id: str) -> list[Message]:
        """Pinned messages of a channel, in pin order."""

        def pinned(s: SlackStore) -> list[Message]:
            found = (s.find_message(channel_id, ts) for ts in s.pins.get(channel_id, []))
            return [m for m in found if m is not None]

        return self._read(pinned)

    def bookmarks(self, channel_id: str) -> list[dict[str, Any]]:
        return self._read(lambda s: s.bookmarks.get(channel_id, []))

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[Ephemeral]:
        return self._read(
            lambda s: [e for e in s.ephemerals if user in (None, e.user) and channel in (None, e.channel)]
        )

    def dms(self, user_id: str) -> list[Message]:
        """Messages in the bot's direct conversation with this user."""
        return self._read(lambda s: s.messages.get(s.dm_ids.get(frozenset([user_id]), ""), []))

    def responses(self, user: str | None = None, channel: str | None = None) -> list[Response]:
        return self._read(
            lambda s: [r for r in s.responses if user in (None, r.user_id) and channel in (None, r.channel_id)]
        )

    @property
    def views(self) -> list[View]:
        """Modals in the order they were opened."""
        return self._read(lambda s: list(s.views.values()))

    def view(self, view_id: str) -> View | None:
        return self._read(
            lambda s: s.views.get(view_id) or next((v for v in s.home_views.values() if v.id == view_id), None)
        )

    def home_view(self, user_id: str) -> View | None:
        return self._read(lambda s: s.home_views.get(user_id))

    def latest_view(self, user_id: str | None = None, callback_id: str | None = None) -> View | None:
        """The most recently opened modal, optionally for a user and with a callback_id."""
        return self._read(
            lambda s: next(
                (
                    v
                    for v in reversed(list(s.views.values()))
                    if user_id in (None, v.user_id) and callback_id in (None, v.callback_id)
                ),
                None,
            )
        )

    def files(self, channel_id: str) -> list[FileRecord]:
        return self._read(lambda s: [f for f in s.files.values() if channel_id in f.channels])

    def pings(self) -> list[LogEntry]:
        """Posted texts containing an unescaped <!channel>, <!here> or <!everyone>."""

        def pinging(s: SlackStore) -> list[LogEntry]:
            return [
                e
                for e in s.log
                if e.kind in _POSTED_KINDS
                and (has_broadcast(e.text) or any(has_broadcast(t) for t in block_texts(e.blocks)))
            ]

        return self._read(pinging)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
        """Poll predicate until it returns something truthy; TimeoutError after `timeout` seconds.

        The deadline uses a timer thread, so it also ends when a test has frozen time.time().
        """
        expired = threading.Event()
        timer = threading.Timer(timeout, expired.set)
        timer.daemon = True
        timer.start()
        try:
            while True:
                result = predicate()
                if result:
                    return result
                if expired.is_set():
                    break
                expired.wait(interval)
        finally:
            timer.cancel()
        name = getattr(predicate, "__name__", repr(predicate))
        recent = "\n  ".join(str(e) for e in self.log[-8:]) or "(nothing)"
        raise TimeoutError(f"{name} still falsy after {timeout}s (last result: {result!r}); latest events:\n  {recent}")
