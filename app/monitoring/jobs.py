"""Monitoring's scheduled jobs: polling each connector, evaluating the monitors every minute, retention.

``register_handlers(register)`` names the kinds; ``planned(core, now)`` lists the jobs to put in place at
start (``plan(core)`` writes them). Each job plans its own next run, so one row per job exists at a time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from app.db import affected, transaction
from app.monitoring import polling, signals
from app.monitoring.models import Mention, MentionRollup
from app.monitoring.runtime import get as monitoring
from app.scheduling.kinds import JobKind
from app.timeutil import utcnow

log = logging.getLogger(__name__)
POLL, EVALUATE, RETENTION = JobKind.MONITOR_POLL, JobKind.MONITOR_EVALUATE, JobKind.MONITOR_RETENTION
EVALUATE_EVERY = timedelta(minutes=1)
RETENTION_EVERY = timedelta(hours=1)
EVALUATE_ID, RETENTION_ID = "monitor:evaluate", "monitor:retention"


def poll_job_id(connector: str) -> str:
    return f"monitor:poll:{connector}"


def planned(core, now: datetime) -> list[tuple[str, datetime, str, dict]]:
    """Every connector's poll, the evaluation and the retention job, due now."""
    jobs: list[tuple[str, datetime, str, dict]] = [(poll_job_id(ident), now, POLL, {"connector": ident})
                                                  for ident in polling.connectors(core)]
    if monitoring(core).monitors:
        jobs.append((EVALUATE_ID, now, EVALUATE, {}))
    jobs.append((RETENTION_ID, now, RETENTION, {}))
    return jobs


def plan(core) -> None:
    """Put the monitoring jobs in place (call once at start, after the scheduler exists)."""
    if core.scheduler is not None:
        core.scheduler.at_many(planned(core, utcnow()))


def enforce_retention(core, now: datetime | None = None) -> tuple[int, int]:
    """Delete raw posts older than the retention period and rollups older than theirs; returns the counts."""
    now = now or utcnow()
    settings = monitoring(core).settings
    posts_before = now - timedelta(days=settings.warroom_mention_retention_days)
    rollups_before = now - timedelta(days=settings.warroom_rollup_retention_days)
    with transaction(core.engine) as session:
        posts = affected(session.execute(delete(Mention).where(col(Mention.created_at) < posts_before)))
        rollups = affected(session.execute(delete(MentionRollup).where(col(MentionRollup.minute) < rollups_before)))
    if posts or rollups:
        log.info("retention: deleted %d posts written before %s and %d rollups", posts, posts_before.date(), rollups)
    return posts, rollups


def _poll(core, connector: str) -> None:
    if connector not in polling.connectors(core):
        log.info("connector %s is no longer configured: its polling stops", connector)
        return
    result = polling.poll(core, connector)
    core.scheduler.at(poll_job_id(connector), result.next_attempt_at, POLL, connector=connector)


def _evaluate(core) -> None:
    try:
        signals.evaluate_all(core)
    finally:
        core.scheduler.at(EVALUATE_ID, utcnow() + EVALUATE_EVERY, EVALUATE)


def _retention(core) -> None:
    try:
        enforce_retention(core)
    finally:
        core.scheduler.at(RETENTION_ID, utcnow() + RETENTION_EVERY, RETENTION)


def register_handlers(register) -> None:
    register(POLL, _poll)
    register(EVALUATE, _evaluate)
    register(RETENTION, _retention)
