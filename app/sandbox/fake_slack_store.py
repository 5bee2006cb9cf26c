"""In-memory state of the fake Slack workspace: records and the store that holds them."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.scopes import BOT_SCOPES
from app.sandbox.workspace import Member, Usergroup, Workspace


@dataclass
class Call:
    """One Web API request the fake answered."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    error: str | None = None


@dataclass
class Channel:
    """A channel or DM; ids start with C (public and private) or D (direct messages)."""

    id: str
    name: str
    is_private: bool
    creator: str
    created: int
    members: list[str] = field(default_factory=list)
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    is_im: bool = False

    def to_slack(self, bot_user_id: str) -> dict[str, Any]:
        if self.is_im:
            other = next((m for m in self.members if m != bot_user_id), bot_user_id)
            return {"id": self.id, "is_im": True, "user": other, "created": self.created, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_member": bot_user_id in self.members,
            "created": self.created,
            "creator": self.creator,
            "topic": {"value": self.topic, "creator": self.creator if self.topic else "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": self.creator if self.purpose else "", "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass
class Message:
    """A message in a channel, with its edit history, reactions and files."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    bot_id: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None  # the `metadata` a bot attached (event_type, event_payload)

    @property
    def edit_count(self) -> int:
        return len(self.edits)

    def to_slack(self, *, with_metadata: bool = False) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if with_metadata and self.metadata:
            message["metadata"] = copy.deepcopy(self.metadata)
        if self.blocks:
            message["blocks"] = copy.deepcopy(self.blocks)
        if self.bot_id:
            message["bot_id"] = self.bot_id
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.edits:
            message["edited"] = {"user": self.user, "ts": self.edits[-1]["edited_ts"]}
        if self.reactions:
            message["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)} for name, users in self.reactions.items()
            ]
        if self.files:
            message["files"] = [{"id": file_id} for file_id in self.files]
        return message


@dataclass
class Ephemeral:
    """A message only one user sees (chat.postEphemeral or an ephemeral response_url reply)."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    via: str = "chat.postEphemeral"
    replaced: int = 0
    deleted: bool = False


@dataclass
class View:
    """A modal or Home tab opened by the bot for a user."""

    id: str
    user_id: str | None
    view: dict[str, Any]
    hash: str
    kind: str = "modal"
    trigger_id: str | None = None
    opened_at: float = 0.0
    is_open: bool = True
    previous_view_id: str | None = None

    @property
    def callback_id(self) -> str:
        return self.view.get("callback_id", "")

    @property
    def private_metadata(self) -> str:
        return self.view.get("private_metadata", "")

    @property
    def title(self) -> str:
        return (self.view.get("title") or {}).get("text", "")

    @property
    def external_id(self) -> str:
        return self.view.get("external_id", "")


@dataclass
class Trigger:
    """A trigger_id the driver issued with an interaction; valid 3 s, usable once."""

    id: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class FileRecord:
    """A file uploaded with files.getUploadURLExternal and completed with completeUploadExternal."""

    id: str
    name: str
    length: int
    user: str
    created: float
    title: str = ""
    data: bytes | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str = ""
    shares_visible_at: float = 0.0  # files.info lists the shares only from then on (Slack shares a moment late)

    def to_slack(self) -> dict[str, Any]:
        if time.time() < self.shares_visible_at:
            return {"id": self.id, "name": self.name, "title": self.title or self.name, "size": len(self.data or b""),
                    "user": self.user, "created": int(self.created), "channels": [], "ims": []}
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title or self.name,
            "size": len(self.data or b""),
            "user": self.user,
            "created": int(self.created),
            "channels": [c for c in self.channels if c.startswith("C")],
            "ims": [c for c in self.channels if c.startswith("D")],
        }


@dataclass
class ResponseUrl:
    """A response_url handed to the bot with a command or interaction."""

    token: str
    user_id: str
    channel_id: str
    created_at: float
    message_ts: str | None = None
    ephemeral: bool = False
    uses: int = 0


@dataclass
class Response:
    """A reply the bot posted to a response_url."""

    token: str
    user_id: str
    channel_id: str
    text: str
    blocks: list[dict[str, Any]] | None
    response_type: str
    replace_original: bool
    delete_original: bool
    at: float


@dataclass
class LogEntry:
    """One event for the transcript; str() gives a human-readable line."""

    kind: str
    user: str
    summary: str
    at: float
    channel: str | None = None
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.summary


class SlackStore:
    """All state of the fake workspace, guarded by one re-entrant lock."""

    def __init__(self, workspace: Workspace, *, team_id: str, bot_user_id: str, bot_id: str) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.team_name = workspace.name
        self.team_domain = workspace.domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.base_url = ""
        bot = Member(bot_user_id, "warroom", "War Room", "", is_bot=True, title="bot")
        self.users: dict[str, Member] = {m.id: m for m in [*workspace.members, bot]}
        self.usergroups: dict[str, Usergroup] = {g.id: g for g in workspace.usergroups}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.pins: dict[str, list[str]] = {}
        self.bookmarks: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.home_views: dict[str, View] = {}
        self.triggers: dict[str, Trigger] = {}
        self.files: dict[str, FileRecord] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.responses: list[Response] = []
        self.log: list[LogEntry] = []
        self.calls: list[Call] = []
        self.dm_ids: dict[frozenset[str], str] = {}
        self.scopes: frozenset[str] = BOT_SCOPES  # the bot token's scopes: the manifest's
        self.share_delay = 0.0  # seconds after files.completeUploadExternal before files.info shows the shares
        self._counter = itertools.count(1)
        self._last_ts = 0.0

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08d}"

    def next_ts(self) -> str:
        """A unique, strictly increasing message timestamp like "1700000000.000100"."""
        now = round(time.time(), 6)
        self._last_ts = max(now, round(self._last_ts + 0.000001, 6))
        return f"{self._last_ts:.6f}"

    def channel(self, ref: str | None) -> Channel | None:
        """Find a channel by id, "#name" or name."""
        if not ref:
            return None
        if ref in self.channels:
            return self.channels[ref]
        name = ref.lstrip("#")
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def find_message(self, channel_id: str, ts: str | None) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def find_ephemeral(self, channel_id: str, ts: str | None) -> Ephemeral | None:
        return next((e for e in self.ephemerals if e.channel == channel_id and e.ts == ts), None)

    def dm_channel(self, users: list[str]) -> Channel:
        """The DM for this set of users (the bot included), created on first use."""
        key = frozenset(users)
        channel_id = self.dm_ids.get(key)
        if channel_id is None:
            channel_id = self.new_id("D")
            self.dm_ids[key] = channel_id
            members = [*users, self.bot_user_id]
            self.channels[channel_id] = Channel(
                channel_id, "", True, self.bot_user_id, int(time.time()), members=members, is_im=True
            )
            self.messages[channel_id] = []
        return self.channels[channel_id]

    def user_label(self, user_id: str | None) -> str:
        member = self.users.get(user_id or "")
        if member is None:
            return user_id or "someone"
        return member.name if member.is_bot else member.real_name

    def channel_label(self, channel_id: str | None) -> str:
        channel = self.channels.get(channel_id or "")
        if channel is None:
            return channel_id or "?"
        if channel.is_im:
            others = [self.user_label(m) for m in channel.members if m != self.bot_user_id]
            return "DM with " + ", ".join(others)
        return "#" + channel.name

    def record(
        self,
        kind: str,
        user: str,
        summary: str,
        *,
        channel: str | None = None,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        **detail: Any,
    ) -> LogEntry:
        entry = LogEntry(kind, user, summary, time.time(), channel, text, copy.deepcopy(blocks), detail=detail)
        with self.lock:
            self.log.append(entry)
        return entry
