"""The bot token's scopes in the fake workspace: those the app's manifest asks for (a test keeps the two lists
equal), so that a call the real app could not make fails here too, with Slack's ``missing_scope`` answer."""

from __future__ import annotations

BOT_SCOPES: frozenset[str] = frozenset({
    "channels:manage", "groups:write", "channels:read", "groups:read", "chat:write", "chat:write.public",
    "commands", "pins:write", "bookmarks:write", "users:read", "usergroups:read", "reactions:read",
    "reactions:write", "files:write", "app_mentions:read", "im:write", "channels:history", "groups:history",
    "im:history", "bookmarks:read",
})


def history_scope(*, is_im: bool, is_private: bool) -> str:
    """The scope that reading a conversation's messages needs, by the conversation's type."""
    if is_im:
        return "im:history"
    return "groups:history" if is_private else "channels:history"
