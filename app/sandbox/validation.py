"""Slack's input rules for the fake: channel names, Block Kit blocks, views and broadcast mentions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
VIEW_SIZE_LIMIT = 250_000
MAX_REPORTED_ERRORS = 10

_NAME_CHARS = re.compile(r"^[a-z0-9_-]+$")
_BROADCAST = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>")


def channel_name_error(name: str | None) -> str | None:
    """The error code conversations.create answers for this name, or None if it is valid."""
    if not name:
        return "invalid_name_required"
    if len(name) > 80:
        return "invalid_name_maxlength"
    if not _NAME_CHARS.match(name):
        return "invalid_name_specials"
    if not name.strip("-_"):
        return "invalid_name_punctuation"
    return None


def block_texts(value: Any) -> Iterator[str]:
    """Every text string inside blocks or views (text objects, fields, elements), depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from block_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from block_texts(item)


def has_broadcast(text: str | None) -> bool:
    """True if text contains an unescaped <!channel>, <!here> or <!everyone>."""
    return bool(text) and bool(_BROADCAST.search(text or ""))


def block_errors(blocks: Any, *, limit: int = MESSAGE_BLOCK_LIMIT) -> list[str]:
    """Reasons Slack would reject these blocks; empty when they are valid."""
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"too many blocks: {len(blocks)} (at most {limit})")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        errors.extend(f"block {index}: {e}" for e in _one_block_errors(block, seen_ids))
    if len(errors) > MAX_REPORTED_ERRORS:
        errors = [*errors[:MAX_REPORTED_ERRORS], f"... and {len(errors) - MAX_REPORTED_ERRORS} more"]
    return errors


def _one_block_errors(block: Any, seen_ids: set[str]) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return ["a block must be an object with a type"]
    kind = block["type"]
    try:
        parsed = Block.parse(block)
    except Exception as exc:  # any parse failure means an invalid block
        return [f"{kind} block does not parse: {exc}"]
    if parsed is None:
        return [f"unknown block type '{kind}'"]
    errors: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or len(block_id) > 255:
            errors.append(f"{kind} block: block_id must be a string of at most 255 characters")
        elif block_id in seen_ids:
            errors.append(f"{kind} block: duplicate block_id '{block_id}'")
        else:
            seen_ids.add(block_id)
    errors.extend(_limit_errors(kind, block))
    if not errors:
        try:
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            errors.append(f"{kind} block: {exc}")
    return errors


def _text_of(obj: Any) -> str | None:
    return obj.get("text") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else None


def _limit_errors(kind: str, block: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if kind == "section":
        if "text" in block and _text_of(block["text"]) is None:
            errors.append("section text must be a text object")
        text = _text_of(block.get("text"))
        if text is not None and len(text) > 3000:
            errors.append(f"section text is {len(text)} characters (at most 3000)")
        fields = block.get("fields") or []
        if len(fields) > 10:
            errors.append(f"section has {len(fields)} fields (at most 10)")
        for number, item in enumerate(fields):
            field_text = _text_of(item)
            if field_text is None:
                errors.append(f"section field {number} must be a text object")
            elif len(field_text) > 2000:
                errors.append(f"section field {number} is {len(field_text)} characters (at most 2000)")
        if isinstance(block.get("accessory"), dict):
            errors.extend(_element_errors(block["accessory"]))
    elif kind == "header":
        text = _text_of(block.get("text"))
        if text is None:
            errors.append("header text must be a plain_text object")
        elif len(text) > 150:
            errors.append(f"header text is {len(text)} characters (at most 150)")
    elif kind == "context":
        elements = block.get("elements") or []
        if len(elements) > 10:
            errors.append(f"context has {len(elements)} elements (at most 10)")
    elif kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > 25:
            errors.append(f"actions has {len(elements)} elements (at most 25)")
        for element in elements:
            errors.extend(_element_errors(element))
    elif kind == "markdown":
        text = block.get("text")
        if isinstance(text, str) and len(text) > 12000:
            errors.append(f"markdown text is {len(text)} characters (at most 12000)")
    elif kind == "input" and isinstance(block.get("element"), dict):
        errors.extend(_element_errors(block["element"]))
    return errors


def _element_errors(element: Any) -> list[str]:
    if not isinstance(element, dict):
        return ["an element must be an object"]
    errors: list[str] = []
    kind = element.get("type", "?")
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > 255:
        errors.append(f"{kind} action_id is {len(action_id)} characters (at most 255)")
    if kind == "button":
        label = _text_of(element.get("text"))
        if label is None:
            errors.append("button text must be a plain_text object")
        elif len(label) > 75:
            errors.append(f"button text '{label[:20]}...' is {len(label)} characters (at most 75)")
        value = element.get("value")
        if isinstance(value, str) and len(value) > 2000:
            errors.append(f"button value is {len(value)} characters (at most 2000)")
        url = element.get("url")
        if isinstance(url, str) and len(url) > 3000:
            errors.append(f"button url is {len(url)} characters (at most 3000)")
    for option in element.get("options") or []:
        text = _text_of(option.get("text")) if isinstance(option, dict) else None
        value = option.get("value") if isinstance(option, dict) else None
        if text is not None and len(text) > 75:
            errors.append(f"option text '{text[:20]}...' is {len(text)} characters (at most 75)")
        if isinstance(value, str) and len(value) > 150:
            errors.append(f"option value is {len(value)} characters (at most 150)")
    return errors


def view_errors(view: Any, *, kinds: tuple[str, ...] = ("modal",)) -> list[str]:
    """Reasons Slack would reject this view for views.open/push/update/publish."""
    if not isinstance(view, dict):
        return ["view must be a JSON object"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in kinds:
        errors.append(f"view type must be {' or '.join(kinds)}, not {kind!r}")
    for key in ("title", "submit", "close"):
        if key not in view:
            if key == "title" and kind == "modal":
                errors.append("modal must have a title")
            continue
        obj = view[key]
        if not isinstance(obj, dict) or obj.get("type") != "plain_text" or _text_of(obj) is None:
            errors.append(f"{key} must be a plain_text object")
        elif len(obj["text"]) > 24:
            errors.append(f"{key} '{obj['text']}' is {len(obj['text'])} characters (at most 24)")
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("view must have blocks")
    else:
        errors.extend(block_errors(blocks, limit=VIEW_BLOCK_LIMIT))
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if kind == "modal" and has_input and "submit" not in view:
            errors.append("a modal with input blocks must have a submit button")
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(f"{key} must be a string of at most {limit} characters")
    size = len(json.dumps(view))
    if size > VIEW_SIZE_LIMIT:
        errors.append(f"view is {size} bytes (at most {VIEW_SIZE_LIMIT})")
    return errors
