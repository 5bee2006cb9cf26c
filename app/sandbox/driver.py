"""Sends signed requests to the bot's Request URL the way Slack does: commands, clicks, modals, events."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from app.sandbox.fake_slack import FakeSlack
from app.sandbox.fake_slack_store import Message
from app.sandbox.interaction_state import element_state, find_element, view_state

FORM = "application/x-www-form-urlencoded"


_TOKEN = re.compile(r"(<(?:[@#!][^<>]*|https?://[^<>]*|mailto:[^<>]*)>)")


def as_slack_sends(text: str) -> str:
    """Text as Slack delivers what a person typed: ``&``, ``<`` and ``>`` as entities, except in the
    ``<…>`` tokens Slack makes of mentions, broadcasts and links (written as tokens in the tests)."""
    parts = _TOKEN.split(text)
    return "".join(part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                   for i, part in enumerate(parts))


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class SlackDriver:
    """Acts as Slack towards the bot: every request is signed with the app's signing secret."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        fake: FakeSlack,
        team_id: str | None = None,
        *,
        api_app_id: str = "A0WARROOM",
        verification_token: str = "sandbox-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.bot_url = bot_url
        self.fake = fake
        self.team_id = team_id or fake.team_id
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.last_event_id: str | None = None
        self._verifier = SignatureVerifier(signing_secret)
        self._http = httpx.Client(trust_env=False, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------------------

    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature for this raw body."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._verifier.generate_signature(timestamp=ts, body=body) or ""
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> httpx.Response:
        """POST a raw body to the bot, signed (or with the given signature, to test refusals)."""
        signed = self.signed_headers(body, timestamp=timestamp)
        if signature is not None:
            signed["X-Slack-Signature"] = signature
        all_headers = {"Content-Type": content_type, **signed, **(headers or {})}
        return self._http.post(self.bot_url, content=body.encode("utf-8"), headers=all_headers)

    def _post_payload(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), FORM)

    # --- people ----------------------------------------------------------------------------------

    def _user(self, user_id: str) -> dict[str, str]:
        member = self.fake.user(user_id)
        name = member.name if member else user_id
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _name(self, user_id: str) -> str:
        member = self.fake.user(user_id)
        return member.real_name if member else user_id

    def _channel(self, channel_id: str) -> dict[str, str]:
        channel = self.fake.channel(channel_id)
        if channel is None:
            return {"id": channel_id, "name": channel_id}
        return {"id": channel_id, "name": "directmessage" if channel.is_im else channel.name}

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.fake.workspace.domain}

    def _message(self, channel_id: str, message_ts: str) -> tuple[Message | None, dict[str, Any]]:
        """The stored message (or ephemeral) at message_ts, as Slack sends it in payloads."""
        message = self.fake.message(channel_id, message_ts)
        if message is not None:
            return message, message.to_slack()
        for ephemeral in self.fake.ephemerals(channel=channel_id):
            if ephemeral.ts == message_ts and not ephemeral.deleted:
                as_message = Message(
                    channel_id,
                    ephemeral.ts,
                    self.fake.bot_user_id,
                    ephemeral.text,
                    ephemeral.blocks,
                    bot_id=self.fake.bot_id,
                )
                return None, as_message.to_slack()
        raise LookupError(f"no message {message_ts} in channel {channel_id}")

    # --- interactions ----------------------------------------------------------------------------

    def command(self, user_id: str, channel_id: str, text: str, command: str = "/warroom") -> httpx.Response:
        """A slash command typed by user_id in channel_id."""
        channel = self._channel(channel_id)
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.fake.workspace.domain,
            "channel_id": channel_id,
            "channel_name": channel["name"],
            "user_id": user_id,
            "user_name": self._user(user_id)["name"],
            "command": command,
            "text": as_slack_sends(text),
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(user_id, channel_id),
            "trigger_id": self.fake.issue_trigger(user_id),
        }
        self.fake.note(
            "command",
            user_id,
            f"{self._name(user_id)} ran {command} {text}".rstrip(),
            channel=channel_id,
            text=f"{command} {text}".rstrip(),
        )
        return self.post(urlencode(fields), FORM)

    def click(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: Any = None,
        block_id: str | None = None,
    ) -> httpx.Response:
        """A click on a button (or a choice in a select) of a message; the element must exist."""
        stored, message = self._message(channel_id, message_ts)
        element, action = _action(message.get("blocks"), action_id, block_id, value)
        is_ephemeral = stored is None
        payload: dict[str, Any] = {
            "type": "block_actions",
            "token": self.verification_token,
            "api_app_id": self.api_app_id,
            "user": self._user(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": self._channel(channel_id),
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": self.fake.issue_trigger(user_id),
            "response_url": self.fake.new_response_url(
                user_id, channel_id, message_ts=message_ts, ephemeral=is_ephemeral
            ),
            "state": {"values": {}},
            "actions": [action],
        }
        if not is_ephemeral:
            payload["message"] = message
        label = (element.get("text") or {}).get("text") or action_id
        self.fake.note(
            "click",
            user_id,
            f'{self._name(user_id)} clicked [{label}] on "{_short(message["text"])}"',
            channel=channel_id,
            text=label,
            ts=message_ts,
            action_id=action_id,
        )
        return self._post_payload(payload)

    def click_in_view(
        self, user_id: str, view_id: str, action_id: str, value: Any = None, block_id: str | None = None
    ) -> httpx.Response:
        """A click on a button (or a choice in a select) inside a modal or the Home tab."""
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        element, action = _action(view.view.get("blocks"), action_id, block_id, value)
        payload = {
            "type": "block_actions",
            "token": self.verification_token,
            "api_app_id": self.api_app_id,
            "user": self._user(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.fake.issue_trigger(user_id),
            "view": view.view,
            "actions": [action],
        }
        label = (element.get("text") or {}).get("text") or action_id
        self.fake.note(
            "click",
            user_id,
            f'{self._name(user_id)} clicked [{label}] in "{view.title or view.kind}"',
            text=label,
            view_id=view_id,
            action_id=action_id,
        )
        return self._post_payload(payload)

    def submit_view(
        self, user_id: str, view_id: str, values: dict[str, dict[str, Any]] | None = None
    ) -> httpx.Response:
        """Submit a modal with values[block_id][action_id]; applies the bot's response_action."""
        view = self.fake.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id}")
        if not view.is_open:
            raise LookupError(f"view {view_id} ({view.title}) is not open")
        submitted = dict(view.view)
        submitted["state"] = {"values": view_state(submitted.get("blocks") or [], values or {})}
        payload: dict[str, Any] = {
            "type": "view_submission",
            "token": self.verification_token,
            "api_app_id": self.api_app_id,
            "team": self._team(),
            "user": self._user(user_id),
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": self.fake.issue_trigger(user_id),
            "view": submitted,
            "response_urls": [],
        }
        self.fake.note(
            "submit",
            user_id,
            f'{self._name(user_id)} submitted "{view.title}"',
            text=view.title,
            blocks=submitted.get("blocks"),
            view_id=view_id,
            values=submitted["state"]["values"],
        )
        response = self._post_payload(payload)
        if response.status_code == 200:
            try:
                answer = response.json() if response.content.strip() else {}
            except ValueError:
                answer = {}
            self.fake.after_submission(view_id, answer if isinstance(answer, dict) else {})
        return response

    def message_shortcut(self, user_id: str, channel_id: str, message_ts: str, callback_id: str) -> httpx.Response:
        """A message shortcut (the "..." menu on a message)."""
        _, message = self._message(channel_id, message_ts)
        payload = {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": self._user(user_id),
            "channel": self._channel(channel_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.fake.issue_trigger(user_id),
            "response_url": self.fake.new_response_url(user_id, channel_id),
            "message_ts": message_ts,
            "message": message,
        }
        self.fake.note(
            "shortcut",
            user_id,
            f'{self._name(user_id)} used the shortcut {callback_id} on "{_short(message["text"])}"',
            channel=channel_id,
            text=callback_id,
            ts=message_ts,
        )
        return self._post_payload(payload)

    def global_shortcut(self, user_id: str, callback_id: str) -> httpx.Response:
        """A global shortcut (from the composer or search)."""
        payload = {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": self._user(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.fake.issue_trigger(user_id),
        }
        self.fake.note("shortcut", user_id, f"{self._name(user_id)} used the shortcut {callback_id}", text=callback_id)
        return self._post_payload(payload)

    # --- events ----------------------------------------------------------------------------------

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """An Events API delivery; pass retry_num (and the earlier event_id) to send a retry."""
        event_id = event_id or "Ev" + secrets.token_hex(5).upper()
        self.last_event_id = event_id
        now = time.time()
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(envelope), "application/json", headers=headers)

    def join(self, user_id: str, channel_id: str) -> httpx.Response:
        """``user_id`` joins the channel, and Slack tells the bot (member_joined_channel)."""
        self.fake.set_member(channel_id, user_id, True)
        self.fake.note("join", user_id, f"{self._name(user_id)} joined <#{channel_id}>", channel=channel_id)
        return self.event({"type": "member_joined_channel", "user": user_id, "channel": channel_id,
                           "channel_type": self._channel_type(channel_id)})

    def leave(self, user_id: str, channel_id: str) -> httpx.Response:
        """``user_id`` leaves (or is removed from) the channel, and Slack tells the bot (member_left_channel)."""
        self.fake.set_member(channel_id, user_id, False)
        self.fake.note("leave", user_id, f"{self._name(user_id)} left <#{channel_id}>", channel=channel_id)
        return self.event({"type": "member_left_channel", "user": user_id, "channel": channel_id,
                           "channel_type": self._channel_type(channel_id)})

    def reaction_added(
        self, user_id: str, channel_id: str, message_ts: str, reaction: str = "pushpin"
    ) -> httpx.Response:
        """A person adds a reaction to a message (stored in the fake, then the event is sent)."""
        message = self.fake.message(channel_id, message_ts)
        if message is None:
            raise LookupError(f"no message {message_ts} in channel {channel_id}")
        self.fake.react_as(user_id, channel_id, message_ts, reaction)
        return self.event(
            {
                "type": "reaction_added",
                "user": user_id,
                "reaction": reaction,
                "item_user": message.user,
                "item": {"type": "message", "channel": channel_id, "ts": message_ts},
            }
        )

    def _channel_type(self, channel_id: str) -> str:
        channel = self.fake.channel(channel_id)
        if channel is None or not channel.is_im:
            return "group" if channel is not None and channel.is_private else "channel"
        return "im"

    def message(self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None) -> httpx.Response:
        """A person writes a message (stored in the fake); the bot gets a message event."""
        posted = self.fake.post_as(user_id, channel_id, text, thread_ts=thread_ts)
        event = {
            "type": "message",
            "channel": channel_id,
            "user": user_id,
            "text": text,
            "ts": posted.ts,
            "channel_type": self._channel_type(channel_id),
            "team": self.team_id,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event)

    def app_mention(self, user_id: str, channel_id: str, text: str) -> httpx.Response:
        """A person mentions the bot (text should contain <@bot user id>); sends app_mention."""
        posted = self.fake.post_as(user_id, channel_id, text)
        return self.event(
            {
                "type": "app_mention",
                "channel": channel_id,
                "user": user_id,
                "text": text,
                "ts": posted.ts,
                "team": self.team_id,
            }
        )

    def url_verification(self, challenge: str) -> httpx.Response:
        """The handshake Slack sends when the Request URL is saved."""
        body = {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        return self.post(json.dumps(body), "application/json")


def _action(blocks: list[dict[str, Any]] | None, action_id: str, block_id: str | None,
            value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The clicked element and the ``actions`` entry Slack sends for it (a button's own value by default)."""
    found_block_id, element = find_element(blocks, action_id, block_id)
    if value is None and element.get("type") == "button":
        value = element.get("value")
    action = {"action_id": action_id, "block_id": found_block_id, "action_ts": f"{time.time():.6f}",
              **element_state(element, value)}
    if "text" in element:
        action["text"] = element["text"]
    return element, action
