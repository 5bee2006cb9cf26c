"""A worker is woken as soon as an incident or a follow-up is stored (PostgreSQL: NOTIFY from the storing
transaction; SQLite: the web role's datagram to the worker on its host), and a lost wake-up is only a delay:
the slow poll finds the work."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from app.core import build_core
from app.db import is_postgres, transaction
from app.incidents.models import Incident, Phase
from app.incidents.setup import serve_setups
from app.requests_queue.models import AcceptedRequest
from app.requests_queue.store import worker_name
from app.sandbox.harness import Sandbox
from app.workers.heartbeat import Heartbeat
from app.workers.wakeup import INCIDENTS, REQUESTS, Wakeups
from tests.conftest import social_alert

BOUND = 5.0  # seconds: a wake-up arrives in milliseconds; the polls of these tests are far slower than this


@pytest.fixture
def web(web_role):
    return web_role


class Listener:
    """A worker process's side of the wake-ups, on a core of its own, recording what arrives."""

    def __init__(self, box: Sandbox, extra: tuple[str, ...] = ()) -> None:
        self.core = build_core(box.settings)
        self.heard: list[str] = []
        self.events = {channel: threading.Event() for channel in (INCIDENTS, REQUESTS, *extra)}
        self.wakeups = Wakeups(self.core.engine, {c: self._on(c) for c in self.events}).start()
        self.heartbeat = Heartbeat(self.core.engine, worker_name(), ["setups"], wake_port=self.wakeups.port).start()
        box.fake.wait_for(lambda: self.wakeups.listening, timeout=BOUND)

    def _on(self, channel: str):
        def heard() -> None:
            self.heard.append(channel)
            self.events[channel].set()
        return heard

    def close(self) -> None:
        self.heartbeat.stop()
        self.wakeups.stop()
        self.core.shutdown()


def test_an_alert_and_a_follow_up_stored_by_the_web_role_wake_the_worker_at_once(web):
    listener = Listener(web)
    try:
        assert web.alert(social_alert(dedup_key="social:wake")).status_code == 202
        assert listener.events[INCIDENTS].wait(BOUND), "no wake-up for the stored incident"
        assert not listener.events[REQUESTS].is_set()

        answer = web.driver.command("U0LEAD", "C0GENERAL", "help")
        assert answer.status_code == 200
        assert listener.events[REQUESTS].wait(BOUND), "no wake-up for the stored follow-up"
        with Session(web.core.engine) as session:  # the wake-up only said "look": the work is in the database
            assert session.exec(select(AcceptedRequest)).all()
            assert session.exec(select(Incident)).one().phase == Phase.SETUP
    finally:
        listener.close()


def test_a_lost_wake_up_is_caught_by_the_poll(web):
    """No worker listens (every wake-up is lost): the incident is still found by the poll and its room set up."""
    core = build_core(web.settings)
    watch = serve_setups(core, every=0.2)
    try:
        assert web.alert(social_alert(dedup_key="social:lost")).status_code == 202

        def ready():
            with Session(web.core.engine) as session:
                incident = session.exec(select(Incident)).first()
                return incident is not None and incident.phase == Phase.ACTIVE and incident
        incident = web.fake.wait_for(ready, timeout=30)
        assert incident.channel_id and web.fake.channel(incident.channel_id)
        assert watch.woken == 0 and watch.found == 1
    finally:
        watch.stop()
        core.shutdown()


def test_the_notification_is_delivered_only_when_the_storing_transaction_commits(web):
    if not is_postgres(web.core.engine):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    marker = "warroom_test_marker"
    listener = Listener(web, extra=(marker,))
    conninfo = web.core.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with transaction(web.core.engine) as session:
            session.add(AcceptedRequest(function="after_ack", content_type="application/json", body="{}"))
            session.flush()
            # Sent after the insert, on another connection: it arrives while the insert is still uncommitted.
            with pytest.importorskip("psycopg").connect(conninfo, autocommit=True) as other:
                other.execute(f"NOTIFY {marker}")
            assert listener.events[marker].wait(BOUND)
            assert REQUESTS not in listener.heard
        assert listener.events[REQUESTS].wait(BOUND)
        assert listener.heard == [marker, REQUESTS]

        with pytest.raises(RuntimeError), transaction(web.core.engine) as session:  # rolled back: no wake-up
            session.add(AcceptedRequest(function="after_ack", content_type="application/json", body="{}"))
            session.flush()
            raise RuntimeError("given up")
        with pytest.importorskip("psycopg").connect(conninfo, autocommit=True) as other:
            listener.events[marker].clear()
            other.execute(f"NOTIFY {marker}")
        assert listener.events[marker].wait(BOUND)
        assert listener.heard == [marker, REQUESTS, marker]
    finally:
        listener.close()
