"""Alert intake: store every alert, open an incident or attach to the open one with the same incident key.

An alert's incident key is its group's key (an Alertmanager/Grafana ``groupKey``: one group, one
incident), else its own dedup key. "One open incident per key" is enforced by a partial unique index,
so two identical alerts arriving at the same instant (in threads or in separate processes) still make
one incident; on PostgreSQL a batch first locks its incident keys (advisory locks, in one fixed order), so
concurrent batches in several processes wait for each other instead of failing on the index or deadlocking.
A sender's delivery id (PagerDuty's ``X-Webhook-Id``) is stored once: a redelivery is
answered as a duplicate and stored no second time. An attached alert more severe than its incident is
recorded as an ``escalation`` on the timeline, for the room to be told.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from app import metrics
from app.alerts.models import Alert, AlertStatus, IntakeOutcome
from app.alerts.parsers import AlertIn
from app.batching import insert_ids
from app.core import Core
from app.db import lock_names, transaction
from app.inbound import stages
from app.incidents import clocks, timeline
from app.incidents import service as incidents
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus, TimelineEvent
from app.playbooks.schema import Playbook
from app.severity import Severity
from app.timeutil import utcnow


@dataclass(frozen=True)
class IntakeResult:
    alert_id: int
    incident_id: int | None
    status: IntakeOutcome
    escalated_to: str | None = None  # the level an attached alert proposes raising its incident to

    def as_dict(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "incident_id": self.incident_id, "status": self.status}


def dedup_key_for(alert: AlertIn) -> str:
    """The alert's own key, else one derived from what identifies the situation."""
    if alert.dedup_key:
        return alert.dedup_key
    basis = "\x1f".join([alert.source, alert.kind, alert.title.strip().lower()])
    return "derived:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def incident_key_for(alert: AlertIn) -> str:
    """The key the alert's incident is found by: its group's, else its own."""
    return alert.group_key or dedup_key_for(alert)


def _alert_row(alert: AlertIn, key: str, incident_id: int | None, *, posted: bool = False) -> dict[str, Any]:
    return {"incident_id": incident_id, "source": alert.source, "kind": alert.kind, "title": alert.title[:500],
            "description": alert.description, "severity": alert.severity.value if alert.severity else None,
            "status": alert.status, "dedup_key": key, "url": alert.url, "labels": alert.labels,
            "metrics": alert.metrics, "raw": alert.raw, "posted": posted, "received_at": utcnow(),
            "delivery_id": alert.delivery_id}


# Built once: the storm's hot path then skips building and caching a statement per batch.
_OPEN_BY_KEY = select(
    col(Incident.dedup_key), col(Incident.id), col(Incident.severity), col(Incident.playbook_id),
).where(col(Incident.dedup_key).in_(bindparam("keys", expanding=True)), Incident.status == IncidentStatus.OPEN)
_DELIVERED = select(col(Alert.delivery_id), col(Alert.id), col(Alert.incident_id)).where(
    col(Alert.delivery_id).in_(bindparam("ids", expanding=True)))
_ESCALATIONS = select(col(TimelineEvent.incident_id), col(TimelineEvent.data)).where(
    col(TimelineEvent.incident_id).in_(bindparam("incident_ids", expanding=True)),
    TimelineEvent.kind == TimelineKind.ESCALATION)
