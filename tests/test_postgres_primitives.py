"""PostgreSQL's own primitives where several processes share the database, each shown with two engines (as two
processes would hold): the intake's key locks, the room set-up lease, SKIP LOCKED claims, reserved channel
names, the migrations and the health check."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app import migrate
from app.alerts.parsers import parse_generic
from app.alerts.service import ingest_many
from app.core import build_core
from app.db import HeldLock, make_engine, transaction
from app.effects import service as effects
from app.health import database_check
from app.incidents import channel_names
from app.incidents.models import Incident
from app.models import metadata
from app.scheduling import registry, store
from app.scheduling.scheduler import Scheduler
from app.timeutil import utcnow
from tests.conftest import social_alert

pytestmark = pytest.mark.postgres_only("PostgreSQL's locks and claims")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name == "apscheduler_jobs")  # as app/migrations/env.py


def _count_integrity_errors(engine) -> list[BaseException]:
    seen: list[BaseException] = []

    @event.listens_for(engine, "handle_error")
    def _seen(context) -> None:
        if isinstance(context.sqlalchemy_exception, IntegrityError):
            seen.append(context.sqlalchemy_exception)

    return seen


def test_batches_from_two_processes_make_one_incident_per_key_without_a_duplicate_error(make_sandbox):
    box = make_sandbox("intake", serve=False)
    other = build_core(box.settings)  # a second process on the same database
    errors = _count_integrity_errors(box.core.engine)
    other_errors = _count_integrity_errors(other.engine)
    keys = [f"social:key-{n}" for n in range(12)]
    # Each batch holds every key, in its own order: without ordered locks two such batches deadlock.
    batches = [[parse_generic(social_alert(dedup_key=key, title=f"Storm {key}"))
                for key in (keys if n % 2 else list(reversed(keys)))] for n in range(16)]
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda nb: ingest_many((box.core, other)[nb[0] % 2], nb[1]), enumerate(batches)))
        statuses = [r.status for batch in results for r in batch]
        assert statuses.count("opened") == len(keys)
        assert statuses.count("attached") == len(keys) * (len(batches) - 1)
        with Session(box.core.engine) as session:
            by_key = session.exec(select(Incident.dedup_key, func.count()).group_by(col(Incident.dedup_key))).all()
            counts = {i.dedup_key: i.alert_count for i in session.exec(select(Incident))}
        assert sorted(by_key) == [(key, 1) for key in sorted(keys)]
        assert counts == dict.fromkeys(keys, len(batches))
        assert errors == [] and other_errors == [], "a batch hit the unique index and was retried"
    finally:
        other.shutdown()


def test_a_room_set_up_lease_is_held_by_one_process_and_freed_when_it_dies(database_url):
    one, two = make_engine(database_url), make_engine(database_url)
    first, second = HeldLock(one, "room-setup\x1f7"), HeldLock(two, "room-setup\x1f7")
    try:
        assert first.acquire()
        assert not second.acquire()  # at once, without waiting
        assert HeldLock(two, "room-setup\x1f8").acquire()  # other rooms are free
        with two.connect() as connection:  # the holder's connection ends, as when its process is killed
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                                    "WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND granted"))
        taken = False
        for _ in range(200):
            taken = second.acquire()
            if taken:
                break
            threading.Event().wait(0.01)
        assert taken
        first.release()  # its connection is gone: releasing is harmless
    finally:
        second.release()
        one.dispose()
        two.dispose()


def test_two_schedulers_claim_disjoint_jobs_without_waiting_for_each_other(database_url):
    one, two = make_engine(database_url), make_engine(database_url)
    registry.register("test_pg_noop", lambda core, n: None)
    try:
        scheduler = Scheduler(SimpleNamespace(engine=one, scheduler=None), start=False)
        past = utcnow() - timedelta(seconds=1)
        scheduler.at_many([(f"pg:{n:02d}", past, "test_pg_noop", {"n": n}) for n in range(20)])
        scheduler.shutdown()
        now, until = utcnow(), utcnow() + timedelta(minutes=1)
        with transaction(one) as first:  # held open: its rows stay locked while the second claims
            mine = store.claim_due(first, now, 8, "one#1", until, set())
            with transaction(two) as second:
                second.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail the test
                theirs = store.claim_due(second, now, 20, "two#1", until, set())
        assert len(mine) == 8 and len(theirs) == 12
        assert not {j.id for j in mine} & {j.id for j in theirs}
        assert [j.id for j in mine] == [f"pg:{n:02d}" for n in range(8)]  # soonest first (ties by id)
        with Session(one) as session:
            assert store.due(session, utcnow(), 50) == []
    finally:
        registry.unregister("test_pg_noop")
        one.dispose()
        two.dispose()


def test_two_outbox_deliverers_claim_disjoint_effects(database_url):
    one, two = make_engine(database_url), make_engine(database_url)
    try:
        with transaction(one) as session:
            for n in range(10):
                effects.post(session, f"test:{n}", channel="C1", text=f"message {n}")
        with Session(one) as first, Session(two) as second:
            first.begin()
            locked = first.execute(text("SELECT id FROM effects ORDER BY id LIMIT 4 FOR UPDATE")).scalars().all()
            taken = effects.claim(second, utcnow(), "two", limit=10)  # skips the four rows being claimed
            first.rollback()
            assert len(locked) == 4 and sorted(e.id for e in taken) == sorted(set(range(1, 11)) - set(locked))
            again = effects.claim(first, utcnow(), "one", limit=10)
            assert sorted(e.id for e in again) == sorted(locked)  # leased ones are not taken twice
    finally:
        one.dispose()
        two.dispose()


def test_a_channel_name_is_reserved_for_one_incident(sandbox):
    from app.incidents import service as incidents

    with transaction(sandbox.core.engine) as session:
        playbook = sandbox.core.playbooks.get("shitstorm")
        a = incidents.open_incident(session, playbook, title="Same title", kind="shitstorm").id
        b = incidents.open_incident(session, playbook, title="Same title", kind="shitstorm").id
    other = make_engine(sandbox.settings.database_url)
    try:
        assert channel_names.reserve(sandbox.core.engine, "shitstorm-20261130-same-title", a)
        assert not channel_names.reserve(other, "shitstorm-20261130-same-title", b)
        assert channel_names.reserve(other, "shitstorm-20261130-same-title", a)  # asked again by its own room
    finally:
        other.dispose()


def test_migrations_build_the_models_schema_from_nothing_and_0018_goes_down_and_up(new_database):
    engine = make_engine(new_database("fresh", migrated=False))
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_object,
                                                                   "compare_type": True})
            assert compare_metadata(context, metadata) == []
            collation = connection.execute(text(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'scheduled_job' AND column_name = 'id'")).scalar_one()
        assert collation == "C"  # prefixes are ranges in binary order, as on SQLite
        migrate.downgrade(engine, "0011")
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_health_says_when_the_server_takes_no_writes(database_url):
    engine = make_engine(database_url)
    try:
        assert database_check(engine).as_dict() == {"ok": True, "detail": "reachable, writable"}
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{engine.url.database}" SET default_transaction_read_only = on'))
            connection.commit()
        engine.dispose()  # new connections get the setting
        assert database_check(engine).as_dict() == {"ok": False, "detail": "read-only: the server takes no writes"}
    finally:
        engine.dispose()


def test_processes_starting_together_migrate_once(new_database):
    url = new_database("together", migrated=False)
    code = f"from app.db import make_engine; from app.migrate import upgrade; upgrade(make_engine({url!r}))"
    root = Path(__file__).resolve().parents[1]
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=root, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(root)}) for _ in range(3)]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err  # without turns, one fails creating a table another just created
    engine = make_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
