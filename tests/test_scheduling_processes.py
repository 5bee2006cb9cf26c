"""Two operating-system processes sweep one SQLite file: each job runs in exactly one of them, once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from app import migrate
from app.db import make_engine
from app.scheduling import registry
from app.scheduling.scheduler import Scheduler
from app.timeutil import utcnow

JOBS = 300
ROOT = Path(__file__).resolve().parents[1]


def worker(database_url: str, out: str, timeout: float = 30.0) -> None:
    """One process: sweep until no test job is left; each run is one line "<job number> <pid>" in ``out``."""
    from sqlmodel import Session

    from app.scheduling import store

    me = str(os.getpid())
    peer_seen = threading.Event()

    def mark(core, n: int) -> None:
        with open(out, "a", encoding="utf-8") as f:  # one short append per line: whole lines, never mixed
            f.write(f"{n} {me}\n")
        # Until the other process has run a job too, this one's workers wait, so neither takes all the jobs.
        deadline = time.monotonic() + 10
        while not peer_seen.is_set() and time.monotonic() < deadline:
            if any(line.split()[1] != me for line in Path(out).read_text(encoding="utf-8").splitlines()):
                peer_seen.set()
            else:
                peer_seen.wait(0.01)

    registry.register("test_mark", mark)
    engine = make_engine(database_url)
    scheduler = Scheduler(SimpleNamespace(engine=engine, scheduler=None))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if not store.ids(session, "test:"):
                    break
            peer_seen.wait(0.02)
        scheduler.drain()
    finally:
        scheduler.shutdown()
        engine.dispose()


def test_two_processes_sweeping_one_database_run_each_job_once(tmp_path, database_url):
    out = tmp_path / "runs.txt"
    out.touch()
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    registry.register("test_mark", lambda core, n: None)  # this process only schedules
    try:
        scheduler = Scheduler(SimpleNamespace(engine=engine, scheduler=None), start=False)
        scheduler.at_many([(f"test:{n}", utcnow() - timedelta(seconds=1), "test_mark", {"n": n}) for n in range(JOBS)])
        scheduler.shutdown()
    finally:
        registry.unregister("test_mark")
        engine.dispose()

    code = f"from tests.test_scheduling_processes import worker; worker({database_url!r}, {str(out)!r})"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    for process in processes:
        _, errors = process.communicate(timeout=90)
        assert process.returncode == 0, errors

    runs = [line.split() for line in out.read_text(encoding="utf-8").splitlines()]
    per_job = Counter(n for n, _pid in runs)
    assert len(per_job) == JOBS and set(per_job.values()) == {1}, [n for n, c in per_job.items() if c > 1]
    assert {pid for _n, pid in runs} == {str(p.pid) for p in processes}  # both processes ran jobs
