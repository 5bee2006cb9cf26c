"""Imports every table so that metadata (and migrations) see the whole schema."""

from sqlmodel import SQLModel

from app.alerts.models import Alert
from app.decisions.models import Decision
from app.effects.models import Effect
from app.inbound.models import SeenRequest
from app.incidents.channel_names import ChannelName
from app.incidents.clocks import IncidentClock, IncidentLabel
from app.incidents.models import Fact, Incident, SetupStep, TimelineEvent
from app.incidents.setup_pacing import SlackPacing
from app.monitoring.models import ConnectorState, Mention, MentionRollup, MonitorSignal
from app.requests_queue.models import AcceptedRequest
from app.roles.models import RoleAssignment
from app.scheduling.models import ProcessedEvent, SentReminder
from app.statements.models import Approval, Statement, StatementVersion
from app.tasks.models import Task
from app.workers.models import WorkerBeat

metadata = SQLModel.metadata

__all__ = [
    "AcceptedRequest", "Alert", "Approval", "ChannelName", "ConnectorState", "Decision", "Effect", "Fact", "Incident",
    "IncidentClock", "IncidentLabel", "Mention", "MentionRollup", "MonitorSignal", "ProcessedEvent", "RoleAssignment",
    "SeenRequest", "SentReminder", "SetupStep", "SlackPacing", "Statement", "StatementVersion", "Task", "TimelineEvent",
    "WorkerBeat",
    "metadata",
]
