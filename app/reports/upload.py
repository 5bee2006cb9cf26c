"""The post-incident report's upload at close, delivered from the outbox: at least once, never shown twice.

Slack's upload has three steps: files.getUploadURLExternal announces each file and returns its id, the bytes
go to the returned URL, and files.completeUploadExternal shares the files in the room with one message. The
ids are kept on the effect as soon as Slack returns them. When an earlier attempt may have reached the last
step (the process died, or Slack's answer was lost), files.info tells whether those files are already shared
in the room: then they are adopted instead of uploaded again. Slack lists a share a moment after it answers,
so files whose last step was asked for less than ``SHARE_GRACE`` ago are looked for again later rather than
uploaded again. Files that were announced but never shared are not visible to anyone and are left to Slack to
discard.
"""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.effects.delivery import Waiting
from app.effects.models import Effect
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.reports import flows
from app.slack.effects import poster
from app.timeutil import utcnow

KIND = "upload"
UPLOAD_TIMEOUT = 30.0  # seconds for the bytes of one file
SHARE_GRACE = timedelta(seconds=60)  # how long after asking Slack to share the files their share may not show yet


class UploadRefused(OSError):
    """The upload URL did not take the bytes (a transient failure: the outbox tries again)."""


def deliver(core: Core, effect: Effect) -> dict[str, Any]:
    """The outbox's handler for ``upload`` effects."""
    incident_id = int(effect.incident_id or 0)
    channel = effect.payload["channel"]
    announced: list[str] = list(effect.result.get("files") or [])
    if announced and shared_in(poster(core), announced, channel):
        _recorded(core, incident_id, effect)
        return {"files": announced, "channel": channel, "adopted": True}
    sharing = effect.result.get("sharing_at")
    if announced and sharing and utcnow() - datetime.fromisoformat(sharing) < SHARE_GRACE:
        raise Waiting("Slack to list the report's files as shared")  # tried again soon, with backoff
    built = flows.build(core, incident_id)
    slack = poster(core)  # never repeats a call by itself: a lost answer may hide a shared file
    uploads = built.file_uploads()
    for item in uploads:
        answer = slack.files_getUploadURLExternal(filename=item["filename"], length=len(item["content"]),
                                                  alt_txt=item.get("alt_txt"))
        item["file_id"], item["upload_url"] = answer["file_id"], answer["upload_url"]
    assert effect.id is not None  # a stored row
    with transaction(core.engine) as session:  # from here on, a retry first looks for these files in the room
        effects.note(session, effect.id, files=[item["file_id"] for item in uploads])
    for item in uploads:
        send_bytes(item["upload_url"], item["content"], timeout=slack.timeout or UPLOAD_TIMEOUT)
    with transaction(core.engine) as session:  # a lost answer to the last step may hide a share Slack lists late
        effects.note(session, effect.id, sharing_at=utcnow().isoformat())
    try:
        slack.files_completeUploadExternal(files=[{"id": item["file_id"], "title": item["title"]} for item in uploads],
                                           channel_id=channel, initial_comment=flows.summary(built))
    except SlackApiError:  # Slack answered that it did not share them: the next attempt need not wait
        with transaction(core.engine) as session:
            effects.note(session, effect.id, sharing_at=None)
        raise
    _recorded(core, incident_id, effect, name=built.markdown_name)
    return {"files": [item["file_id"] for item in uploads], "channel": channel}


def send_bytes(url: str, data: bytes, *, timeout: float) -> None:
    """Step 2: POST the file's bytes to the URL Slack returned."""
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (Slack's own https URL)
        if answer.status != 200:
            raise UploadRefused(f"the upload URL answered {answer.status}")


def shared_in(slack: WebClient, file_ids: list[str], channel: str) -> bool:
    """Whether any of the files is already shared in ``channel`` (they are shared together, in one message)."""
    for file_id in file_ids:
        try:
            info = slack.files_info(file=file_id)["file"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("file_not_found", "file_deleted"):
                continue
            raise
        shares = info.get("shares") or {}
        places = set(info.get("channels") or []) | set(info.get("groups") or []) | set(info.get("ims") or [])
        places |= {c for kind in shares.values() for c in (kind or {})}
        if channel in places:
            return True
    return False


def _recorded(core: Core, incident_id: int, effect: Effect, name: str | None = None) -> None:
    """The report is in the room: on the timeline, and what waited for it (archiving the room) may go."""
    with transaction(core.engine) as session:
        timeline.record(session, incident_id, TimelineKind.REPORT, name or f"incident-{incident_id}-report.md",
                        actor="warroom", effect=effect.key)
        effects.hurry(session, incident_id)
