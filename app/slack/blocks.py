"""Block Kit builders that clamp text to Slack's limits, and a validator for the bot's own tests.

Builders take mrkdwn that is already escaped (see ``app.slack.text``) and cut it to fit, so a long
alert title never makes a Slack call fail. Identifiers and data (action_id, value, callback_id,
private_metadata, urls) are never cut: a value over its limit raises ValueError instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from app.slack.text import plain, truncate

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3_000
FIELD_MAX = 2_000
FIELDS_MAX = 10
HEADER_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 3_000
ACTIONS_ELEMENTS_MAX = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2_000
URL_MAX = 3_000
ID_MAX = 255
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
LABEL_MAX = 2_000
PLACEHOLDER_MAX = 150
INPUT_MAX = 3_000
VIEW_TEXT_MAX = 24
PRIVATE_METADATA_MAX = 3_000
FALLBACK_TEXT_MAX = 4_000
EMPTY = "\u200b"

Blocks = list[dict[str, Any]]


def _more(count: int) -> str:
    return f"…and {count} more"


def _filled(text: str) -> str:
    """Slack rejects empty text objects: stand in a zero-width space."""
    return text if text and text.strip() else EMPTY


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _filled(truncate(text, limit))}


def plain_text(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": _filled(plain(text, limit)), "emoji": True}


def _check_id(name: str, value: str | None) -> None:
    if value is not None and (not value or len(value) > ID_MAX):
        raise ValueError(f"{name} must be 1 to {ID_MAX} characters (got {len(value)})")


def _with_block_id(block: dict[str, Any], block_id: str | None) -> dict[str, Any]:
    _check_id("block_id", block_id)
    if block_id is not None:
        block["block_id"] = block_id
    return block


def header(text: str, *, block_id: str | None = None) -> dict[str, Any]:
    return _with_block_id({"type": "header", "text": plain_text(text, HEADER_MAX)}, block_id)


def section(text: str, *, accessory: dict | None = None, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text, SECTION_TEXT_MAX)}
    if accessory is not None:
        block["accessory"] = accessory
    return _with_block_id(block, block_id)


def fields_section(fields: list[str], *, text: str | None = None, block_id: str | None = None) -> dict[str, Any]:
    """A section of up to 10 two-column fields; extra fields collapse into a last "…and N more"."""
    if not fields and text is None:
        raise ValueError("fields_section needs fields or text")
    shown = list(fields)
    if len(shown) > FIELDS_MAX:
        shown = shown[: FIELDS_MAX - 1] + [_more(len(fields) - (FIELDS_MAX - 1))]
    block: dict[str, Any] = {"type": "section"}
    if text is not None:
        block["text"] = mrkdwn(text, SECTION_TEXT_MAX)
    if shown:
        block["fields"] = [mrkdwn(field, FIELD_MAX) for field in shown]
    return _with_block_id(block, block_id)


def context(*texts: str | dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    """Small grey text; strings become mrkdwn elements, dicts (e.g. images) pass through."""
    items = list(texts) or [""]
    if len(items) > CONTEXT_ELEMENTS_MAX:
        items = items[: CONTEXT_ELEMENTS_MAX - 1] + [_more(len(texts) - (CONTEXT_ELEMENTS_MAX - 1))]
    elements = [item if isinstance(item, dict) else mrkdwn(item, CONTEXT_TEXT_MAX) for item in items]
    return _with_block_id({"type": "context", "elements": elements}, block_id)


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def actions(*elements: dict[str, Any], block_id: str | None = None) -> dict[str, Any]:
    """A row of interactive elements; only the first 25 are kept."""
    return _with_block_id({"type": "actions", "elements": list(elements[:ACTIONS_ELEMENTS_MAX])}, block_id)


def button(
    text: str,
    action_id: str,
    *,
    value: str | None = None,
    style: str | None = None,
    url: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    _check_id("action_id", action_id)
    if style not in (None, "primary", "danger"):
        raise ValueError(f"button style must be primary or danger (got {style!r})")
    element: dict[str, Any] = {"type": "button", "text": plain_text(text, BUTTON_TEXT_MAX), "action_id": action_id}
    if value is not None:
        if len(value) > BUTTON_VALUE_MAX:
            raise ValueError(f"button value must be at most {BUTTON_VALUE_MAX:,} characters (got {len(value):,})")
        element["value"] = value
    if url is not None:
        if not url.startswith(("http://", "https://")) or len(url) > URL_MAX:
            raise ValueError(f"button url must be an http(s) URL of at most {URL_MAX:,} characters")
        element["url"] = url
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def confirm_dialog(
    title: str, text: str, confirm: str = "Yes", deny: str = "Cancel", *, style: str | None = None
) -> dict[str, Any]:
    """The "are you sure?" dialog shown before a button's action runs."""
    dialog: dict[str, Any] = {
        "title": plain_text(title, CONFIRM_TITLE_MAX),
        "text": plain_text(text, CONFIRM_TEXT_MAX),
        "confirm": plain_text(confirm, CONFIRM_BUTTON_MAX),
        "deny": plain_text(deny, CONFIRM_BUTTON_MAX),
    }
    if style is not None:
        if style not in ("primary", "danger"):
            raise ValueError(f"confirm style must be primary or danger (got {style!r})")
        dialog["style"] = style
    return dialog


