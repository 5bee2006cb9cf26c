"""``warroom serve`` on one machine: the worker role in a process beside the web role, restarted if it dies.

The worker runs at a lower scheduling priority (``nice``), so that when both roles want the CPU, the acks
Slack waits for (3 seconds at most) go first and the follow-up work waits a little. Its C allocator keeps two
arenas (``MALLOC_ARENA_MAX``, unless set already) instead of one per busy thread of its 40: the same work in
about 6 MB less.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading

log = logging.getLogger(__name__)
NICENESS = 5
MALLOC_ARENAS = "2"  # glibc's default is 8 per core, each keeping its own free memory
STOP_SECONDS = 20.0


PR_SET_PDEATHSIG = 1  # Linux prctl option: the signal this process gets when its parent dies


def _lower_priority() -> None:
    """In the worker before it runs: a lower priority, and on Linux killed with the serving process.

    A crash of ``warroom serve`` (kill -9, out of memory) must not leave its worker running beside the next
    one: the orphan would keep its claims on the outbox until they expire.
    """
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class WorkerProcess:
    """Starts ``python -m app worker`` (stopped with this one), and starts it again if it exits on its own."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "app", "worker", "--parent", str(os.getpid())]
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watch = threading.Thread(target=self._keep_running, name="warroom-worker-watch", daemon=True)

    def _spawn(self) -> None:
        with self._lock:
            if not self._stopping.is_set():
                env = {"MALLOC_ARENA_MAX": MALLOC_ARENAS, **os.environ}
                self.process = subprocess.Popen(self.command, preexec_fn=_lower_priority, env=env)  # noqa: PLW1509
                log.info("worker process %s started", self.process.pid)

    def _keep_running(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            process = self.process
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("the worker process exited with %s; starting it again in %.0f s", code, delay)
            if self._stopping.wait(delay):
                return
            self.restarts += 1
            delay = min(delay * 2, 30.0)
            self._spawn()

    def start(self) -> WorkerProcess:
        self._spawn()
        self._watch.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.info("worker process %s stopped", process.pid)

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
