"""Waking a worker as soon as work is stored for it, instead of at its next poll.

Two kinds of work arrive from other processes: a new incident (its room is on the clock) and an accepted
Slack request (someone waits for the answer). The database stays the only source of truth: a wake-up only
says "look now", and a worker that misses one still finds the work at its next poll, a slow safety net.

- PostgreSQL: a statement trigger (migration 0021) sends ``NOTIFY warroom_incidents`` or ``warroom_requests``
  inside the transaction that stores the row, so it is delivered when that commits, to every worker on any
  machine. ``Wakeups`` holds one connection of its own that LISTENs (psycopg's ``notifies()``).
- SQLite (``warroom serve``: the web role and its worker on one machine): the worker takes wake-ups on a
  loopback UDP port, which its heartbeat row names; the web role's ``ring_workers`` sends a datagram to the
  workers of its own host once a transaction that inserted such a row is committed (the connection goes back
  to the pool).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from app.db import is_postgres
from app.timeutil import utcnow
from app.workers.heartbeat import ALIVE_WITHIN

log = logging.getLogger(__name__)

INCIDENTS = "warroom_incidents"
REQUESTS = "warroom_requests"
# The table whose inserts wake each channel (the trigger of migration 0021 names the same).
TABLES = {"incidents": INCIDENTS, "accepted_requests": REQUESTS}
LISTEN_TIMEOUT = 0.5  # how often the listening thread looks whether it should stop
RECONNECT_AFTER = 1.0  # the first wait after losing the listening connection (doubling up to 30 s)
PORTS_FRESH_FOR = 1.0  # seconds the web role trusts its list of the workers' ports
_PENDING = "warroom_wake"  # where a connection notes the channels its transaction should ring


class Wakeups:
    """In a worker: calls ``on[channel]()`` when a wake-up for that channel arrives; ``start()``, ``stop()``.

    ``port`` is the UDP port it listens on (SQLite), ``listening`` whether wake-ups can arrive right now."""

    def __init__(self, engine: Engine, on: dict[str, Callable[[], None]]) -> None:
        self.engine, self.on = engine, on
        self.port: int | None = None
        self.listening = False
        self.received = 0
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        if not is_postgres(engine):
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._socket.bind(("127.0.0.1", 0))
            self._socket.settimeout(LISTEN_TIMEOUT)
            self.port = int(self._socket.getsockname()[1])
        target = self._listen_postgres if self._socket is None else self._listen_udp
        self._thread = threading.Thread(target=target, name="warroom-wakeups", daemon=True)

    def start(self) -> Wakeups:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        if self._socket is not None:
            self._socket.close()

    def _ring(self, channel: str) -> None:
        self.received += 1
        callback = self.on.get(channel)
        if callback is None:
            return
        try:
            callback()
        except Exception:  # the poll finds the work anyway
            log.exception("wake-up on %s failed", channel)

    def _listen_udp(self) -> None:
        assert self._socket is not None
        self.listening = True
        while not self._stop.is_set():
            try:
                data = self._socket.recv(256)
            except TimeoutError:
                continue
            except OSError:
                if not self._stop.is_set():
                    log.exception("the wake-up socket failed: polling only")
                break
            for channel in data.decode("ascii", "replace").split(","):
                self._ring(channel)
        self.listening = False

    def _listen_postgres(self) -> None:
        import psycopg  # PostgreSQL only (the "postgres" extra)

        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = RECONNECT_AFTER
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    for channel in self.on:
                        connection.execute(f"LISTEN {channel}")
                    self.listening, delay = True, RECONNECT_AFTER
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=LISTEN_TIMEOUT):
                            self._ring(note.channel)
            except psycopg.Error as exc:  # the server is away: polls find the work meanwhile
                log.warning("listening for wake-ups failed (%s); again in %.0f s", exc, delay)
            self.listening = False
            self._stop.wait(delay)
            delay = min(delay * 2, 30.0)


class Bell:
    """In the web role on SQLite: sends the wake-ups noted by committed transactions to this host's workers.

    While its list of the workers' ports is fresh, the thread that committed sends the datagrams itself (a
    non-blocking ``sendto`` on loopback, cheaper than waking a thread, which would then compete with the event
    loop for the interpreter's lock); otherwise its own thread reads the ports first (a database read the
    request that stored the row does not wait for)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)  # the bell goes with its engine
        self.sent = 0
        self._pending: set[str] = set()
        self._cond = threading.Condition()
        self._ports: list[int] = []
        self._ports_at = float("-inf")
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._thread = threading.Thread(target=self._loop, name="warroom-wake-bell", daemon=True)
        self._thread.start()

    def ring(self, channels: set[str]) -> None:
        if time.monotonic() - self._ports_at <= PORTS_FRESH_FOR:
            with contextlib.suppress(OSError):  # the bell's thread tries again and logs what fails
                if self._send(channels, self._ports):
                    return
        with self._cond:
            self._pending |= channels
            self._cond.notify()

    def _send(self, channels: set[str], ports: list[int]) -> bool:
        """Send the wake-up to ``ports``; False when the socket would block (the bell's thread sends it then)."""
        payload = ",".join(sorted(channels)).encode("ascii")
        try:
            for port in ports:
                self._socket.sendto(payload, ("127.0.0.1", port))
                self.sent += 1
        except BlockingIOError:
            return False
        return True

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                channels, self._pending = self._pending, set()
            try:
                if not self._send(channels, self._workers()):
                    time.sleep(0.001)  # loopback's buffer is full: once more in a moment
                    self._send(channels, self._workers())
            except Exception:  # a lost wake-up only delays: the worker's poll finds the work
                log.exception("could not wake the workers")

    def _workers(self) -> list[int]:
        """The wake-up ports of the live workers on this host (read at most once per ``PORTS_FRESH_FOR``)."""
        engine = self._engine()
        if engine is None:
            return []
        if time.monotonic() - self._ports_at > PORTS_FRESH_FOR:
            query = text("SELECT wake_port FROM worker_heartbeats WHERE host = :host AND wake_port IS NOT NULL "
                         "AND beat_at >= :since")
            since = utcnow() - ALIVE_WITHIN
            with engine.connect() as connection:
                rows = connection.execute(query, {"host": socket.gethostname(), "since": since}).all()
            self._ports, self._ports_at = [int(row[0]) for row in rows], time.monotonic()
        return self._ports


