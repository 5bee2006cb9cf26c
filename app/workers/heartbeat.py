"""A worker's heartbeat: its row is written at start and every ``BEAT_EVERY`` seconds, deleted when it stops.

The web role reads the rows (``alive``): a worker whose last beat is older than ``ALIVE_WITHIN`` is dead or
stuck, and with none alive nothing sets rooms up or answers follow-ups, so /healthz says "degraded".
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.db import transaction
from app.timeutil import as_utc, utcnow
from app.workers.models import WorkerBeat

log = logging.getLogger(__name__)

BEAT_EVERY = 5.0
ALIVE_WITHIN = timedelta(seconds=30)
FORGET_AFTER = timedelta(days=1)  # rows of workers gone that long are deleted by the next beat
WORKERS_ALIVE = Gauge("warroom_workers_alive", "Worker processes whose heartbeat is recent (read by the web role)")


def beat(engine: Engine, name: str, runs: str, started_at: datetime, now: datetime | None = None,
         wake_port: int | None = None) -> None:
    """Write this worker's row (and forget workers gone for a day)."""
    now = now or utcnow()
    with transaction(engine) as session:
        row = session.get(WorkerBeat, name)
        if row is None:
            row = WorkerBeat(name=name, host=socket.gethostname(), pid=os.getpid(), runs=runs, started_at=started_at)
        row.runs, row.beat_at, row.wake_port = runs, now, wake_port
        session.add(row)
        session.execute(delete(WorkerBeat).where(col(WorkerBeat.beat_at) < now - FORGET_AFTER))


def forget(engine: Engine, name: str) -> None:
    with transaction(engine) as session:
        session.execute(delete(WorkerBeat).where(col(WorkerBeat.name) == name))


@dataclass(frozen=True)
class Seen:
    name: str
    host: str
    pid: int
    runs: list[str]
    seconds_ago: float

    def as_dict(self) -> dict:
        return {"name": self.name, "host": self.host, "pid": self.pid, "runs": self.runs,
                "seconds_ago": round(self.seconds_ago, 1)}


def alive(engine: Engine, within: timedelta = ALIVE_WITHIN, now: datetime | None = None) -> list[Seen]:
    """The workers whose last beat is at most ``within`` old, most recent first."""
    now = as_utc(now or utcnow())
    with Session(engine) as session:
        rows = session.exec(select(WorkerBeat).where(col(WorkerBeat.beat_at) >= now - within)
                            .order_by(col(WorkerBeat.beat_at).desc())).all()
    seen = [Seen(r.name, r.host, r.pid, [w for w in r.runs.split(",") if w],
                 max(0.0, (now - as_utc(r.beat_at)).total_seconds())) for r in rows]
    WORKERS_ALIVE.set(len(seen))
    return seen


class Heartbeat:
    """Beats for the worker ``name`` on a thread of its own until ``stop()``, which deletes the row.

    ``wake_port``: the loopback port where the worker takes wake-ups, written in its row for the web role."""

    def __init__(self, engine: Engine, name: str, runs: list[str], every: float = BEAT_EVERY,
                 wake_port: int | None = None) -> None:
        self.engine, self.name, self.runs, self.every = engine, name, ",".join(runs), every
        self.wake_port = wake_port
        self.started_at = utcnow()
        self.last_beat: datetime | None = None  # when this process last wrote its row
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="warroom-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._beat()  # seen alive before it takes any work
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        try:
            forget(self.engine, self.name)
        except Exception:  # it ages out of the alive window on its own
            log.exception("could not delete the heartbeat of worker %s", self.name)

    def _beat(self) -> None:
        now = utcnow()
        beat(self.engine, self.name, self.runs, self.started_at, now, self.wake_port)
        self.last_beat = now

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self._beat()
            except Exception:  # the database is away for a moment: the next beat tries again
                log.exception("could not write the heartbeat of worker %s", self.name)
