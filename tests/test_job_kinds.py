"""Scheduled jobs' kinds are one enum in the code and their plain values in the database."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app import reminders
from app.scheduling.kinds import JobKind
from app.scheduling.models import ScheduledJob
from app.timeutil import utcnow


def test_every_kind_has_one_handler_and_every_handler_is_a_kind():
    found: dict[str, object] = {}
    reminders.register_all(lambda kind, handler: found.setdefault(kind, handler))
    assert sorted(found) == sorted(JobKind)
    assert all(type(kind) is JobKind for kind in found), [k for k in found if type(k) is not JobKind]


def test_a_job_is_stored_under_the_kind_s_plain_value(sandbox):
    scheduler = sandbox.core.scheduler
    assert scheduler is not None
    scheduler.at("kinds-probe", utcnow() + timedelta(days=1), JobKind.DIGEST, incident_id=1, due="x")
    with Session(sandbox.core.engine) as session:
        row = session.get(ScheduledJob, "kinds-probe")
        assert row is not None and type(row.kind) is str and row.kind == "digest" == JobKind.DIGEST
    scheduler.cancel("kinds-probe")
