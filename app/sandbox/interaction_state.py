"""Block Kit element values in the shape Slack sends them (block_actions actions, view state)."""

from __future__ import annotations

import copy
from typing import Any

_TEXT_INPUTS = ("plain_text_input", "number_input", "email_text_input", "url_text_input")
_SINGLE_OPTION = ("static_select", "external_select", "radio_buttons", "overflow")
_MULTI_OPTION = ("multi_static_select", "multi_external_select", "checkboxes")
_SELECTED_KEY = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}


def interactive_elements(blocks: list[dict[str, Any]] | None) -> list[tuple[str, dict[str, Any]]]:
    """(block_id, element) for every element with an action_id, in display order."""
    found = []
    for block in blocks or []:
        candidates = [*(block.get("elements") or []), block.get("accessory"), block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id"):
                found.append((block.get("block_id", ""), element))
    return found


def find_element(
    blocks: list[dict[str, Any]] | None, action_id: str, block_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The block_id and element for an action_id; LookupError naming what exists instead."""
    elements = interactive_elements(blocks)
    for found_block_id, element in elements:
        if element["action_id"] == action_id and block_id in (None, found_block_id):
            return found_block_id, element
    existing = ", ".join(f"{b}/{e['action_id']}" for b, e in elements) or "none"
    raise LookupError(f"no element with action_id {action_id!r} (block_id {block_id!r}); existing: {existing}")


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    for option in _options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    values = [o.get("value") for o in _options(element)]
    raise LookupError(f"{element.get('action_id')!r} has no option {value!r}; options: {values}")


def initial_value(element: dict[str, Any]) -> Any:
    """What the element holds before the user touches it."""
    kind = element.get("type", "")
    if kind in _TEXT_INPUTS:
        return element.get("initial_value")
    if kind in _SINGLE_OPTION:
        option = element.get("initial_option")
        return option.get("value") if option else None
    if kind in _MULTI_OPTION:
        return [o.get("value") for o in element.get("initial_options") or []] or None
    if kind in _SELECTED_KEY:
        return element.get(_SELECTED_KEY[kind][1])
    return None


def element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """Slack's state entry for this element holding value (None means empty)."""
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    if kind in _TEXT_INPUTS or kind == "button":
        state["value"] = value
    elif kind in _SINGLE_OPTION:
        state["selected_option"] = None if value is None else _option(element, value)
    elif kind in _MULTI_OPTION:
        state["selected_options"] = [_option(element, v) for v in value or []]
    elif kind in _SELECTED_KEY:
        state[_SELECTED_KEY[kind][0]] = value
    elif kind == "rich_text_input":
        state["rich_text_value"] = (
            value
            if not isinstance(value, str)
            else {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": value}]}],
            }
        )
    else:
        state["value"] = value
    return state


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def view_state(blocks: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """state.values for a submission: every input, filled from values or the initial values.

    Raises LookupError for a block_id/action_id the view does not have, and ValueError when a
    required input stays empty (Slack's client would not submit then).
    """
    known = {(b, e["action_id"]): e for b, e in interactive_elements(blocks)}
    for block_id, actions in values.items():
        for action_id in actions:
            if (block_id, action_id) not in known:
                existing = ", ".join(f"{b}/{a}" for b, a in known) or "none"
                raise LookupError(f"view has no input {block_id}/{action_id}; existing: {existing}")
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in blocks:
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        block_id, element = block["block_id"], block["element"]
        action_id = element.get("action_id", "")
        given = values.get(block_id, {})
        value = given[action_id] if action_id in given else initial_value(element)
        if is_empty(value) and not block.get("optional", False):
            label = (block.get("label") or {}).get("text", block_id)
            raise ValueError(f"required input {label!r} ({block_id}/{action_id}) is empty")
        state.setdefault(block_id, {})[action_id] = element_state(element, value)
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            if action_id not in state.get(block_id, {}):
                state.setdefault(block_id, {})[action_id] = element_state(known[(block_id, action_id)], value)
    return state