_bells: weakref.WeakKeyDictionary[Engine, Bell] = weakref.WeakKeyDictionary()


def rung(engine: Engine, channel: str) -> None:
    """A row committed outside the engine's own connections (the web role's direct SQLite insert of an accepted
    request) rings as a transaction of the engine would; nothing when this process rings no bell."""
    bell = _bells.get(engine)
    if bell is not None:
        bell.ring({channel})


def ring_workers(engine: Engine) -> Bell | None:
    """Have this process (the web role) wake the workers when it commits a new incident or accepted request.

    On PostgreSQL the database does it (the trigger's NOTIFY): nothing to do here, None. On SQLite every
    insert into those tables is noted on its connection and rung once the connection is given back."""
    if is_postgres(engine):
        return None
    if engine in _bells:
        return _bells[engine]
    bell = _bells[engine] = Bell(engine)

    @event.listens_for(engine, "after_cursor_execute")
    def _note(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        head = statement.lstrip()[:40].lower()
        if head.startswith("insert into"):
            table = head[len("insert into"):].split()[0].strip('"')
            channel = TABLES.get(table)
            if channel is not None:
                connection.info.setdefault(_PENDING, set()).add(channel)

    @event.listens_for(engine, "checkin")
    def _committed(_dbapi_connection: Any, record: Any) -> None:
        channels = record.info.pop(_PENDING, None) if record is not None else None
        if channels:
            bell.ring(channels)

    return bell
