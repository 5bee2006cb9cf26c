"""Fake views.* methods, trigger_ids, and the response_url endpoint."""

from __future__ import annotations

import copy
import json
import secrets
import time
from typing import Any

from app.sandbox.fake_slack_api import Args, SlackError, checked_blocks, method, require_user, with_block_ids
from app.sandbox.fake_slack_chat import add_ephemeral, post_message, short, update_message
from app.sandbox.fake_slack_store import Response, ResponseUrl, SlackStore, Trigger, View
from app.sandbox.validation import view_errors

TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60
RESPONSE_URL_USES = 5
VIEW_STACK_LIMIT = 3


def issue_trigger(store: SlackStore, user_id: str) -> str:
    """A new trigger_id for an interaction by this user."""
    trigger_id = f"{int(time.time())}.{store.new_id('')}.{secrets.token_hex(16)}"
    store.triggers[trigger_id] = Trigger(trigger_id, user_id, time.time())
    return trigger_id


def new_response_url(
    store: SlackStore, user_id: str, channel_id: str, *, message_ts: str | None = None, ephemeral: bool = False
) -> str:
    """A new response_url for a command or a click on a message."""
    token = secrets.token_hex(12)
    store.response_urls[token] = ResponseUrl(token, user_id, channel_id, time.time(), message_ts, ephemeral)
    return f"{store.base_url}/response/{token}"


def _use_trigger(store: SlackStore, trigger_id: str | None) -> Trigger:
    if not trigger_id:
        raise SlackError("invalid_arguments", errors=["trigger_id is required"])
    trigger = store.triggers.get(trigger_id)
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if time.time() - trigger.issued_at > TRIGGER_TTL:
        raise SlackError("expired_trigger_id")
    return trigger


def _checked_view(args: Args, kinds: tuple[str, ...]) -> dict[str, Any]:
    view = args.data("view")
    errors = view_errors(view, kinds=kinds)
    if errors:
        raise SlackError(
            "invalid_arguments",
            errors=errors,
            response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
        )
    return view


