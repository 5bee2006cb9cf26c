"""Safe mrkdwn: escaping outside text, truncating without breaking entities, mentions and links."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlparse

from app.timeutil import as_utc, local_datetime

ELLIPSIS = "…"
ZERO_WIDTH_JOINER = "\u200d"

_BROADCAST_WORD = re.compile(r"(?<![\w.+-])@(channel|here|everyone)\b(?![.-]\w)", re.IGNORECASE)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape(text: str | None) -> str:
    """Make text that did not come from the bot inert in mrkdwn.

    ``&``, ``<`` and ``>`` become entities, so ``<!channel>``, ``<@U123>`` or ``<https://x|label>``
    show as typed instead of pinging or disguising a link; a zero-width joiner after the ``@`` of a
    bare ``@channel``, ``@here`` or ``@everyone`` keeps those from ever being read as broadcasts.
    """
    if text is None:
        return ""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST_WORD.sub(lambda match: f"@{ZERO_WIDTH_JOINER}{match.group(1)}", value)


def truncate(text: str | None, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut.

    The cut never splits an entity such as ``&amp;`` nor leaves a ``<...>`` mention or link unclosed.
    """
    value = text or ""
    if len(value) <= limit:
        return value
    if limit <= 0:
        return ""
    kept = value[: limit - 1]
    entity = _ENTITY_TAIL.search(kept)
    if entity:
        kept = kept[: entity.start()]
    opening = kept.rfind("<")
    if opening != -1 and ">" not in kept[opening:]:
        kept = kept[:opening]
    return kept + ELLIPSIS


_CONTROL_SEQUENCE = re.compile(r"<(?=[^\s\u200b])")


def plain(text: str | None, limit: int | None = None) -> str:
    """Text for plain_text fields (shown literally, so no escaping), cut to ``limit`` when given.

    Anything that would be special in mrkdwn (``<!channel>``, ``<@U…>``, ``<https://…|…>``) gets a
    zero-width space after the ``<`` so they stay inert wherever the text ends up."""
    value = "" if text is None else _CONTROL_SEQUENCE.sub("<\u200b", str(text))
    if limit is None or len(value) <= limit:
        return value
    if limit <= 0:
        return ""
    return value[: limit - 1] + ELLIPSIS


def mention(user_id: str) -> str:
    """``<@U123>`` for a Slack user id; anything else is returned as escaped plain text."""
    value = (user_id or "").strip()
    return f"<@{value}>" if _USER_ID.match(value) else escape(value)


def mentions(user_ids: list[str] | tuple[str, ...]) -> str:
    """Several users, comma-separated."""
    return ", ".join(mention(user_id) for user_id in user_ids)


def channel_link(channel_id: str) -> str:
    """``<#C123>`` for a channel id; anything else is returned as escaped plain text."""
    value = (channel_id or "").strip()
    return f"<#{value}>" if _CHANNEL_ID.match(value) else escape(value)


def link(url: str | None, label: str | None = None) -> str:
    """``<url|label>`` for http(s) URLs; other schemes are not linked and come back as escaped text."""
    target = (url or "").strip()
    parsed = urlparse(target)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return escape(label or target)
    clean = re.sub(r"[|<>\s]", "", target).replace("&", "&amp;")
    if not label:
        return f"<{clean}>"
    return f"<{clean}|{escape(label)}>"


def date(value: datetime, tz_name: str | None = None) -> str:
    """A time every reader sees in their own zone; the fallback text uses the team's zone."""
    moment = as_utc(value)
    fallback = local_datetime(moment, tz_name)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


_SLACK_TOKEN = re.compile(r"<([^<>]*)>")
_KEPT_MENTION = re.compile(r"&lt;([@#])([UWC][A-Z0-9]{2,})&gt;")


def _plain_token(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@") and _USER_ID.match(target[1:]):
        return f"<{target}>"
    if target.startswith("#") and _CHANNEL_ID.match(target[1:]):
        return f"<{target}>"
    if target.startswith("!subteam^"):
        return label or "@team"
    if target.startswith("!"):  # <!channel>, <!here>, <!everyone>, <!date^…|fallback>
        return label or "@" + target[1:].split("^")[0]
    if label:
        return f"{label} ({target.removeprefix('mailto:')})"
    return target.removeprefix("mailto:")


def from_slack(text: str | None) -> str:
    """Text as a person typed it in Slack, from the mrkdwn Slack sends (commands, shortcuts, events).

    Slack sends ``&``, ``<`` and ``>`` as entities and mentions and links as ``<…>`` tokens. What is stored
    is plain text in which only user and channel mentions stay tokens; broadcasts become plain words and
    links show their address. ``said`` renders it back, once."""
    value = _SLACK_TOKEN.sub(_plain_token, text or "")
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def said(text: str | None) -> str:
    """mrkdwn for text a person typed in the room: escaped, but their mentions of people and channels kept."""
    return _KEPT_MENTION.sub(lambda m: f"<{m.group(1)}{m.group(2)}>", escape(text))
