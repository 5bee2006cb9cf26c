"""Fake Web API methods for messages: chat.*, pins, bookmarks, reactions and files."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from app.sandbox.fake_slack_api import (
    Args,
    SlackError,
    checked_blocks,
    method,
    require_channel,
    require_message,
    require_user,
    with_block_ids,
)
from app.sandbox.fake_slack_store import Channel, Ephemeral, FileRecord, Message, SlackStore

MAX_TEXT = 40_000
MAX_UPDATE_TEXT = 4_000
MAX_METADATA_PAYLOAD = 8_000  # bytes of the serialised event_payload (answered with metadata_too_large)


def short(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def post_message(
    store: SlackStore,
    channel: Channel,
    user: str,
    text: str,
    blocks: list[dict[str, Any]] | None,
    *,
    thread_ts: str | None = None,
    files: list[str] | None = None,
    via: str = "chat.postMessage",
) -> Message:
    """Store a message and log it; callers have validated everything."""
    message = Message(
        channel.id,
        store.next_ts(),
        user,
        text[:MAX_TEXT],
        with_block_ids(store, blocks),
        thread_ts=thread_ts,
        bot_id=store.bot_id if user == store.bot_user_id else None,
        files=list(files or []),
    )
    store.messages.setdefault(channel.id, []).append(message)
    kind = "dm" if channel.is_im else "message"
    summary = f"{store.user_label(user)} in {store.channel_label(channel.id)}: {short(message.text)}"
    titles = [store.files[f].title or store.files[f].name for f in message.files if f in store.files]
    if titles:
        summary += " [files: " + ", ".join(titles) + "]"
    store.record(
        kind,
        user,
        summary,
        channel=channel.id,
        text=message.text,
        blocks=message.blocks,
        ts=message.ts,
        thread_ts=thread_ts,
        via=via,
        files=titles,
    )
    return message


def update_message(
    store: SlackStore, message: Message, text: str | None, blocks: list[dict[str, Any]] | None, via: str
) -> None:
    """Replace text and/or blocks, keeping the previous version in the edit history."""
    message.edits.append({"text": message.text, "blocks": message.blocks, "edited_ts": store.next_ts()})
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = with_block_ids(store, blocks)
    summary = f"{store.user_label(message.user)} updated a message in {store.channel_label(message.channel)}: "
    store.record(
        "updated",
        message.user,
        summary + short(message.text),
        channel=message.channel,
        text=message.text,
        blocks=message.blocks,
        ts=message.ts,
        via=via,
    )


def _postable_channel(store: SlackStore, args: Args) -> Channel:
    ref = args.text("channel")
    if ref and ref.startswith(("U", "W")) and ref in store.users:
        return store.dm_channel([ref])
    channel = require_channel(store, args)
    if channel.is_archived:
        raise SlackError("is_archived")
    if (channel.is_private or channel.is_im) and store.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    return channel


def _content(args: Args, *, limit_text: int | None = None) -> tuple[str | None, list[dict[str, Any]] | None]:
    text = args.text("text")
    blocks = checked_blocks(args.data("blocks", error="invalid_blocks_format"))
    attachments = args.data("attachments")
    if text is None and not blocks and not attachments:
        raise SlackError("no_text")
    if limit_text is not None and text is not None and len(text) > limit_text:
        raise SlackError("msg_too_long")
    return text, blocks


def _metadata(args: Args) -> dict[str, Any] | None:
    """Message metadata as Slack checks it: an event_type name and an event_payload object of bounded size.

    Writing it needs no scope beyond chat:write; reading it back needs ``include_all_metadata``."""
    metadata = args.data("metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_payload"), dict):
        raise SlackError("invalid_metadata_format")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,255}", str(metadata.get("event_type") or "")):
        raise SlackError("invalid_metadata_schema")
    if len(json.dumps(metadata["event_payload"], separators=(",", ":")).encode()) > MAX_METADATA_PAYLOAD:
        raise SlackError("metadata_too_large")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


@method("chat.postMessage")
def chat_post_message(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = _postable_channel(store, args)
    text, blocks = _content(args)
    metadata = _metadata(args)
    message = post_message(store, channel, store.bot_user_id, text or "", blocks, thread_ts=args.text("thread_ts"))
    message.metadata = metadata
    return {"channel": channel.id, "ts": message.ts, "message": message.to_slack(with_metadata=True)}


@method("chat.update")
def chat_update(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    message = require_message(store, channel, args.text("ts"))
    if message.user != store.bot_user_id:
        raise SlackError("cant_update_message")
    if channel.is_archived:
        raise SlackError("is_archived")
    text, blocks = _content(args, limit_text=MAX_UPDATE_TEXT)
    metadata = _metadata(args)
    update_message(store, message, text, blocks, "chat.update")
    if metadata is not None:  # chat.update replaces the metadata only when it is given
        message.metadata = metadata
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": message.to_slack()}


@method("chat.delete")
def chat_delete(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    message = require_message(store, channel, args.text("ts"))
    if message.user != store.bot_user_id:
        raise SlackError("cant_delete_message")
    store.messages[channel.id].remove(message)
    store.record(
        "deleted",
        message.user,
        f"message deleted in {store.channel_label(channel.id)}",
        channel=channel.id,
        text=message.text,
        ts=message.ts,
    )
    return {"channel": channel.id, "ts": message.ts}


@method("chat.postEphemeral")
def chat_post_ephemeral(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = _postable_channel(store, args)
    user = require_user(store, args.text("user"))
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(args)
    ephemeral = add_ephemeral(store, channel.id, user, text or "", blocks, "chat.postEphemeral")
    return {"message_ts": ephemeral.ts}


def add_ephemeral(
    store: SlackStore, channel_id: str, user: str, text: str, blocks: list[dict[str, Any]] | None, via: str
) -> Ephemeral:
    ephemeral = Ephemeral(channel_id, user, store.next_ts(), text[:MAX_TEXT], with_block_ids(store, blocks), via=via)
    store.ephemerals.append(ephemeral)
    summary = (
        f"warroom to {store.user_label(user)} in {store.channel_label(channel_id)} "
        f"(only visible to them): {short(ephemeral.text)}"
    )
    store.record(
        "ephemeral",
        store.bot_user_id,
        summary,
        channel=channel_id,
        text=ephemeral.text,
        blocks=ephemeral.blocks,
        to=user,
        ts=ephemeral.ts,
        via=via,
    )
    return ephemeral


@method("chat.getPermalink")
def chat_get_permalink(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    message = require_message(store, channel, args.text("message_ts"))
    link = f"{store.base_url}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    return {"channel": channel.id, "permalink": link}


@method("pins.add")
def pins_add(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    if channel.is_archived:
        raise SlackError("is_archived")
    message = require_message(store, channel, args.text("timestamp"))
    pinned = store.pins.setdefault(channel.id, [])
    if message.ts in pinned:
        raise SlackError("already_pinned")
    pinned.append(message.ts)
    store.record(
        "pinned",
        store.bot_user_id,
        f"pinned in #{channel.name}: {short(message.text)}",
        channel=channel.id,
        text=message.text,
        blocks=message.blocks,
        ts=message.ts,
    )
    return {}


@method("pins.list")
def pins_list(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    items = []
    for ts in store.pins.get(channel.id, []):
        message = store.find_message(channel.id, ts)
        if message:
            items.append({"type": "message", "channel": channel.id, "message": message.to_slack()})
    return {"items": items}


@method("bookmarks.add")
def bookmarks_add(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args, "channel_id")
    if channel.is_archived:
        raise SlackError("is_archived")
    title, kind, link = args.text("title"), args.text("type"), args.text("link")
    if not title or not kind:
        raise SlackError("invalid_arguments")
    if kind != "link":
        raise SlackError("invalid_bookmark_type")
    if not link or not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    bookmark = {
        "id": store.new_id("Bk"),
        "channel_id": channel.id,
        "title": title,
        "link": link,
        "emoji": args.text("emoji"),
        "icon_url": None,
        "type": "link",
        "date_created": int(time.time()),
        "date_updated": 0,
        "rank": "U",
    }
    store.bookmarks.setdefault(channel.id, []).append(bookmark)
    store.record(
        "bookmark",
        store.bot_user_id,
        f"bookmark in #{channel.name}: {title} ({link})",
        channel=channel.id,
        text=title,
        link=link,
    )
    return {"bookmark": dict(bookmark)}


@method("bookmarks.list")
def bookmarks_list(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args, "channel_id")
    return {"bookmarks": [dict(b) for b in store.bookmarks.get(channel.id, [])]}


def add_reaction(store: SlackStore, message: Message, user: str, name: str) -> None:
    users = message.reactions.setdefault(name, [])
    if user in users:
        raise SlackError("already_reacted")
    users.append(user)
    summary = f"{store.user_label(user)} reacted :{name}: in {store.channel_label(message.channel)}"
    store.record(
        "reaction",
        user,
        summary + f" to: {short(message.text, 60)}",
        channel=message.channel,
        text=message.text,
        ts=message.ts,
        reaction=name,
    )


@method("reactions.add")
def reactions_add(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    if channel.is_archived:
        raise SlackError("is_archived")
    message = require_message(store, channel, args.text("timestamp"))
    name = (args.text("name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    add_reaction(store, message, store.bot_user_id, name)
    return {}


@method("files.getUploadURLExternal")
def files_get_upload_url(store: SlackStore, args: Args) -> dict[str, Any]:
    filename = args.text("filename")
    length = args.number("length", 0)
    if not filename:
        raise SlackError("invalid_arguments", errors=["filename is required"])
    if length <= 0:
        raise SlackError("invalid_arguments", errors=["length must be a positive number"])
    record = FileRecord(store.new_id("F"), filename, length, store.bot_user_id, time.time())
    store.files[record.id] = record
    return {"upload_url": f"{store.base_url}/upload/{record.id}", "file_id": record.id}


@method("files.completeUploadExternal")
def files_complete_upload(store: SlackStore, args: Args) -> dict[str, Any]:
    items = args.data("files")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments", errors=["files must be a JSON array of {id, title}"])
    records = []
    for item in items:
        record = store.files.get(item.get("id", "") if isinstance(item, dict) else "")
        if record is None or record.data is None:
            raise SlackError("file_not_found")
        record.title = item.get("title") or record.name
        records.append(record)
    channel_ids = args.id_list("channels") or args.id_list("channel_id")
    channels = [_postable_channel(store, Args({"channel": c})) for c in channel_ids]
    comment = args.text("initial_comment", "") or ""
    for channel in channels:
        for record in records:
            record.channels.append(channel.id)
            record.initial_comment = comment
            record.shares_visible_at = time.time() + store.share_delay
        post_message(
            store,
            channel,
            store.bot_user_id,
            comment,
            None,
            thread_ts=args.text("thread_ts"),
            files=[r.id for r in records],
            via="files.completeUploadExternal",
        )
    return {"files": [r.to_slack() for r in records]}


@method("files.info")
def files_info(store: SlackStore, args: Args) -> dict[str, Any]:
    record = store.files.get(args.text("file") or "")
    if record is None or record.data is None:
        raise SlackError("file_not_found")
    return {"file": record.to_slack()}


def receive_upload(store: SlackStore, file_id: str, data: bytes) -> tuple[int, str]:
    """The upload_url endpoint: keep the bytes of a file announced with getUploadURLExternal."""
    record = store.files.get(file_id)
    if record is None:
        return 404, "file not found"
    record.data = data
    return 200, f"OK - {len(data)}"
