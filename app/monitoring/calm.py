"""The calm-down suggestion: once an incident's mentions have been back near the baseline for a while, the room
is told so, once, with the figures; it suggests lowering the severity or closing, and never does either itself.

The suggestion is stored first (one row per incident: the database keeps it to once) and the post goes out
through the outbox in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.db import transaction
from app.effects import service as effects
from app.i18n import clock, number, say
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident
from app.monitoring import detection
from app.monitoring.definitions import Monitor
from app.monitoring.models import CalmSuggestion, MonitorSignal
from app.slack import blocks as bk
from app.slack.text import escape
from app.timeutil import as_utc

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Calm:
    minutes: int
    mentions: int
    expected: float
    peak_per_hour: int

    @property
    def ratio(self) -> float:
        return self.mentions / max(self.expected, 1.0)


def calm_for(counts: list[int], end: datetime, *, window: int, minutes: int, within: float) -> Calm | None:
    """Whether each window of the last ``minutes`` stayed within ``within`` times its baseline (never below
    one mention a window), or None. ``counts`` are per-minute mentions ending with the minute before ``end``."""
    n = len(counts)
    mentions, expected = 0, 0.0
    for back in range(minutes // window):
        stop = n - back * window
        base = detection.baseline(counts[:stop], end - timedelta(minutes=back * window), window,
                                  noise=detection.MIN_NOISE)
        if base is None:
            return None
        seen = sum(counts[stop - window:stop])
        if seen > within * max(base.expected, 1.0):
            return None
        mentions += seen
        expected += base.expected
    return Calm(minutes, mentions, expected, 0)


def _open_incidents(session: Session, monitor_id: str) -> list[Incident]:
    """Open incidents this monitor raised that have not been told yet."""
    told = select(col(CalmSuggestion.incident_id))
    ids = select(col(MonitorSignal.incident_id)).where(col(MonitorSignal.monitor_id) == monitor_id,
                                                       col(MonitorSignal.incident_id).is_not(None),
                                                       col(MonitorSignal.incident_id).not_in(told))
    return list(session.execute(select(Incident).where(col(Incident.id).in_(ids),
                                                       col(Incident.status) == "open")).scalars())


def peak_per_hour(counts: list[int], since: int) -> int:
    """The largest count of any hour (sliding by quarter hours) from index ``since`` on."""
    best = 0
    for start in range(max(since, 0), max(len(counts) - 60, since) + 1, 15):
        best = max(best, sum(counts[start:start + 60]))
    return best


def check(core, monitor: Monitor, end: datetime, load: Callable[[int], list[int]]) -> list[int]:
    """Tell each open incident of ``monitor`` that has calmed down for the monitor's ``calm.minutes`` (once).

    ``load(minutes)`` gives the per-minute mentions of that many minutes before ``end`` (read only when an
    incident waits for the suggestion). Returns the incidents told."""
    setting = monitor.calm
    volume = monitor.signals.volume
    if setting is None or volume is None:
        return []
    with Session(core.engine) as session:
        incidents = _open_incidents(session, monitor.id)
    if not incidents:
        return []
    counts = load(detection.HISTORY_DAYS * detection.DAY + setting.minutes + detection.SMOOTH_MAX)
    told = []
    for incident in incidents:
        opened = as_utc(incident.created_at)
        if not incident.channel_id or end - opened < timedelta(minutes=setting.minutes):
            continue
        calm = calm_for(counts, end, window=volume.window_minutes, minutes=setting.minutes, within=setting.within)
        if calm is None:
            continue
        since = len(counts) - int((end - opened).total_seconds() // 60) - 60
        calm = Calm(calm.minutes, calm.mentions, calm.expected, peak_per_hour(counts, since))
        assert incident.id is not None
        if suggest(core, incident, monitor.id, calm, end):
            told.append(incident.id)
    return told


def message(incident: Incident, monitor_id: str, calm: Calm, at: datetime, tz: str) -> tuple[str, list[dict]]:
    language = incident.language  # figures as the language writes them: 1,240 and 1.5x / 1.240 und 1,5x
    text = say(language, "calm.text", monitor=escape(monitor_id), minutes=calm.minutes,
               mentions=number(calm.mentions, language), expected=number(calm.expected, language),
               ratio=number(calm.ratio, language, decimals=1), peak=number(calm.peak_per_hour, language))
    since = say(incident.language, "calm.since", at=clock(at - timedelta(minutes=calm.minutes), tz, incident.language))
    return text, [bk.section(text), bk.context(since)]


def suggest(core, incident: Incident, monitor_id: str, calm: Calm, at: datetime) -> bool:
    """Store the suggestion and its post in one transaction, then deliver; False when it was made already."""
    assert incident.id is not None and incident.channel_id is not None
    text, blocks = message(incident, monitor_id, calm, at, core.settings.warroom_timezone)
    try:
        with transaction(core.engine) as session:
            session.add(CalmSuggestion(incident_id=incident.id, monitor_id=monitor_id, suggested_at=at,
                                       mentions=calm.mentions, expected=round(calm.expected, 2),
                                       minutes=calm.minutes))
            session.flush()
            timeline.record(session, incident.id, TimelineKind.MONITOR_CALM, text, actor="monitoring", at=at,
                            mentions=calm.mentions, expected=round(calm.expected, 2), minutes=calm.minutes)
            effects.post(session, f"calm:{incident.id}", channel=incident.channel_id, text=text, blocks=blocks,
                         incident_id=incident.id)
    except IntegrityError:  # another process told the room first
        return False
    log.info("incident %s: mentions calm for %d min, the room is told", incident.id, calm.minutes)
    core.deliver()
    return True
