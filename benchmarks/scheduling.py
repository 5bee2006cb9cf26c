"""``python -m benchmarks.scheduling``: what each scheduling operation costs as jobs and open incidents grow.

For 1, 100, 1,000 and 10,000 waiting jobs (ten per open incident, due over the next day, as reminders are)
in a fresh SQLite file, it times ``at`` (a new job), ``cancel`` (an id prefix: one statement's deadlines),
``cancel_incident`` (all ten jobs of a closed incident), an idle ``sweep`` (nothing due) and a sweep that
claims and runs one due job, each repeated and reported as median and 95th percentile in milliseconds. With
``--old`` it also times what cancelling cost in APScheduler's SQL job store (every job unpickled per call).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from app import migrate
from app.db import make_engine
from app.scheduling import registry
from app.scheduling.scheduler import Scheduler
from app.timeutil import utcnow

SIZES = (1, 100, 1_000, 10_000)
JOBS_PER_INCIDENT = 10
KIND = "bench_noop"
OPERATIONS = ("at", "cancel", "cancel_incident", "sweep_idle", "sweep_run")


@dataclass
class Row:
    jobs: int
    incidents: int
    figures: dict[str, tuple[float, float]]  # operation -> (median ms, p95 ms)


def _noop(core, **_payload) -> None:
    """The handler of the benchmark's jobs: the cost measured is the scheduler's, not a reminder's."""


def _old_entry(**_kwargs) -> None:
    """The shape of the old job store's single entry point (only stored by reference, never run here)."""


Step = Callable[[int], None]


def _timed(repeats: int, prepare: Step | None, operation: Step) -> tuple[float, float]:
    """Median and 95th percentile of ``operation(n)`` in milliseconds; ``prepare(n)`` runs untimed before each."""
    samples = []
    for n in range(repeats):
        if prepare is not None:
            prepare(n)
        started = time.perf_counter()
        operation(n)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def _fill(scheduler: Scheduler, jobs: int) -> int:
    """``jobs`` waiting jobs, ten per incident; returns the number of incidents."""
    now = utcnow()
    incidents = max(1, jobs // JOBS_PER_INCIDENT)
    planned = []
    for n in range(jobs):
        incident = n % incidents + 1
        when = now + timedelta(hours=1) + timedelta(seconds=n * 86400 // max(jobs, 1))
        planned.append((f"inc{incident}:task{n}", when, KIND, {"incident_id": incident}))
    scheduler.at_many(planned)
    return incidents


def measure_size(directory: Path, jobs: int, repeats: int, old: bool) -> Row:
    engine = make_engine(f"sqlite:///{directory / f'jobs-{jobs}.db'}")
    migrate.upgrade(engine)
    core = SimpleNamespace(engine=engine, scheduler=None)
    scheduler = Scheduler(core, start=False)
    try:
        incidents = _fill(scheduler, jobs)
        later = utcnow() + timedelta(hours=2)
        spare = incidents + 1000  # incidents of jobs added and removed again, so that the count stays put
        figures = {}

        figures["at"] = _timed(repeats, None, lambda n: scheduler.at(
            f"inc{spare}:bench{n}", later, KIND, incident_id=spare))
        scheduler.cancel_incident(spare)

        def one_statement(n: int) -> None:
            scheduler.at(f"inc{n % incidents + 1}:stmt{n}:v1:s0", later, KIND, incident_id=n % incidents + 1)

        figures["cancel"] = _timed(repeats, one_statement,
                                   lambda n: scheduler.cancel(f"inc{n % incidents + 1}:stmt{n}:"))

        def closing(n: int) -> None:
            scheduler.at_many([(f"inc{spare + n}:task{k}", later, KIND, {"incident_id": spare + n})
                               for k in range(JOBS_PER_INCIDENT)])

        figures["cancel_incident"] = _timed(repeats, closing, lambda n: scheduler.cancel_incident(spare + n))
        figures["sweep_idle"] = _timed(repeats, None, lambda n: scheduler.sweep())

        def due_now(n: int) -> None:
            scheduler.at(f"inc{spare}:due{n}", utcnow() - timedelta(seconds=1), KIND, incident_id=spare)

        figures["sweep_run"] = _timed(repeats, due_now, lambda n: scheduler.drain())
        if old:
            figures["old_cancel"] = _old_store_cancel(directory, jobs, max(3, repeats // 10))
        assert len(scheduler.job_ids()) == jobs, "the benchmark left jobs behind"
        return Row(jobs, incidents, figures)
    finally:
        scheduler.shutdown()
        engine.dispose()


def _old_store_cancel(directory: Path, jobs: int, repeats: int) -> tuple[float, float]:
    """The former ``cancel``: list every job of APScheduler's SQL job store (unpickling each), remove the matches."""
    from apscheduler.job import Job
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger

    engine = make_engine(f"sqlite:///{directory / f'old-{jobs}.db'}")
    store = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    owner = BackgroundScheduler(timezone="UTC")  # never started: only its job store is used
    store.start(owner, "default")
    now = utcnow()
    incidents = max(1, jobs // JOBS_PER_INCIDENT)

    def job(job_id: str, incident: int, n: int) -> Job:
        when = now + timedelta(hours=1, seconds=n)
        return Job(owner, id=job_id, func="benchmarks.scheduling:_old_entry", trigger=DateTrigger(when),
                   executor="default", args=(), kwargs={"incident_id": incident}, name="run", misfire_grace_time=None,
                   coalesce=True, max_instances=1, next_run_time=when)

    for n in range(jobs):
        store.add_job(job(f"inc{n % incidents + 1}:task{n}", n % incidents + 1, n))

    def cancel(n: int) -> None:
        prefix = f"inc{n % incidents + 1}:stmt{n}:"
        for found in [j.id for j in store.get_all_jobs() if j.id.startswith(prefix)]:
            store.remove_job(found)

    try:
        return _timed(repeats, lambda n: store.add_job(job(f"inc{n % incidents + 1}:stmt{n}:v1:s0", 1, n)), cancel)
    finally:
        engine.dispose()


def measure(sizes=SIZES, repeats: int = 50, old: bool = False, directory: Path | None = None) -> list[Row]:
    registry.register(KIND, _noop)
    try:
        with tempfile.TemporaryDirectory(prefix="warroom-scheduling-") as scratch:
            where = directory or Path(scratch)
            return [measure_size(where, jobs, repeats, old) for jobs in sizes]
    finally:
        registry.unregister(KIND)


def table(rows: list[Row]) -> str:
    names = [name for name in (*OPERATIONS, "old_cancel") if any(name in r.figures for r in rows)]
    header = ["jobs", "incidents", *names]
    lines = [header, *[[f"{r.jobs:,}", f"{r.incidents:,}",
                        *[f"{r.figures[n][0]:.2f} / {r.figures[n][1]:.2f}" if n in r.figures else "-" for n in names]]
                       for r in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*out, "", "milliseconds per call: median / 95th percentile"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scheduling", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of waiting jobs")
    parser.add_argument("--repeats", type=int, default=50, help="calls timed per operation and size")
    parser.add_argument("--old", action="store_true", help="also time cancelling in APScheduler's SQL job store")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.sizes) or args.repeats < 1:
        parser.error("sizes and repeats must be at least 1")
    print(table(measure(tuple(args.sizes), args.repeats, args.old)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
