"""Signed Slack requests (commands, clicks, modal submissions, events) built ahead of time, so sending them costs
nothing."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from app.sandbox.driver import SlackDriver
from app.sandbox.interaction_state import interactive_elements, view_state


@dataclass(frozen=True)
class SignedRequest:
    """A request exactly as Slack would send it to the Request URL."""

    kind: str  # command | click | submission | event
    label: str
    body: bytes
    headers: dict[str, str]

    @property
    def response_token(self) -> str | None:
        """The token of the response_url Slack handed out with this request (where the answer goes)."""
        fields = parse_qs(self.body.decode())
        url = (fields.get("response_url") or [""])[0]
        if not url and "payload" in fields:
            url = json.loads(fields["payload"][0]).get("response_url", "")
        return url.rsplit("/", 1)[-1] or None

    def as_plan(self) -> dict[str, Any]:
        """The request as the open-loop load generator reads it."""
        return {"kind": self.kind, "label": self.label, "body": self.body.decode("utf-8"), "headers": self.headers}


class RequestBuilder(SlackDriver):
    """A SlackDriver that keeps the signed request instead of sending it."""

    def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
             signature: str | None = None, timestamp: int | None = None) -> SignedRequest:  # type: ignore[override]
        signed = self.signed_headers(body, timestamp=timestamp)
        return SignedRequest("", "", body.encode("utf-8"), {"Content-Type": content_type, **signed, **(headers or {})})

    def command_request(self, user: str, channel: str, text: str) -> SignedRequest:
        request = self.command(user, channel, text)
        return SignedRequest("command", f"/warroom {text.split(' ')[0]}", request.body, request.headers)

    def click_request(self, user: str, channel: str, ts: str, action_id: str, block_id: str) -> SignedRequest:
        request = self.click(user, channel, ts, action_id, block_id=block_id)
        return SignedRequest("click", action_id, request.body, request.headers)

    def submission_request(self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> SignedRequest:
        """A modal (as Slack stores it after views.open) submitted with values[block_id][action_id]."""
        submitted = {**view, "state": {"values": view_state(view.get("blocks") or [], values)}}
        payload = {"type": "view_submission", "token": self.verification_token, "api_app_id": self.api_app_id,
                   "team": self._team(), "user": self._user(user), "enterprise": None, "is_enterprise_install": False,
                   "trigger_id": self.fake.issue_trigger(user), "view": submitted, "response_urls": []}
        request = self._post_payload(payload)
        return SignedRequest("submission", view.get("callback_id", "view"), request.body, request.headers)

    def event_request(self, event: dict[str, Any]) -> SignedRequest:
        """An Events API delivery of ``event`` (nothing is stored in the fake: the bot only gets the event)."""
        request = self.event({"ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}", **event},
                             event_id="Ev" + secrets.token_hex(6).upper())
        return SignedRequest("event", event["type"], request.body, request.headers)


def buttons(blocks: list[dict] | None, action_id: str) -> list[str]:
    """The block ids of the buttons with this action_id in a message."""
    return [block_id for block_id, element in interactive_elements(blocks) if element["action_id"] == action_id]