# Plain table inserts (every column given): the ORM's bulk insert spent more time per row than the database.
_ALERTS = cast(Table, Alert.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
_INSERT_EVENTS = cast(Table, TimelineEvent.__table__).insert()  # type: ignore[attr-defined]  # set by SQLModel
_INCIDENTS = cast(Table, Incident.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
_COUNT = _INCIDENTS.update().where(_INCIDENTS.c.id == bindparam("counted_id")).values(
    alert_count=_INCIDENTS.c.alert_count + bindparam("added"))


@dataclass
class _Open:
    incident_id: int  # _NOT_STORED while the batch's new incident waits to be stored with the others
    severity: str
    playbook_id: str


_NOT_STORED = 0  # no stored row has this id


def _open_incidents_for(session: Session, keys: set[str]) -> dict[str, _Open]:
    """The open incident of each key that has one, in one query."""
    return {key: _Open(incident_id, severity, playbook_id) for key, incident_id, severity, playbook_id
            in session.execute(_OPEN_BY_KEY, {"keys": sorted(keys)}).tuples()}


@dataclass
class _Staged:
    alert: AlertIn
    row: dict[str, Any]
    incident_id: int | None
    status: IntakeOutcome
    playbook_id: str | None = None
    alert_id: int = 0
    escalated_to: str | None = None


def _stage(core: Core, session: Session, alerts: list[AlertIn]) -> list[_Staged]:
    """Store every new alert (and each new incident); alerts with one incident key share one incident.

    A storm's hot path: plain bulk statements (the new incidents with their steps, tasks and timeline; the
    alerts, their timeline entries, the incidents' counters), one per table for the batch, no ORM objects.
    """
    staged: list[_Staged | None] = [None] * len(alerts)
    fresh = _mark_redeliveries(session, alerts, staged)
    open_by_key: dict[str, _Open | None] = dict.fromkeys({incident_key_for(alerts[i]) for i in fresh})
    if open_by_key:
        open_by_key.update(_open_incidents_for(session, set(open_by_key)))
    openings: dict[str, incidents.Opening] = {}
    # Firing alerts first, so that a group's resolved alert finds the incident its firing alerts open.
    for index in sorted(fresh, key=lambda i: alerts[i].status == AlertStatus.RESOLVED):
        staged[index] = _stage_one(core, alerts[index], open_by_key, openings)
    _open(session, [staged[i] for i in fresh], open_by_key, openings)
    new: list[_Staged] = []
    for i in fresh:
        item = staged[i]
        assert item is not None  # every fresh alert was staged just above
        new.append(item)
    _propose_escalations(session, new, open_by_key)
    if new:
        for item, alert_id in zip(new, insert_ids(session, _ALERTS, [item.row for item in new]), strict=True):
            item.alert_id = alert_id
    attached = [item for item in new if item.incident_id is not None]  # the opening alert counts too
    if attached:
        session.execute(_INSERT_EVENTS, [
            {"incident_id": item.incident_id, "kind": TimelineKind.ALERT, "text": item.alert.title[:500],
             "actor": item.alert.source, "at": item.row["received_at"],
             "data": {"alert_id": item.alert_id, "status": item.alert.status, "metrics": item.alert.metrics}}
            for item in attached])
        added = Counter(item.incident_id for item in attached)
        session.execute(_COUNT, [{"counted_id": incident_id, "added": n} for incident_id, n in added.items()])
    for item in new:
        if item.escalated_to:
            _record_escalation(session, item, open_by_key[incident_key_for(item.alert)])
    playbooks = {found.incident_id: found.playbook_id for found in open_by_key.values() if found is not None}
    _start_clocks(core, session, new, playbooks)
    return cast(list[_Staged], staged)  # all staged now: redeliveries first, then every fresh alert


def clock_keys(playbook: Playbook) -> frozenset[str]:
    """The label keys that can start one of the playbook's clocks."""
    return frozenset(str(key).lower() for spec in playbook.deadlines for key in (spec.when_labels or {}))


def _start_clocks(core: Core, session: Session, new: list[_Staged], playbooks: dict[int, str]) -> None:
    """Legal clocks whose labels the alerts bring start now (opened: from the incident's start); the reminders
    of clocks started for incidents already open are planned after the commit (``session.info``).
    ``playbooks``: each incident's playbook id, so that labels no clock listens to cost no read."""
    labelled: dict[int, dict[str, str]] = {}
    first_labels: dict[int, dict[str, str]] = {}  # each incident's first alert's labels, as the clocks read them
    for item in new:
        if item.incident_id is not None:
            first_labels.setdefault(item.incident_id, {str(k): str(v) for k, v in item.alert.labels.items()})
    for item in new:
        if item.status == IntakeOutcome.OPENED:
            assert item.incident_id is not None and item.playbook_id is not None  # opened by this batch
            if not core.playbooks.get(item.playbook_id).deadlines_for(first_labels[item.incident_id]):
                continue  # the storm's openings: a new incident's only labels are its first alert's, and start none
            incident = session.get(Incident, item.incident_id)
            assert incident is not None  # opened in this transaction
            clocks.start_matching(session, incident, core.playbooks.get(incident.playbook_id), by=item.alert.source)
        elif item.status == IntakeOutcome.ATTACHED and item.alert.labels:
            assert item.incident_id is not None  # attached alerts have their incident
            labelled.setdefault(item.incident_id, {}).update(item.alert.labels)
    for incident_id, found in labelled.items():
        playbook = core.playbooks.get(playbooks[incident_id])
        if not clock_keys(playbook) & {str(key).strip().lower() for key in found}:
            continue  # the storm's hot path: labels no clock of this playbook listens to change nothing
        incident = session.get(Incident, incident_id)
        assert incident is not None  # open, found by this transaction
        started = clocks.add_alert_labels(session, incident, playbook, found)
        session.info.setdefault("started_clocks", []).extend((incident_id, row.key) for row in started)


def _mark_redeliveries(session: Session, alerts: list[AlertIn], staged: list[_Staged | None]) -> list[int]:
    """Stage redeliveries (a delivery id seen before) as duplicates; the indexes of the other alerts."""
    ids = sorted({alert.delivery_id for alert in alerts if alert.delivery_id})
    seen = {delivery: (alert_id, incident_id)
            for delivery, alert_id, incident_id in session.execute(_DELIVERED, {"ids": ids}).tuples()} if ids else {}
    first_in_batch: dict[str, int] = {}
    fresh: list[int] = []
    for index, alert in enumerate(alerts):
        delivery = alert.delivery_id
        if delivery and (delivery in seen or delivery in first_in_batch):
            staged[index] = _Duplicate(alert, seen.get(delivery), first_in_batch.get(delivery))
            continue
        if delivery:
            first_in_batch[delivery] = index
        fresh.append(index)
    return fresh


class _Duplicate(_Staged):
    """A redelivered alert: answered with the first delivery's alert and incident, stored no second time."""

    def __init__(self, alert: AlertIn, stored: tuple[int, int | None] | None, batch_index: int | None) -> None:
        super().__init__(alert, {}, stored[1] if stored else None, IntakeOutcome.DUPLICATE,
                         alert_id=stored[0] if stored else 0)
        self.batch_index = batch_index  # set when the first delivery is in the same batch


def _stage_one(core: Core, alert: AlertIn, open_by_key: dict[str, _Open | None],
               openings: dict[str, incidents.Opening]) -> _Staged:
    """Stage the alert: attached to its key's open incident, recorded alone (resolved, nothing open), or
    opening an incident (added to ``openings``; its id is known once ``_open`` has stored them)."""
    key = incident_key_for(alert)
    own_key = dedup_key_for(alert)
    found = open_by_key[key]
    if found is None and alert.status == AlertStatus.RESOLVED:
        return _Staged(alert, _alert_row(alert, own_key, None), None, IntakeOutcome.RECORDED)
    if found is not None:
        return _Staged(alert, _alert_row(alert, own_key, found.incident_id), found.incident_id, IntakeOutcome.ATTACHED)
    playbook = core.playbooks.match(alert.kind, alert.labels, alert.severity)
    openings[key] = incidents.opening(
        playbook, title=alert.title, kind=alert.kind, severity=alert.severity, source=alert.source,
        description=alert.description, url=alert.url, dedup_key=key, language=core.settings.warroom_language,
    )
    open_by_key[key] = _Open(_NOT_STORED, openings[key].severity, playbook.id)
    # The briefing tells the room about the first alert.
    return _Staged(alert, _alert_row(alert, own_key, _NOT_STORED, posted=True), _NOT_STORED, IntakeOutcome.OPENED,
                   playbook.id)


def _open(session: Session, staged: list[_Staged | None], open_by_key: dict[str, _Open | None],
          openings: dict[str, incidents.Opening]) -> None:
    """Store the batch's new incidents together, then give their alerts (opening or attached) their ids."""
    if not openings:
        return
    incidents.open_many(session, list(openings.values()))
    for key, opening in openings.items():
        found = open_by_key[key]
        assert found is not None and opening.id is not None  # planned by _stage_one, stored just above
        found.incident_id = opening.id
    for item in staged:
        if item is not None and item.incident_id == _NOT_STORED:
            found = open_by_key[incident_key_for(item.alert)]
            assert found is not None  # its key was opened just above
            item.incident_id = item.row["incident_id"] = found.incident_id


def _propose_escalations(session: Session, new: list[_Staged], open_by_key: dict[str, _Open | None]) -> None:
    """Mark the most severe attached firing alert of each incident that it outranks, once per level."""
    best: dict[int, _Staged] = {}
    for item in new:
        level = item.alert.severity
        if item.status != IntakeOutcome.ATTACHED or item.alert.status != AlertStatus.FIRING or level is None:
            continue
        incident = open_by_key[incident_key_for(item.alert)]
        assert incident is not None and item.incident_id is not None  # attached: its incident is open
        if level.rank <= Severity.parse(incident.severity).rank:
            continue
        current = best.get(item.incident_id)
        current_level = current.alert.severity if current is not None else None
        if current_level is None or level.rank > current_level.rank:
            best[item.incident_id] = item
    if not best:
        return
    proposed = {(incident_id, (data or {}).get("to"))
                for incident_id, data in session.execute(_ESCALATIONS, {"incident_ids": sorted(best)}).tuples()}
    for incident_id, item in best.items():
        to = item.alert.severity.value if item.alert.severity else None
        if (incident_id, to) not in proposed:
            item.escalated_to = to
            item.row["posted"] = True  # the escalation notice shows this alert


def _record_escalation(session: Session, item: _Staged, incident: _Open | None) -> None:
    assert incident is not None and item.incident_id is not None  # only attached alerts escalate
    timeline.record(session, item.incident_id, TimelineKind.ESCALATION, f"{incident.severity} -> {item.escalated_to}: "
                    f"{item.alert.title[:400]}", actor=item.alert.source, at=item.row["received_at"],
                    alert_id=item.alert_id, posted=False, **{"from": incident.severity, "to": item.escalated_to})


def _claimed_names(alerts: list[AlertIn]) -> set[str]:
    """What a batch of alerts may create: an incident per key, an alert per delivery id. Batches that share
    one wait for each other (PostgreSQL), so none fails on a duplicate and none deadlocks another."""
    names = {"incident-key\x1f" + incident_key_for(alert) for alert in alerts}
    return names | {"alert-delivery\x1f" + alert.delivery_id for alert in alerts if alert.delivery_id}


LOCK_LOOK_EVERY = 0.0005  # seconds between two looks at SQLite's write lock while another process holds it


def _take_sqlite_lock(session: Session) -> float:
    """On SQLite, begin the intake's transaction holding the write lock (``BEGIN IMMEDIATE``); the seconds waited.

    While another process writes (the worker), SQLite's busy handler would sleep up to 100 ms between looks at
    the lock, and every sender of the batch waits that long: here it looks every half millisecond, for as long
    as the connection's busy timeout allows. The reads that follow see the latest commit, so the writes after
    them never find their snapshot outdated."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return 0.0
    raw = connection.connection.driver_connection
    if raw is None or raw.in_transaction:
        return 0.0
    started = time.monotonic()
    busy_timeout = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return time.monotonic() - started
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() - started > busy_timeout / 1000:  # answered 503: nothing was stored
                    raise OperationalError("BEGIN IMMEDIATE", {}, exc) from exc
            time.sleep(LOCK_LOOK_EVERY)
    finally:
        raw.execute(f"PRAGMA busy_timeout={busy_timeout}")


# Given the intake's session, the incidents with attached alerts and those with an escalation, stores what
# tells their rooms and returns what to do once that is committed.
TellRooms = Callable[[Session, list[int], list[int]], Callable[[], None]]


def _told(staged: list[_Staged]) -> tuple[list[int], list[int]]:
    """The incidents that attached alerts (no escalation among them) and those with an escalation."""
    attached: list[int] = []
    escalated: list[int] = []
    for item in staged:
        if item.status != IntakeOutcome.ATTACHED or item.incident_id is None:
            continue
        (escalated if item.escalated_to else attached).append(item.incident_id)
    return attached, escalated


def ingest_many(core: Core, alerts: list[AlertIn], tell: TellRooms | None = None) -> list[IntakeResult]:
    """Commit the alerts (and any new incidents) in one transaction before returning, in order; ``tell``
    plans the room's messages in that transaction, so no stored alert is left untold."""
    for attempt in range(3):
        then = None
        asked = time.perf_counter()
        try:
            with transaction(core.engine, urgent=True) as session:
                locked = time.perf_counter()
                sqlite_wait = _take_sqlite_lock(session)
                lock_names(session, _claimed_names(alerts))
                staged = _stage(core, session, alerts)
                started = session.info.pop("started_clocks", [])
                if tell is not None:
                    then = tell(session, *_told(staged))
                written = time.perf_counter()
        except IntegrityError:
            continue  # a concurrent alert (another process) opened an incident or stored a delivery first
        if stages.enabled():
            stages.note({"kind": "intake-batch", "at": asked, "alerts": len(alerts), "attempt": attempt,
                         "lock_ms": (locked - asked) * 1000, "sqlite_lock_ms": sqlite_wait * 1000,
                         "write_ms": (written - locked) * 1000,
                         "commit_ms": (time.perf_counter() - written) * 1000})
        if then is not None:
            then()
        if started and core.scheduler is not None:
            clocks.schedule_started(core, started)
        results = []
        for item in staged:
            if isinstance(item, _Duplicate) and item.batch_index is not None:
                first = staged[item.batch_index]
                item.alert_id, item.incident_id = first.alert_id, first.incident_id
            results.append(IntakeResult(item.alert_id, item.incident_id, item.status, item.escalated_to))
            metrics.ALERTS_RECEIVED.labels(source=item.alert.source, outcome=item.status).inc()
            if item.playbook_id:
                metrics.INCIDENTS_OPENED.labels(playbook=metrics.playbook_label(core.playbooks.get(item.playbook_id))).inc()
        return results
    keys = sorted({incident_key_for(alert) for alert in alerts})
    raise RuntimeError(f"could not store the alerts with incident keys {keys!r} after 3 attempts")


def ingest(core: Core, alert: AlertIn) -> IntakeResult:
    """Commit the alert (and a new incident if needed) before returning."""
    return ingest_many(core, [alert])[0]
