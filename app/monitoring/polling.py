"""Running a monitor's pull connectors: each poll stores what it fetched; a failing one backs off and says so.

A failure (network, HTTP error, rate limit, a feed that is not a feed) is caught, counted and recorded with
its message; the connector waits twice as long after each failure in a row (at most ``BACKOFF_MAX``) and
shows as failing in ``/healthz`` (``connector_health``) and ``/metrics`` until a poll works again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.db import transaction
from app.monitoring import metrics
from app.monitoring.definitions import BlueskySource, FeedSource, MastodonSource, Monitor
from app.monitoring.models import ConnectorState
from app.monitoring.runtime import get as monitoring
from app.monitoring.store import Stored, store_posts
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class Polled:
    connector_id: str
    ok: bool
    stored: Stored | None
    error: str | None
    next_attempt_at: datetime


def connector_id(monitor: Monitor, index: int) -> str:
    return f"{monitor.id}:{index}:{monitor.sources[index].type}"


def connectors(core) -> dict[str, tuple[Monitor, MastodonSource | FeedSource | BlueskySource]]:
    """Every configured connector by id."""
    return {connector_id(m, i): (m, source) for m in monitoring(core).monitors.values()
            for i, source in enumerate(m.sources)}


def backoff(every: timedelta, failures: int) -> timedelta:
    return min(every * (2 ** min(failures, 16)), max(BACKOFF_MAX, every))


def _fetch(core, monitor: Monitor, source, state: ConnectorState, now: datetime):
    # Loaded on use: the client libraries (Mastodon.py, feedparser) are heavy and only the poller needs them,
    # not every process that reports the connectors' health (the web role).
    from app.monitoring.connectors import bluesky, feeds, mastodon

    if isinstance(source, MastodonSource):
        posts, cursor = mastodon.fetch(source, state.cursor)
        return posts, {"cursor": cursor}
    if isinstance(source, BlueskySource):
        posts, cursor = bluesky.fetch(source, state.cursor, now, reach=monitor.signals.reach,
                                      cache=monitoring(core).follower_cache(state.id))
        return posts, {"cursor": cursor}
    fetched = feeds.fetch(source, state.etag, state.modified, now)
    return fetched.posts, {"etag": fetched.etag, "modified": fetched.modified}


def poll(core, ident: str, now: datetime | None = None) -> Polled:
    """Poll one connector now, whatever its schedule; never raises for the platform's failures."""
    now = now or utcnow()
    monitor, source = connectors(core)[ident]
    every = timedelta(seconds=source.every_seconds)
    with Session(core.engine) as session:
        state = session.get(ConnectorState, ident) or ConnectorState(id=ident, monitor_id=monitor.id, kind=source.type)
        session.expunge_all()
    error: str | None = None
    try:
        posts, cursor = _fetch(core, monitor, source, state, now)
        stored = store_posts(core, posts, now)
    except Exception as exc:  # any failure of the platform or its client: back off, report, keep serving
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        state.failures += 1
        state.last_error = error
        state.next_attempt_at = now + backoff(every, state.failures)
        log.warning("connector %s failed (%d in a row), next try at %s: %s", ident, state.failures,
                    state.next_attempt_at.isoformat(timespec="seconds"), error)
        outcome, stored = "failed", None
    else:
        for name, value in cursor.items():
            setattr(state, name, value)
        state.failures, state.last_error, state.last_ok_at = 0, None, now
        state.next_attempt_at = now + every
        metrics.record_stored(stored)
        outcome = "ok"
    state.last_attempt_at = now
    with transaction(core.engine) as session:
        session.merge(state)
    metrics.CONNECTOR_POLLS.labels(monitor=monitor.id, connector=ident, outcome=outcome).inc()
    metrics.CONNECTOR_UP.labels(monitor=monitor.id, connector=ident).set(1 if outcome == "ok" else 0)
    metrics.CONNECTOR_FAILURES.labels(monitor=monitor.id, connector=ident).set(state.failures)
    return Polled(ident, outcome == "ok", stored, error, as_utc(state.next_attempt_at))


@dataclass(frozen=True)
class ConnectorHealth:
    ok: bool
    detail: str
    connectors: dict[str, dict]

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, "connectors": self.connectors}


def connector_health(core) -> ConnectorHealth:
    """Each connector's standing for ``/healthz``: failing ones named with their last error."""
    configured = connectors(core)
    with Session(core.engine) as session:
        states = {s.id: s for s in session.exec(select(ConnectorState)).all()}
    report: dict[str, dict] = {}
    for ident in configured:
        state = states.get(ident)
        if state is None:
            report[ident] = {"ok": True, "status": "not polled yet"}
            continue
        report[ident] = {"ok": state.failures == 0, "status": "ok" if state.failures == 0 else "failing",
                         "failures": state.failures, "last_error": state.last_error,
                         "last_ok_at": state.last_ok_at.isoformat() if state.last_ok_at else None,
                         "next_attempt_at": state.next_attempt_at.isoformat() if state.next_attempt_at else None}
    failing = sorted(ident for ident, entry in report.items() if not entry["ok"])
    detail = f"failing: {', '.join(failing)}" if failing else f"{len(report)} connector(s) ok"
    return ConnectorHealth(not failing, detail, report)
