"""Accept, claim, finish: the accepted-request rows, in SQLAlchemy terms any engine runs.

Claiming is one conditional UPDATE per row (``... WHERE id = ? AND status = 'waiting' AND lease free``): of
two workers that saw the same row, exactly one updates it; the other's UPDATE matches nothing. A claim is a
lease: if its worker dies, the row is free again once ``claimed_until`` has passed.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import Engine, delete, or_, update
from sqlmodel import Session, select

from app.db import transaction
from app.requests_queue.models import AcceptedRequest
from app.timeutil import utcnow

LEASE = timedelta(minutes=5)  # longer than any follow-up; a dead worker's rows come back after it


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def accept(engine: Engine, function: str, content_type: str, body: str) -> int:
    """Store a verified request's follow-up (before Slack gets its ack); its id."""
    row = AcceptedRequest(function=function, content_type=content_type, body=body)
    with transaction(engine, urgent=True) as session:
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _free(now):
    return or_(AcceptedRequest.claimed_until.is_(None), AcceptedRequest.claimed_until < now)


def claim(engine: Engine, worker: str, limit: int, lease: timedelta = LEASE) -> list[AcceptedRequest]:
    """Up to ``limit`` waiting rows, oldest first, each now leased to ``worker`` alone."""
    now = utcnow()
    with Session(engine) as session:
        ids = list(session.exec(select(AcceptedRequest.id).where(AcceptedRequest.status == "waiting", _free(now))
                                .order_by(AcceptedRequest.id).limit(limit)))
    if not ids:
        return []
    claimed = []
    with transaction(engine) as session:
        for row_id in ids:
            taken = session.execute(
                update(AcceptedRequest)
                .where(AcceptedRequest.id == row_id, AcceptedRequest.status == "waiting", _free(now))
                .values(claimed_by=worker, claimed_until=now + lease, attempts=AcceptedRequest.attempts + 1))
            if taken.rowcount == 1:
                claimed.append(row_id)
        rows = list(session.exec(select(AcceptedRequest).where(AcceptedRequest.id.in_(claimed))
                                 .order_by(AcceptedRequest.id))) if claimed else []
    return rows


def finish(engine: Engine, row_id: int) -> None:
    """The follow-up ran (its own error path told the person about any failure): the row goes."""
    with transaction(engine) as session:
        session.execute(delete(AcceptedRequest).where(AcceptedRequest.id == row_id))


def give_up(engine: Engine, row_id: int, error: str) -> None:
    """Keep the row as failed, with why, for whoever runs the bot; no worker takes it again."""
    with transaction(engine) as session:
        session.execute(update(AcceptedRequest).where(AcceptedRequest.id == row_id)
                        .values(status="failed", last_error=error[:500], claimed_until=None))


def counts(engine: Engine) -> dict[str, int]:
    """Waiting and failed rows (for health and the benchmarks)."""
    with Session(engine) as session:
        rows = session.exec(select(AcceptedRequest.status))
        found: dict[str, int] = {"waiting": 0, "failed": 0}
        for status in rows:
            found[status] = found.get(status, 0) + 1
        return found
