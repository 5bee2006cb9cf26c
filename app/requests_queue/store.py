"""Accept, claim, finish: the accepted-request rows, in SQLAlchemy terms any engine runs.

Claiming is one conditional UPDATE (``... SET claimed_by = <this claim> WHERE id IN (...) AND status =
'waiting' AND lease free``), then reading back the rows that carry this claim's mark: of two workers that saw
the same row, exactly one UPDATE changes it (the database serialises writers to a row and checks the WHERE
again), the other's matches nothing. A claim is a lease: if its worker dies, the row is free again once
``claimed_until`` has passed.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, delete, func, or_, update
from sqlmodel import Session, col, select

from app.db import transaction
from app.requests_queue.models import AcceptedRequest
from app.timeutil import utcnow

LEASE = timedelta(minutes=5)  # longer than any follow-up; a dead worker's rows come back after it


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(col(AcceptedRequest.claimed_until).is_(None), col(AcceptedRequest.claimed_until) < now)


def claim(engine: Engine, worker: str, limit: int, lease: timedelta = LEASE) -> list[AcceptedRequest]:
    """Up to ``limit`` waiting rows, oldest first, each now leased to ``worker`` alone."""
    now = utcnow()
    with Session(engine) as session:
        waiting = (col(AcceptedRequest.status) == "waiting", _free(now))
        ids = list(session.exec(select(col(AcceptedRequest.id)).where(*waiting)
                                .order_by(col(AcceptedRequest.id)).limit(limit)))
    if not ids:
        return []
    mark = f"{worker}:{uuid.uuid4().hex[:12]}"
    with transaction(engine) as session:
        session.execute(update(AcceptedRequest)
                        .where(col(AcceptedRequest.id).in_(ids), col(AcceptedRequest.status) == "waiting", _free(now))
                        .values(claimed_by=mark, claimed_until=now + lease, attempts=AcceptedRequest.attempts + 1))
        return list(session.exec(select(AcceptedRequest).where(col(AcceptedRequest.claimed_by) == mark)
                                 .order_by(col(AcceptedRequest.id))))


def accept(engine: Engine, function: str, content_type: str, body: str) -> int:
    """Store one request's follow-up at once (the web role batches these: app/requests_queue/writer.py)."""
    row = AcceptedRequest(function=function, content_type=content_type, body=body)
    with transaction(engine, urgent=True) as session:
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def finish(engine: Engine, row_ids: list[int]) -> None:
    """The follow-ups ran (their own error path told the person about any failure): the rows go."""
    if row_ids:
        with transaction(engine) as session:
            session.execute(delete(AcceptedRequest).where(col(AcceptedRequest.id).in_(row_ids)))


def give_up(engine: Engine, row_id: int, error: str) -> None:
    """Keep the row as failed, with why, for whoever runs the bot; no worker takes it again."""
    with transaction(engine) as session:
        session.execute(update(AcceptedRequest).where(col(AcceptedRequest.id) == row_id)
                        .values(status="failed", last_error=error[:500], claimed_until=None))


def counts(engine: Engine) -> dict[str, int]:
    """Waiting and failed rows (for health and the benchmarks)."""
    with Session(engine) as session:
        found = {"waiting": 0, "failed": 0}
        status = col(AcceptedRequest.status)
        found.update(session.exec(select(status, func.count()).group_by(status)))
        return found
