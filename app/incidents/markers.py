"""Markers in message metadata, so that a message whose answer was lost is found instead of posted twice.

Slack has no idempotency key. Each message the set-up posts carries ``metadata`` with a random key that
is stored before the call; when the outcome of a post is unknown, the channel's messages since the first
try are read (conversations.history, only then, a few pages of 15) and the marked message, if any, is kept.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

MARKER_EVENT = "warroom_setup"
HISTORY_PAGES = 10
CLOCK_SKEW = 5  # seconds: Slack's clock and ours may differ a little


def marker(key: str, incident_id: int, what: str) -> dict[str, Any]:
    """The ``metadata`` argument of chat.postMessage for this key."""
    return {"event_type": MARKER_EVENT, "event_payload": {"key": key, "incident_id": incident_id, "what": what}}


def find_marked(slack: WebClient, channel: str, key: str, since: float) -> str | None:
    """The ts of the message carrying ``key`` posted in ``channel`` since ``since`` (epoch seconds), if any."""
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        page = slack.conversations_history(channel=channel, oldest=f"{since - CLOCK_SKEW:.6f}", limit=15,
                                           include_all_metadata=True, cursor=cursor)
        messages: list[dict[str, Any]] = page.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == MARKER_EVENT and (metadata.get("event_payload") or {}).get("key") == key:
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not (page.get("has_more") and cursor):
            return None
    return None
