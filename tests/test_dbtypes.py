"""The UTC datetime column type: what SQLite and PostgreSQL store, what comes back, what is refused."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError
from sqlalchemy.schema import CreateTable
from sqlmodel import Session, SQLModel, select

from app import migrate
from app.db import make_engine, transaction
from app.dbtypes import NaiveDatetimeError, UTCDateTime
from app.incidents import clocks
from app.incidents.clocks import IncidentClock
from app.incidents.models import Incident, TimelineEvent
from app.models import metadata
from app.scheduling.models import ScheduledJob
from app.tasks import service as tasks
from app.tasks.models import Task

BERLIN = timezone(timedelta(hours=1), "CET")
INSTANT = datetime(2026, 11, 22, 9, 22, 5, 123456, tzinfo=UTC)


def database(tmp_path, revision: str = "head"):
    engine = make_engine(f"sqlite:///{tmp_path / 'warroom.db'}")
    migrate.upgrade(engine, revision)
    return engine


def an_incident(**fields) -> Incident:
    values = dict(title="Backlash", kind="shitstorm", severity="high", playbook_id="shitstorm")
    values.update(fields)
    return Incident(**values)


def raw(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def test_every_datetime_column_of_every_model_is_utc():
    datetime_columns = [(table.name, column.name, column.type) for table in metadata.sorted_tables
                        for column in table.columns
                        if isinstance(getattr(column.type, "impl_instance", column.type), sa.DateTime)]
    assert len(datetime_columns) >= 40
    assert [(t, c) for t, c, kind in datetime_columns if not isinstance(kind, UTCDateTime)] == []


def test_an_instant_reads_back_aware_in_utc_and_is_stored_as_sqlite_always_stored_it(tmp_path):
    engine = database(tmp_path)
    written = INSTANT.astimezone(BERLIN)  # 10:22:05 in Berlin: the same instant
    with transaction(engine) as session:
        incident = an_incident(created_at=written, next_update_at=written + timedelta(minutes=30))
        session.add(incident)
    with Session(engine) as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None and stored.closed_at is None
        assert stored.created_at == INSTANT and stored.created_at.tzinfo is UTC
        assert stored.next_update_at == INSTANT + timedelta(minutes=30) and stored.next_update_at.tzinfo is UTC
    # The UTC wall time, naive, in the text form SQLAlchemy's DateTime has always written to SQLite.
    assert raw(engine, "SELECT created_at FROM incidents") == [("2026-11-22 09:22:05.123456",)]
    engine.dispose()


def test_a_naive_datetime_is_refused_with_a_clear_error_and_nothing_stored_is_lost(tmp_path):
    engine = database(tmp_path)
    with transaction(engine) as session:
        session.add(an_incident(created_at=INSTANT))
    with pytest.raises(StatementError) as refused, transaction(engine) as session:
        session.add(an_incident(title="Naive", created_at=datetime(2026, 11, 22, 9, 30)))
    assert isinstance(refused.value.orig, NaiveDatetimeError)
    assert "naive datetime 2026-11-22T09:30:00 has no time zone" in str(refused.value)
    with Session(engine) as session:
        assert [i.title for i in session.exec(select(Incident))] == ["Backlash"]
        with pytest.raises(StatementError, match="has no time zone"):
            session.exec(select(Incident).where(Incident.created_at < datetime(2026, 11, 23))).all()
    engine.dispose()


def test_rows_written_by_the_previous_column_type_read_back_the_same_instants(tmp_path):
    """A database of the release before this type: the schema is the same on SQLite, and its rows were
    written through a plain ``DateTime`` as naive UTC (with and without microseconds)."""
    engine = database(tmp_path, "0011")
    old = sa.MetaData()
    incidents = sa.Table("incidents", old, autoload_with=engine)
    for column in incidents.columns:
        if isinstance(column.type, sa.DateTime):
            column.type = sa.DateTime()  # as the previous release bound it
    naive = INSTANT.replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(incidents.insert().values(
            title="Old", kind="shitstorm", severity="high", playbook_id="shitstorm", status="open", phase="active",
            source="manual", description="", language="en", confidential=False, private=False, alert_count=0,
            created_at=naive, next_update_at=naive + timedelta(minutes=30)))
        connection.execute(sa.text(
            "INSERT INTO tasks (incident_id, title, role, created_at, due_at, source) "
            "VALUES (1, 'Pause scheduled posts', 'social', '2026-11-22 09:22:05', '2026-11-22 09:37:05', "
            "'playbook')"))
        connection.execute(sa.text(
            "INSERT INTO incident_clocks (incident_id, key, title, started_at, due_at, reason) "
            "VALUES (1, 'gdpr', 'GDPR notice', '2026-11-22 09:22:05.123456', '2026-11-25 09:22:05.123456', '')"))
        connection.execute(sa.text(
            "INSERT INTO scheduled_job (id, kind, incident_id, due_at, payload, attempts) "
            "VALUES ('inc1:status', 'status_due', 1, '2026-11-22 09:52:05.123456', '{}', 0)"))
    migrate.upgrade(engine)
    with Session(engine) as session:
        incident = session.get(Incident, 1)
        assert incident is not None
        assert (incident.created_at, incident.next_update_at) == (INSTANT, INSTANT + timedelta(minutes=30))
        task = session.exec(select(Task)).one()
        assert task.due_at == datetime(2026, 11, 22, 9, 37, 5, tzinfo=UTC)
        # Domain code compares the old rows with aware times directly.
        assert tasks.is_overdue(task, now=datetime(2026, 11, 22, 10, 37, 6, tzinfo=BERLIN))
        assert not tasks.is_overdue(task, now=datetime(2026, 11, 22, 10, 37, 5, tzinfo=BERLIN))
        clock = session.exec(select(IncidentClock)).one()
        assert clock.due_at - clock.started_at == timedelta(days=3) and clock.due_at.tzinfo is UTC
        # Queries compare old rows and aware bounds as instants.
        due = session.exec(select(ScheduledJob).where(ScheduledJob.due_at <= INSTANT + timedelta(minutes=30))).all()
        later = session.exec(select(ScheduledJob).where(ScheduledJob.due_at < INSTANT.astimezone(BERLIN)
                                                        + timedelta(minutes=30))).all()
        assert [job.id for job in due] == ["inc1:status"] and later == []
    engine.dispose()


def test_a_stored_clock_keeps_its_instants_through_the_clock_service(tmp_path):
    engine = database(tmp_path)
    from app.playbooks.loader import load_playbooks
    from app.sandbox.harness import shipped_playbooks

    playbook = load_playbooks(shipped_playbooks()).get("personal-data-breach")
    with transaction(engine) as session:
        incident = an_incident(kind="data-leak", playbook_id=playbook.id, created_at=INSTANT)
        session.add(incident)
        session.flush()
        started = clocks.start_clock(session, incident, playbook, playbook.deadlines[0].key, by="U1",
                                     reason="personal data involved", aware_at=INSTANT.astimezone(BERLIN),
                                     now=INSTANT + timedelta(hours=1))
        spec = playbook.deadlines[0]
    with Session(engine) as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        [clock] = clocks.clocks(session, stored, playbook)
        event = session.exec(select(TimelineEvent).where(TimelineEvent.kind == "clock_started")).one()
    assert clock.started_at == INSTANT and clock.due_at == INSTANT + spec.after and clock.due_at.tzinfo is UTC
    assert started.due_at == clock.due_at
    assert event.data["started_at"] == INSTANT.isoformat() and event.at == INSTANT + timedelta(hours=1)
    engine.dispose()


def test_postgresql_gets_timestamptz_and_aware_utc_parameters():
    ddl = str(CreateTable(Incident.__table__).compile(dialect=postgresql.dialect()))
    assert "created_at TIMESTAMP WITH TIME ZONE NOT NULL" in ddl
    column = UTCDateTime()
    bound = column.process_bind_param(INSTANT.astimezone(BERLIN), postgresql.psycopg.dialect())
    assert bound == INSTANT and bound is not None and bound.utcoffset() == timedelta(0)
    on_sqlite = column.process_bind_param(INSTANT.astimezone(BERLIN), sqlite.dialect())
    assert on_sqlite == INSTANT  # aware here; SQLite's DateTime then writes its UTC wall time
    with pytest.raises(NaiveDatetimeError):
        column.process_bind_param(datetime(2026, 11, 22, 9, 22), postgresql.psycopg.dialect())


@pytest.mark.skipif(not os.environ.get("WARROOM_TEST_POSTGRES_URL"),
                    reason="set WARROOM_TEST_POSTGRES_URL to an empty PostgreSQL database to run this")
def test_on_postgresql_the_migrated_columns_are_timestamptz_and_read_back_aware():
    engine = make_engine(os.environ["WARROOM_TEST_POSTGRES_URL"])
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(engine)
    try:
        kinds = {row[0] for row in raw(engine, "SELECT data_type FROM information_schema.columns "
                                               "WHERE table_schema = current_schema() AND data_type LIKE 'timestamp%'")}
        assert kinds == {"timestamp with time zone"}
        with transaction(engine) as session:
            incident = an_incident(created_at=INSTANT.astimezone(BERLIN))
            session.add(incident)
        with Session(engine) as session:
            stored = session.get(Incident, incident.id)
            assert stored is not None and stored.created_at == INSTANT and stored.created_at.tzinfo == UTC
    finally:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
