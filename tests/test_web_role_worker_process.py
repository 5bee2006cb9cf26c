"""``warroom serve``'s worker process: started at a lower priority, with few allocator arenas, stopped with us."""

from __future__ import annotations

import os
import sys
import time

from app.supervise import MALLOC_ARENAS, NICENESS, WorkerProcess

REPORT = "import os, sys, time; open(sys.argv[1], 'w').write(f\"{os.nice(0)} {os.environ.get('MALLOC_ARENA_MAX')}\");" \
         " time.sleep(60)"


def _report(path, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, "the worker process did not start"
        time.sleep(0.02)
    return path.read_text()


def test_the_worker_runs_nicer_with_few_malloc_arenas(tmp_path, monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    out = tmp_path / "worker.txt"
    worker = WorkerProcess([sys.executable, "-c", REPORT, str(out)]).start()
    try:
        niceness, arenas = _report(out).split()
    finally:
        worker.stop()
    assert int(niceness) == min(os.nice(0) + NICENESS, 19)
    assert arenas == MALLOC_ARENAS
    assert worker.process is not None and worker.process.poll() is not None  # stopped with us


def test_an_arena_setting_of_the_operator_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    out = tmp_path / "worker.txt"
    worker = WorkerProcess([sys.executable, "-c", REPORT, str(out)]).start()
    try:
        assert _report(out).split()[1] == "4"
    finally:
        worker.stop()
