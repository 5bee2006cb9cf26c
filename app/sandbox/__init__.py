"""Local Slack sandbox: a fake Web API, simulated people and a driver that acts as Slack."""

from app.sandbox.driver import SlackDriver
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.fake_slack_store import Call, Channel, Ephemeral, FileRecord, LogEntry, Message, Response, View
from app.sandbox.transcript import render_transcript
from app.sandbox.workspace import Member, Usergroup, Workspace

__all__ = [
    "Call",
    "Channel",
    "Ephemeral",
    "FakeSlack",
    "FileRecord",
    "LogEntry",
    "Member",
    "Message",
    "Response",
    "SlackDriver",
    "Usergroup",
    "View",
    "Workspace",
    "render_transcript",
]
