"""Where a request's time goes: each stage of Slack's requests and alerts timed inside the server.

Off unless ``WARROOM_STAGE_TIMES`` names a file. Then every request notes when each stage ended (body read,
parse, verify, replay record, dispatch, store, answer), the alert intake notes each batch's queue wait, lock
wait, write and commit, and a watcher notes every stall of the event loop and every garbage collection; all
of it is written to that file as JSON lines when the server stops. In every process that imports this module
(the web role and the worker), each transaction's hold of SQLite's write lock is noted too: from its first write
to its end, with the code that began it; every other writer, the alert intake's and the acks', waited that
long. Tracing, not a metric: /metrics keeps the histograms.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

ENV = "WARROOM_STAGE_TIMES"
LOOP_TICK = 0.005  # seconds between two looks of the event-loop watcher
STALL = 0.010  # a look this much later than asked is a stall

# Kept as JSON text: strings are not tracked by the garbage collector, so a long traced run does not make every
# full collection walk its own records (which would add to the pauses being measured).
_records: list[str] = []
_lock = threading.Lock()
_path = os.environ.get(ENV) or None


def enabled() -> bool:
    return _path is not None


def note(record: dict[str, Any]) -> None:
    line = json.dumps(record)
    with _lock:
        _records.append(line)


class Trace:
    """One request's stages: ``mark(name)`` when a stage ends; ``done(status)`` notes the whole."""

    __slots__ = ("kind", "started", "last", "stages")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def mark(self, name: str, at: float | None = None) -> None:
        now = time.perf_counter() if at is None else at
        self.stages[name] = round((now - self.last) * 1000, 3)
        self.last = now

    def done(self, status: int) -> None:
        total = round((time.perf_counter() - self.started) * 1000, 3)
        note({"kind": self.kind, "at": self.started, "status": status, "ms": total, "stages": self.stages})


class _Off:
    """The trace when tracing is off: every call does nothing."""

    __slots__ = ()

    def mark(self, name: str, at: float | None = None) -> None:
        return None

    def done(self, status: int) -> None:
        return None


OFF = _Off()


def trace(kind: str) -> Trace | _Off:
    return Trace(kind) if _path is not None else OFF


async def watch_loop() -> None:
    """Note every time the event loop ran a callback for longer than ``STALL`` (it looked again late)."""
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(LOOP_TICK)
        late = time.perf_counter() - asked - LOOP_TICK
        if late > STALL:
            note({"kind": "loop-stall", "at": asked, "ms": round(late * 1000, 3)})


_gc_started: dict[int, float] = {}


def _gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[threading.get_ident()] = time.perf_counter()
        return
    started = _gc_started.pop(threading.get_ident(), None)
    if started is not None:
        note({"kind": "gc", "at": started, "generation": info.get("generation"),
              "ms": round((time.perf_counter() - started) * 1000, 3), "collected": info.get("collected")})


def start(loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Task[None] | None:
    """Begin watching the event loop and the collector (when tracing is on); the watcher's task."""
    if _path is None:
        return None
    if _gc not in gc.callbacks:
        gc.callbacks.append(_gc)
    return (loop or asyncio.get_running_loop()).create_task(watch_loop())


def flush() -> None:
    """Append what was noted to the file (once at the end; safe to call more than once)."""
    if _path is None:
        return
    with _lock:
        records = list(_records)
        _records.clear()
    if not records:
        return
    pid = f'{{"pid": {os.getpid()}, '
    with open(_path, "a", encoding="utf-8") as out:
        for record in records:
            out.write(pid + record[1:] + "\n")


def _writer(stack: traceback.StackSummary) -> str:
    """The bot's innermost frames that began a write (outside the database module and the libraries)."""
    ours = [f"{Path(frame.filename).parent.name}/{Path(frame.filename).stem}.{frame.name}:{frame.lineno}"
            for frame in stack
            if f"{os.sep}app{os.sep}" in frame.filename and frame.filename != __file__
            and not frame.filename.endswith(f"app{os.sep}db.py")]
    return " < ".join(reversed(ours[-3:]))


def _first_write(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if ("write_from" not in connection.info and connection.dialect.name == "sqlite"
            and statement.lstrip()[:6].upper() not in ("SELECT", "PRAGMA")):
        connection.info["write_from"] = (time.perf_counter(), _writer(traceback.extract_stack(limit=30)))


def _write_ended(connection: Any) -> None:
    began = connection.info.pop("write_from", None)
    if began is not None:
        note({"kind": "write-hold", "at": began[0], "ms": round((time.perf_counter() - began[0]) * 1000, 3),
              "where": began[1]})


def _trace_write_holds() -> None:
    """Time every engine's write transactions, those made before this call too (listeners on the class)."""
    from sqlalchemy import event  # noqa: PLC0415  # tracing only
    from sqlalchemy.engine import Engine  # noqa: PLC0415

    event.listen(Engine, "before_cursor_execute", _first_write)
    event.listen(Engine, "commit", _write_ended)
    event.listen(Engine, "rollback", _write_ended)


if _path is not None:
    atexit.register(flush)
    _trace_write_holds()
