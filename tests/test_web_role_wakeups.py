"""The web role's wake-ups on SQLite: once it knows the workers' ports, the thread that committed sends the
datagram itself, without waking the bell's thread (which would compete with the event loop for the interpreter)."""

from __future__ import annotations

import socket
import time

import pytest

from app import migrate
from app.db import make_engine
from app.timeutil import utcnow
from app.workers.heartbeat import beat
from app.workers.wakeup import REQUESTS, Bell

pytestmark = pytest.mark.sqlite_only("the loopback wake-ups are SQLite's; PostgreSQL sends NOTIFY")


def test_with_fresh_ports_the_committing_thread_sends_the_wake_up_itself(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wake.db'}")
    migrate.upgrade(engine)
    worker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    worker.bind(("127.0.0.1", 0))
    worker.settimeout(10)
    beat(engine, "worker-1", "setups", utcnow(), wake_port=worker.getsockname()[1])
    bell = Bell(engine)
    try:
        bell.ring({REQUESTS})  # the ports are not known yet: the bell's thread reads them, then sends
        assert worker.recv(256) == REQUESTS.encode()
        deadline = time.monotonic() + 10
        while bell.sent < 1 and time.monotonic() < deadline:  # counted just after the datagram left
            time.sleep(0.001)
        sent = bell.sent
        assert sent == 1
        bell.ring({REQUESTS, "warroom_incidents"})
        assert bell.sent == sent + 1  # sent before ring() returned, on this thread
        assert worker.recv(256) == b"warroom_incidents,warroom_requests"
    finally:
        worker.close()
        engine.dispose()
