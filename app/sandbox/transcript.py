"""Renders the fake's event log as a readable war-room transcript for the demo."""

from __future__ import annotations

import html
import re
from typing import Any

from app.sandbox.fake_slack import FakeSlack
from app.sandbox.fake_slack_store import Channel, LogEntry
from app.sandbox.workspace import Member

_LINK = re.compile(r"<([^<>]+)>")


class _Names:
    """Resolves user, channel and user-group ids to readable names."""

    def __init__(self, fake: FakeSlack) -> None:
        self.users: dict[str, Member] = {m.id: m for m in fake.users}
        self.channels: dict[str, Channel] = {c.id: c for c in fake.conversations}
        self.groups = {g.id: g.handle for g in fake.workspace.usergroups}
        self.bot = fake.bot_user_id

    def user(self, user_id: str) -> str:
        member = self.users.get(user_id)
        if member is None:
            return user_id
        return member.name if member.is_bot else member.real_name

    def user_with_title(self, user_id: str) -> str:
        member = self.users.get(user_id)
        return f"{self.user(user_id)} ({member.title})" if member and member.title else self.user(user_id)

    def channel(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return channel_id
        if channel.is_im:
            return "DM with " + ", ".join(self.user(m) for m in channel.members if m != self.bot)
        return "#" + channel.name

    def link(self, match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + self.user(target[1:])
        if target.startswith("#"):
            return self.channel(target[1:]) if not label else "#" + label.lstrip("#")
        if target.startswith("!subteam^"):
            return label or "@" + self.groups.get(target[len("!subteam^") :], target)
        if target.startswith("!date^"):
            return label
        if target.startswith("!"):
            return "@" + target[1:]
        return f"{label} ({target})" if label else target

    def text(self, text: str) -> str:
        return html.unescape(_LINK.sub(self.link, text or ""))


def _element_label(element: dict[str, Any]) -> str:
    kind = element.get("type", "")
    if kind == "button":
        return f"[{(element.get('text') or {}).get('text', '')}]"
    placeholder = (element.get("placeholder") or {}).get("text")
    if kind.endswith("_input"):
        return f"[{placeholder or '...'}]"
    return f"[{placeholder or 'choose'} v]"


def _state_text(state: dict[str, Any], names: _Names) -> str:
    """A submitted value as a person would read it."""
    for key, value in state.items():
        if key == "type" or value in (None, [], ""):
            continue
        if key == "selected_option":
            return (value.get("text") or {}).get("text", value.get("value", ""))
        if key == "selected_options":
            return ", ".join((o.get("text") or {}).get("text", "") for o in value)
        if key in ("selected_user", "selected_users"):
            users = value if isinstance(value, list) else [value]
            return ", ".join("@" + names.user(u) for u in users)
        if key in ("selected_channel", "selected_conversation"):
            return names.channel(value)
        if key == "rich_text_value":
            return _rich_text(value)
        return names.text(str(value))
    return "-"


def _submitted_lines(entry: LogEntry, names: _Names) -> list[str]:
    values = entry.detail.get("values") or {}
    lines = []
    for block in entry.blocks or []:
        for state in (values.get(block.get("block_id", "")) or {}).values():
            label = (block.get("label") or {}).get("text", block.get("block_id", ""))
            first, *more = _state_text(state, names).splitlines() or [""]
            lines.append(f"{label}: {first}" + (f" … ({len(more)} more lines)" if more else ""))
    return lines


def _rich_text(element: Any) -> str:
    if isinstance(element, dict):
        if element.get("type") == "text":
            return element.get("text", "")
        if element.get("type") == "link":
            return element.get("text") or element.get("url", "")
        if element.get("type") == "user":
            return f"<@{element.get('user_id')}>"
        return "".join(_rich_text(e) for e in element.get("elements") or [])
    return ""


def block_lines(blocks: list[dict[str, Any]] | None, names: _Names) -> list[str]:
    """Blocks flattened to text lines: sections, fields, context, buttons as [Label]."""
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "header":
            lines.append(names.text((block.get("text") or {}).get("text", "")).upper())
        elif kind == "section":
            if block.get("text"):
                lines.extend(names.text(block["text"].get("text", "")).splitlines())
            fields = [names.text(f.get("text", "")).replace("\n", " ") for f in block.get("fields") or []]
            if fields:
                lines.append(" | ".join(fields))
            if isinstance(block.get("accessory"), dict) and block["accessory"].get("action_id"):
                lines.append(_element_label(block["accessory"]))
        elif kind == "context":
            parts = [names.text(e.get("text", "")) for e in block.get("elements") or [] if e.get("text")]
            lines.append("  ".join(parts))
        elif kind == "actions":
            lines.append(" ".join(_element_label(e) for e in block.get("elements") or []))
        elif kind == "divider":
            lines.append("---")
        elif kind == "input":
            label = (block.get("label") or {}).get("text", "")
            lines.append(f"{label}: {_element_label(block.get('element') or {})}")
        elif kind == "markdown":
            lines.extend(names.text(block.get("text", "")).splitlines())
        elif kind == "rich_text":
            lines.extend(names.text(_rich_text(block)).splitlines())
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
    return [line for line in lines if line.strip()]


def _content(entry: LogEntry, names: _Names) -> list[str]:
    lines = block_lines(entry.blocks, names) if entry.blocks else names.text(entry.text).splitlines()
    files = entry.detail.get("files") or []
    if files:
        lines.append("(file: " + ", ".join(files) + ")")
    return lines or [""]


def _said(prefix: str, lines: list[str], indent: str) -> list[str]:
    first, *rest = lines
    pad = indent + " " * 4
    return [f"{indent}{prefix}{first}", *(pad + line for line in rest)]


def _entry_lines(entry: LogEntry, names: _Names, indent: str, *, new_headline: bool = False) -> list[str]:
    """An entry as text; an updated message is shortened unless its first line (its headline) changed."""
    author = f"[{names.user(entry.user)}] "
    kind = entry.kind
    if kind in ("message", "dm"):
        return _said(author, _content(entry, names), indent)
    if kind == "updated":
        lines = _content(entry, names)
        if not new_headline and len(lines) > 3:
            lines = [lines[0], f"… ({len(lines) - 1} more lines, as shown before)"]
        return _said(author + "(updated message) ", lines, indent)
    if kind == "ephemeral":
        to = names.user(entry.detail.get("to", ""))
        return _said(author + f"(only visible to {to}) ", _content(entry, names), indent)
    if kind == "invited":
        return [indent + "invited: " + ", ".join(names.user_with_title(u) for u in entry.detail["users"])]
    if kind in ("topic", "purpose"):
        return [f"{indent}{kind}: {names.text(entry.text)}"]
    if kind == "pinned":
        first = (_content(entry, names) or [""])[0]
        return [f'{indent}pinned: "{first}"']
    if kind == "bookmark":
        return [f"{indent}bookmark: {entry.text} ({entry.detail.get('link')})"]
    if kind == "archived":
        return [indent + "channel archived"]
    if kind == "deleted":
        return [indent + "(a message was deleted)"]
    if kind in ("modal_opened", "modal_pushed", "modal_updated", "home_published"):
        to = names.user(entry.detail.get("to", ""))
        verb = {"modal_opened": "opened", "modal_pushed": "pushed", "modal_updated": "updated"}.get(kind)
        head = f'modal "{entry.text}" {verb} for {to}' if verb else f"home tab published for {to}"
        return [indent + head, *(indent + "  | " + line for line in block_lines(entry.blocks, names))]
    if kind == "submit":
        values = [indent + "  | " + line for line in _submitted_lines(entry, names)]
        return [indent + names.text(entry.summary), *values]
    return [indent + names.text(entry.summary)]


def render_transcript(fake: FakeSlack, *, since: int = 0) -> str:
    """The log from index `since` as text, grouped under a heading whenever the channel changes."""
    names = _Names(fake)
    lines: list[str] = []
    current: str | None = None
    headlines: dict[tuple[str | None, str], str] = {}  # (channel, ts) -> the message's first line so far
    for index, entry in enumerate(fake.log):
        new_headline = False
        if entry.kind in ("message", "updated") and entry.detail.get("ts"):
            key = (entry.channel, entry.detail["ts"])
            first = _content(entry, names)[0]
            new_headline = headlines.get(key) != first
            headlines[key] = first
        if index < since:
            continue
        if entry.channel is None:
            current = None
            lines.extend(_entry_lines(entry, names, ""))
            continue
        if entry.kind == "channel_created":
            private = "private" if entry.detail.get("is_private") else "public"
            lines.append(f"{names.channel(entry.channel)}  channel created ({private}) by {names.user(entry.user)}")
            current = entry.channel
            continue
        if entry.channel != current:
            lines.append(names.channel(entry.channel))
            current = entry.channel
        lines.extend(_entry_lines(entry, names, "  ", new_headline=new_headline))
    return "\n".join(lines) + ("\n" if lines else "")