def option(text: str, value: str) -> dict[str, Any]:
    if not value or len(value) > OPTION_VALUE_MAX:
        raise ValueError(f"option value must be 1 to {OPTION_VALUE_MAX} characters (got {value!r})")
    return {"text": plain_text(text, OPTION_TEXT_MAX), "value": value}


def _input(label: str, element: dict[str, Any], *, block_id: str, optional: bool, hint: str | None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "label": plain_text(label, LABEL_MAX),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, LABEL_MAX)
    return _with_block_id(block, block_id)


def plain_input(
    label: str,
    *,
    block_id: str,
    action_id: str,
    multiline: bool = False,
    initial: str | None = None,
    optional: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    """A text input; the initial value is cut to ``max_length`` so the view still opens."""
    _check_id("action_id", action_id)
    limit = min(max_length or INPUT_MAX, INPUT_MAX)
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if initial:
        element["initial_value"] = plain(initial, limit)
    if max_length is not None:
        element["max_length"] = limit
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return _input(label, element, block_id=block_id, optional=optional, hint=hint)


def static_select_input(
    label: str,
    *,
    block_id: str,
    action_id: str,
    options: list[tuple[str, str]],
    initial: str | None = None,
    optional: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    """A drop-down; ``options`` are ``(value, text)`` pairs and ``initial`` is a value among them."""
    _check_id("action_id", action_id)
    if not options:
        raise ValueError("static_select_input needs at least one option")
    choices = [option(text, value) for value, text in options[:OPTIONS_MAX]]
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": choices}
    selected = [choice for choice in choices if choice["value"] == initial]
    if selected:
        element["initial_option"] = selected[0]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return _input(label, element, block_id=block_id, optional=optional, hint=hint)


def users_select_input(
    label: str,
    *,
    block_id: str,
    action_id: str,
    initial: str | list[str] | None = None,
    multi: bool = False,
    optional: bool = False,
    placeholder: str | None = None,
    hint: str | None = None,
) -> dict[str, Any]:
    """A user picker; ``multi`` allows several users (``initial`` is then a list of ids)."""
    _check_id("action_id", action_id)
    element: dict[str, Any] = {"type": "multi_users_select" if multi else "users_select", "action_id": action_id}
    if initial:
        if multi:
            element["initial_users"] = [initial] if isinstance(initial, str) else list(initial)
        else:
            element["initial_user"] = initial if isinstance(initial, str) else initial[0]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return _input(label, element, block_id=block_id, optional=optional, hint=hint)


def modal(
    title: str,
    blocks: Blocks,
    *,
    callback_id: str,
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal view; private_metadata over 3,000 characters raises (it is data, never cut)."""
    _check_id("callback_id", callback_id)
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError(
            f"private_metadata must be at most {PRIVATE_METADATA_MAX:,} characters (got {len(private_metadata):,})"
        )
    if submit is None and any(block.get("type") == "input" for block in blocks):
        raise ValueError("a modal with input blocks needs a submit label")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title, VIEW_TEXT_MAX),
        "close": plain_text(close, VIEW_TEXT_MAX),
        "blocks": fit_blocks(blocks, limit=MODAL_BLOCKS_MAX),
        "private_metadata": private_metadata,
    }
    if submit is not None:
        view["submit"] = plain_text(submit, VIEW_TEXT_MAX)
    return view


def message(text: str, blocks: Blocks) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update: fallback text plus blocks that fit."""
    return {"text": truncate(text, FALLBACK_TEXT_MAX), "blocks": fit_blocks(blocks)}


def fit_blocks(blocks: Blocks, limit: int = MESSAGE_BLOCKS_MAX, more: Callable[[int], str] = _more) -> Blocks:
    """At most ``limit`` blocks: over it, keep the first limit-1 and add a context note of what was left."""
    if len(blocks) <= limit:
        return list(blocks)
    kept = list(blocks[: limit - 1])
    return kept + [context(more(len(blocks) - len(kept)))]


def validate_blocks(blocks: Blocks, *, limit: int = MESSAGE_BLOCKS_MAX) -> list[str]:
    """Problems Slack would reject the blocks for; an empty list means they are fine."""
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks: at most {limit} are allowed")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"blocks[{index}]"
        if not isinstance(block, dict) or not block.get("type"):
            problems.append(f"{where}: must be an object with a type")
            continue
        where = f"{where} ({block['type']})"
        own = _limit_problems(block)
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                own.append(f"block_id {block_id!r} is used twice")
            seen.add(block_id)
        problems.extend(f"{where}: {problem}" for problem in own)
        sdk_problem = _sdk_problem(block)
        if sdk_problem and not own:
            problems.append(f"{where}: {sdk_problem}")
    return problems


def _sdk_problem(block: dict[str, Any]) -> str | None:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return f"unknown block type {block['type']!r}"
        parsed.to_dict()
    except SlackObjectFormationError as exc:
        return str(exc)
    except (TypeError, KeyError, AttributeError) as exc:
        return f"malformed block ({exc})"
    return None


def _text_of(value: Any) -> str:
    return value.get("text", "") if isinstance(value, dict) else ""


def _limit_problems(block: dict[str, Any]) -> list[str]:
    """The limits slack_sdk does not check (or checks only partly)."""
    problems: list[str] = []
    kind = block["type"]
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not block_id or len(block_id) > ID_MAX):
        problems.append(f"block_id must be a string of 1 to {ID_MAX} characters")
    if kind == "header":
        text = _text_of(block.get("text"))
        if not text:
            problems.append("header text is empty")
        elif len(text) > HEADER_MAX:
            problems.append(f"header text is {len(text):,} characters: at most {HEADER_MAX} allowed")
    elif kind == "section":
        problems.extend(_section_problems(block))
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements:
            problems.append("context needs at least one element")
        if len(elements) > CONTEXT_ELEMENTS_MAX:
            problems.append(f"{len(elements)} context elements: at most {CONTEXT_ELEMENTS_MAX} allowed")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements:
            problems.append("actions needs at least one element")
        if len(elements) > ACTIONS_ELEMENTS_MAX:
            problems.append(f"{len(elements)} actions elements: at most {ACTIONS_ELEMENTS_MAX} allowed")
    return problems


def _section_problems(block: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    text = block.get("text")
    fields = block.get("fields") or []
    if text is None and not fields:
        problems.append("section needs text or fields")
    if text is not None:
        body = _text_of(text)
        if not body:
            problems.append("section text is empty")
        elif len(body) > SECTION_TEXT_MAX:
            problems.append(f"section text is {len(body):,} characters: at most {SECTION_TEXT_MAX:,} allowed")
    if len(fields) > FIELDS_MAX:
        problems.append(f"{len(fields)} fields: at most {FIELDS_MAX} allowed")
    for number, field in enumerate(fields):
        length = len(_text_of(field))
        if length > FIELD_MAX:
            problems.append(f"fields[{number}] is {length:,} characters: at most {FIELD_MAX:,} allowed")
    return problems
