"""The shape of a Slack request body: the fields that Bolt and the listeners index must have Slack's types.

Slack's own requests always fit. A body that does not (``"actions": null``, an ``event`` that is a list)
would make Bolt fail half-way through dispatch; it is answered 400 instead. Only the parts that are read
are described: everything else passes through untouched.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Object = dict[str, Any]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Event(_Loose):
    type: str
    user: str | Object | None = None
    channel: str | Object | None = None
    team: str | Object | None = None
    item: Object | None = None
    message: Object | None = None
    previous_message: Object | None = None
    assistant_thread: Object | None = None
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None


class ViewState(_Loose):
    values: dict[str, Object]


class View(_Loose):
    id: str | None = None
    callback_id: str | None = None
    type: str  # modal or home: Slack always says which
    state: ViewState | None = None
    private_metadata: str | None = None


class Action(_Loose):
    action_id: str
    block_id: str | None = None


class User(_Loose):
    id: str


class Envelope(_Loose):
    """A JSON event envelope, an interaction payload or a slash command's fields."""

    type: str | None = None
    event_id: str | None = None
    command: str | None = None
    text: str | None = None
    callback_id: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    response_urls: list[Object] | None = None
    authorizations: list[Object] | None = None
    event: Event | None = None
    actions: list[Action] | None = None
    view: View | None = None
    user: str | User | None = None
    team: str | Object | None = None
    channel: str | Object | None = None
    enterprise: Object | None = None
    container: Object | None = None
    message: Object | None = None
    previous_message: Object | None = None
    state: Object | None = None
    workflow_step: Object | None = None
    function_data: Object | None = None
    is_ext_shared_channel: bool | None = None
    challenge: str | None = Field(default=None)

    @model_validator(mode="after")
    def _per_type(self) -> Envelope:
        for name in _NEVER_NULL:  # Bolt indexes these as soon as the key is there
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} is null")
        if self.type == "block_actions" and "actions" in self.model_fields_set and not self.actions:
            raise ValueError("block_actions without any action")
        if self.type in INTERACTIONS and not isinstance(self.user, User):
            raise ValueError(f"{self.type} without the user who acted")
        if self.type == "view_submission" and (self.view is None or self.view.state is None):
            raise ValueError("view_submission without the view's state")
        return self


# Interaction payloads: Slack always says who acted, as {"id": ..., ...}.
INTERACTIONS = ("block_actions", "view_submission", "view_closed", "message_action", "shortcut", "block_suggestion")


_NEVER_NULL = ("actions", "event", "view", "workflow_step")


def shape_problem(body: Any) -> str | None:
    """None when the parsed body has Slack's shape, else a short reason (for the 400 answer)."""
    if not isinstance(body, dict):
        return f"the body is a JSON {type(body).__name__}, not an object"
    try:
        Envelope.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    return None
