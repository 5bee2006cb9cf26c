"""Shared plumbing for the fake's Web API methods: errors, argument access, the method registry."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.sandbox.fake_slack_store import Channel, Message, SlackStore
from app.sandbox.scopes import history_scope
from app.sandbox.validation import MESSAGE_BLOCK_LIMIT, block_errors

Handler = Callable[[SlackStore, "Args"], dict[str, Any]]

METHODS: dict[str, Handler] = {}

# Methods that take the app-level token (xapp-...) instead of the bot token; every other method refuses it.
APP_LEVEL_METHODS = frozenset({"apps.connections.open"})


class SlackError(Exception):
    """An `{"ok": false, "error": code}` answer, with optional extra fields."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, **self.extra}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of a Web API method."""

    def register(handler: Handler) -> Handler:
        METHODS[name] = handler
        return handler

    return register


class Args:
    """Request arguments from the query string, a form body or a JSON body."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.params.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.params.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def number(self, key: str, default: int) -> int:
        value = self.params.get(key)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise SlackError("invalid_arguments", errors=[f"{key} must be a number"]) from exc

    def data(self, key: str, *, error: str = "invalid_arguments") -> Any:
        """A JSON value that form bodies carry as a string and JSON bodies inline."""
        value = self.params.get(key)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise SlackError(error, errors=[f"{key} is not valid JSON"]) from exc
        return value

    def id_list(self, key: str) -> list[str]:
        value = self.params.get(key)
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value or "").split(",") if part.strip()]


def require_channel(store: SlackStore, args: Args, key: str = "channel") -> Channel:
    channel = store.channel(args.text(key))
    if channel is None:
        raise SlackError("channel_not_found")
    return channel


def require_history_scope(store: SlackStore, channel: Channel) -> None:
    """Reading messages needs the history scope of the conversation's type, as Slack checks it."""
    needed = history_scope(is_im=channel.is_im, is_private=channel.is_private)
    if needed not in store.scopes:
        raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(store.scopes)))


def require_user(store: SlackStore, user_id: str | None) -> str:
    if not user_id or user_id not in store.users:
        raise SlackError("user_not_found")
    return user_id


def require_message(store: SlackStore, channel: Channel, ts: str | None) -> Message:
    message = store.find_message(channel.id, ts)
    if message is None:
        raise SlackError("message_not_found")
    return message


def require_bot_member(store: SlackStore, channel: Channel) -> None:
    if store.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")


def checked_blocks(raw: Any, *, limit: int = MESSAGE_BLOCK_LIMIT) -> list[dict[str, Any]] | None:
    """Validate blocks the way Slack does; raises invalid_blocks with reasons."""
    if raw is None:
        return None
    errors = block_errors(raw, limit=limit)
    if errors:
        raise SlackError(
            "invalid_blocks",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )
    return raw


def with_block_ids(store: SlackStore, blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Copies of the blocks, each with a block_id, as Slack stores them."""
    if blocks is None:
        return None
    return [{**b, "block_id": b.get("block_id") or store.new_id("b")} for b in blocks]


def paginate(items: list[Any], args: Args, default_limit: int = 100) -> tuple[list[Any], dict[str, str]]:
    """One page of items plus Slack's response_metadata with next_cursor."""
    limit = max(1, min(args.number("limit", default_limit), 1000))
    cursor = args.text("cursor") or ""
    start = 0
    if cursor:
        if not cursor.startswith("next:") or not cursor[5:].isdigit():
            raise SlackError("invalid_cursor")
        start = int(cursor[5:])
    page = items[start : start + limit]
    end = start + limit
    return page, {"next_cursor": f"next:{end}" if end < len(items) else ""}
