"""Scheduling stays cheap as jobs grow: every statement the scheduler sends is an index search, never a scan
of the whole table; and the benchmark (``python -m benchmarks.scheduling``) runs and prints its table."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from app import migrate
from app.db import make_engine
from app.scheduling import registry
from app.scheduling.scheduler import Scheduler
from app.timeutil import utcnow
from benchmarks import scheduling as bench


@pytest.mark.sqlite_only("reads SQLite's query plans")
def test_every_statement_on_scheduled_jobs_searches_an_index(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    migrate.upgrade(engine)
    registry.register(bench.KIND, bench._noop)
    release = threading.Event()
    registry.register("test_slow", lambda core: release.wait(10))
    # A lease of zero: every sweep renews the leases of the jobs running.
    scheduler = Scheduler(SimpleNamespace(engine=engine, scheduler=None), start=False, lease=timedelta(0))
    try:
        later = utcnow() + timedelta(hours=1)
        scheduler.at_many([(f"inc{n % 50}:task{n}", later, bench.KIND, {"incident_id": n % 50}) for n in range(500)])
        seen: list[tuple[str, tuple]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many):
            if "scheduled_job" in statement:
                seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        scheduler.at("inc7:stmt3:v1:s0", later, bench.KIND, incident_id=7)
        scheduler.cancel("inc7:stmt3:")
        scheduler.cancel_incident(8)
        scheduler.sweep()
        scheduler.at("inc9:due", utcnow() - timedelta(seconds=1), bench.KIND, incident_id=9)
        scheduler.drain()
        scheduler.at("inc9:slow", utcnow() - timedelta(seconds=1), "test_slow")
        scheduler.sweep()  # claims it
        scheduler.sweep()  # renews its lease
        release.set()
        scheduler.drain()
        event.remove(engine, "before_cursor_execute", capture)

        kinds = {statement.split()[0] for statement, _ in seen}
        assert kinds == {"INSERT", "DELETE", "SELECT", "UPDATE"}
        assert any("claimed_until=" in s and "claimed_by IN" in s for s, _ in seen), "a lease was renewed"
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            for statement, parameters in seen:
                if statement.startswith("INSERT"):
                    continue  # an upsert by primary key
                plan = " | ".join(row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "SCAN scheduled_job" not in plan, (statement, plan)
                assert "USING" in plan, (statement, plan)
    finally:
        release.set()
        scheduler.shutdown()
        registry.unregister(bench.KIND)
        registry.unregister("test_slow")
        engine.dispose()


def test_the_benchmark_prints_each_operation_for_each_size(tmp_path, capsys):
    rows = bench.measure(sizes=(1, 30), repeats=3, old=True, directory=tmp_path)
    assert [(r.jobs, r.incidents) for r in rows] == [(1, 1), (30, 3)]
    for row in rows:
        assert set(row.figures) == {*bench.OPERATIONS, "old_cancel"}
        assert all(0 < median <= p95 for median, p95 in row.figures.values())
    assert bench.main(["--sizes", "5", "--repeats", "2"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["jobs", "incidents", *bench.OPERATIONS]
    assert printed[2].split()[:2] == ["5", "1"]
