"""Post-incident reports: rendered from the record, for whoever asks (at close the outbox uploads it to the room:
app/reports/upload.py)."""

from __future__ import annotations

from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.incidents import timeline
from app.incidents.models import Incident
from app.reports import report


def build(core: Core, incident_id: int) -> report.Report:
    with Session(core.engine) as session:
        incident = session.get(Incident, incident_id)
        playbook_id = incident.playbook_id if incident else None
    title = core.playbooks.get(playbook_id).title if playbook_id and playbook_id in core.playbooks else None
    return report.build(core.engine, incident_id, tz=core.settings.warroom_timezone, playbook_title=title,
                        names=core.directory.name)


def upload(core: Core, channel_id: str, built: report.Report, comment: str) -> None:
    """Both files in one message: the Markdown report and its chart (titled in the incident's language)."""
    core.slack.files_upload_v2(channel=channel_id, initial_comment=comment, file_uploads=built.file_uploads())


def summary(built: report.Report) -> str:
    return built.summary()


def deliver(core: Core, incident: Incident, *, user_id: str, channel_id: str | None) -> str:
    """The report in the incident's room when asked there, else in the person's direct messages; where it went."""
    assert incident.id is not None  # a stored incident
    built = build(core, incident.id)
    if incident.channel_id and incident.channel_id == channel_id:
        target = channel_id
    else:  # elsewhere the report goes to the person who asked, not to a channel others read
        target = core.slack.conversations_open(users=user_id)["channel"]["id"]
    upload(core, target, built, summary(built))
    with transaction(core.engine) as session:
        timeline.record(session, incident.id, "report", built.markdown_name, actor=user_id)
    return target
