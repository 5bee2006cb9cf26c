"""Checks before serving: Slack accepts the bot token (and the app-level token in Socket Mode), and the
configured channels exist and take the bot's posts."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.config import DEFAULT_API_URL, Settings

CHANNEL_SETTINGS = (("WARROOM_ANNOUNCE_CHANNEL", "warroom_announce_channel"),
                    ("WARROOM_EXEC_CHANNEL", "warroom_exec_channel"))


def needs_slack_checks(settings: Settings) -> bool:
    """False only for the sandbox token aimed at the real Slack, which cannot answer it."""
    return not (settings.sandbox and settings.slack_api_url == DEFAULT_API_URL)


def slack_problems(settings: Settings, client: WebClient) -> list[str]:
    """What stops the bot from working in the workspace, one line naming each variable; empty when fine."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        return [f"SLACK_BOT_TOKEN: Slack refused it ({exc.response.get('error')})"]
    except Exception as exc:  # connection refused, DNS, TLS: Slack cannot be reached at all
        return [f"SLACK_API_URL: Slack could not be reached at {settings.slack_api_url} ({type(exc).__name__})"]
    problems = []
    if settings.slack_app_token:
        try:  # the URL it hands out is simply left unused (Slack's expire by themselves)
            client.apps_connections_open(app_token=settings.slack_app_token)
        except SlackApiError as exc:
            problems.append(f"SLACK_APP_TOKEN: Slack refused it for Socket Mode ({exc.response.get('error')}); "
                            "it needs the connections:write scope and Socket Mode switched on")
    for variable, field in CHANNEL_SETTINGS:
        channel = getattr(settings, field)
        if channel:
            problem = _channel_problem(client, channel)
            if problem:
                problems.append(f"{variable}: {problem}")
    return problems


def _channel_problem(client: WebClient, channel_id: str) -> str | None:
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return (f"channel {channel_id} does not exist or the bot cannot see it (channel_not_found); "
                    "use the channel's id (C...) and, for a private channel, invite the bot")
        return f"channel {channel_id} cannot be checked ({error})"
    if channel.get("is_archived"):
        return f"channel {channel_id} (#{channel.get('name')}) is archived; the bot cannot post there"
    if channel.get("is_private") and not channel.get("is_member"):
        return (f"channel {channel_id} (#{channel.get('name')}) is private and the bot is not a member; "
                "invite it with /invite @warroom")
    return None