def _slack_view(store: SlackStore, view_id: str, view: dict[str, Any], root: str, previous: str | None) -> dict:
    return {
        "id": view_id,
        "team_id": store.team_id,
        "type": view["type"],
        "title": view.get("title"),
        "submit": view.get("submit"),
        "close": view.get("close"),
        "blocks": with_block_ids(store, view.get("blocks") or []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": secrets.token_hex(8),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": root,
        "previous_view_id": previous,
        "app_id": "A0WARROOM",
        "bot_id": store.bot_id,
    }


def open_view(store: SlackStore, args: Args, *, push: bool) -> dict[str, Any]:
    trigger = _use_trigger(store, args.text("trigger_id"))
    view = _checked_view(args, ("modal",))
    stack = [v for v in store.views.values() if v.user_id == trigger.user_id and v.is_open]
    if push and len(stack) >= VIEW_STACK_LIMIT:
        raise SlackError("push_limit_reached")
    trigger.used = True
    view_id = store.new_id("V")
    previous = stack[-1] if push and stack else None
    root = previous.view["root_view_id"] if previous else view_id
    if not push:
        for old in stack:
            old.is_open = False
    stored = _slack_view(store, view_id, view, root, previous.id if previous else None)
    record = View(
        view_id,
        trigger.user_id,
        stored,
        stored["hash"],
        "modal",
        trigger.id,
        time.time(),
        previous_view_id=previous.id if previous else None,
    )
    store.views[view_id] = record
    verb = "pushed" if push else "opened"
    store.record(
        f"modal_{verb}",
        store.bot_user_id,
        f"modal {verb} for {store.user_label(trigger.user_id)}: {record.title}",
        blocks=stored["blocks"],
        text=record.title,
        to=trigger.user_id,
        view_id=view_id,
    )
    return {"view": copy.deepcopy(stored)}


@method("views.open")
def views_open(store: SlackStore, args: Args) -> dict[str, Any]:
    return open_view(store, args, push=False)


@method("views.push")
def views_push(store: SlackStore, args: Args) -> dict[str, Any]:
    return open_view(store, args, push=True)


def find_view(store: SlackStore, view_id: str | None, external_id: str | None) -> View:
    for record in [*store.views.values(), *store.home_views.values()]:
        if (view_id and record.id == view_id) or (external_id and record.external_id == external_id):
            return record
    raise SlackError("not_found")


@method("views.update")
def views_update(store: SlackStore, args: Args) -> dict[str, Any]:
    record = find_view(store, args.text("view_id"), args.text("external_id"))
    expected_hash = args.text("hash")
    if expected_hash and expected_hash != record.hash:
        raise SlackError("hash_conflict")
    view = _checked_view(args, (record.kind,))
    if record.external_id and not view.get("external_id"):
        view = {**view, "external_id": record.external_id}
    stored = _slack_view(store, record.id, view, record.view["root_view_id"], record.previous_view_id)
    record.view, record.hash = stored, stored["hash"]
    store.record(
        "modal_updated",
        store.bot_user_id,
        f"{record.kind} updated for {store.user_label(record.user_id)}: {record.title}",
        blocks=stored["blocks"],
        text=record.title,
        to=record.user_id,
        view_id=record.id,
    )
    return {"view": copy.deepcopy(stored)}


@method("views.publish")
def views_publish(store: SlackStore, args: Args) -> dict[str, Any]:
    user = require_user(store, args.text("user_id"))
    view = _checked_view(args, ("home",))
    existing = store.home_views.get(user)
    expected_hash = args.text("hash")
    if existing and expected_hash and expected_hash != existing.hash:
        raise SlackError("hash_conflict")
    view_id = existing.id if existing else store.new_id("V")
    stored = _slack_view(store, view_id, view, view_id, None)
    store.home_views[user] = View(view_id, user, stored, stored["hash"], "home", None, time.time())
    store.record(
        "home_published",
        store.bot_user_id,
        f"home tab published for {store.user_label(user)}",
        blocks=stored["blocks"],
        to=user,
        view_id=view_id,
    )
    return {"view": copy.deepcopy(stored)}


def apply_submission_answer(store: SlackStore, view_id: str, answer: dict[str, Any]) -> None:
    """What happens to a submitted modal, given the bot's acknowledgement body."""
    record = store.views.get(view_id)
    if record is None:
        raise SlackError("not_found")
    action = answer.get("response_action")
    if action == "errors":
        return
    if action == "update":
        view = _checked_view(Args({"view": answer.get("view")}), ("modal",))
        stored = _slack_view(store, record.id, view, record.view["root_view_id"], record.previous_view_id)
        record.view, record.hash = stored, stored["hash"]
        store.record(
            "modal_updated",
            store.bot_user_id,
            f"modal updated for {store.user_label(record.user_id)}: {record.title}",
            blocks=stored["blocks"],
            text=record.title,
            to=record.user_id,
            view_id=record.id,
        )
        return
    if action == "push":
        trigger_id = issue_trigger(store, record.user_id or "")
        open_view(store, Args({"trigger_id": trigger_id, "view": answer.get("view")}), push=True)
        return
    root = record.view.get("root_view_id")
    for other in store.views.values():
        if other.id == view_id or (action == "clear" and other.view.get("root_view_id") == root):
            other.is_open = False


def respond(store: SlackStore, token: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """The response_url endpoint, as Bolt's respond() uses it."""
    url = store.response_urls.get(token)
    if url is None:
        return 404, {"ok": False, "error": "no_active_hooks"}
    if url.uses >= RESPONSE_URL_USES or time.time() - url.created_at > RESPONSE_URL_TTL:
        return 404, {"ok": False, "error": "expired_url"}
    try:
        body = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        return 400, {"ok": False, "error": "invalid_payload"}
    if not isinstance(body, dict):
        return 400, {"ok": False, "error": "invalid_payload"}
    text, delete = body.get("text"), bool(body.get("delete_original"))
    try:
        blocks = checked_blocks(body.get("blocks"))
    except SlackError as error:
        return 400, error.body()
    if text is None and not blocks and not delete:
        return 400, {"ok": False, "error": "no_text"}
    url.uses += 1
    response_type = body.get("response_type") or "ephemeral"
    replace = bool(body.get("replace_original"))
    store.responses.append(
        Response(
            token,
            url.user_id,
            url.channel_id,
            text or "",
            copy.deepcopy(blocks),
            response_type,
            replace,
            delete,
            time.time(),
        )
    )
    _apply_response(store, url, text, blocks, response_type, replace, delete)
    return 200, {"ok": True}


def _apply_response(
    store: SlackStore,
    url: ResponseUrl,
    text: str | None,
    blocks: list[dict[str, Any]] | None,
    response_type: str,
    replace: bool,
    delete: bool,
) -> None:
    original = store.find_message(url.channel_id, url.message_ts) if url.message_ts else None
    ephemeral = store.find_ephemeral(url.channel_id, url.message_ts) if url.message_ts else None
    if delete:
        if original is not None:
            store.messages[url.channel_id].remove(original)
        if ephemeral is not None:
            ephemeral.deleted = True
        store.record(
            "deleted",
            store.bot_user_id,
            f"message deleted in {store.channel_label(url.channel_id)}",
            channel=url.channel_id,
            ts=url.message_ts,
        )
        return
    if replace and original is not None:
        update_message(store, original, text or "", blocks if blocks is not None else [], "response_url")
        return
    if replace and ephemeral is not None:
        ephemeral.text, ephemeral.blocks = text or "", with_block_ids(store, blocks)
        ephemeral.replaced += 1
        store.record(
            "ephemeral",
            store.bot_user_id,
            f"warroom replaced a message to {store.user_label(url.user_id)} "
            f"(only visible to them): {short(ephemeral.text)}",
            channel=url.channel_id,
            text=ephemeral.text,
            blocks=ephemeral.blocks,
            to=url.user_id,
            ts=ephemeral.ts,
            via="response_url",
            updated=True,
        )
        return
    channel = store.channels.get(url.channel_id)
    if response_type == "in_channel" and channel is not None:
        post_message(store, channel, store.bot_user_id, text or "", blocks, via="response_url")
    else:
        add_ephemeral(store, url.channel_id, url.user_id, text or "", blocks, "response_url")
