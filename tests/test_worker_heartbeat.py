"""A worker writes a heartbeat row; the web role's /healthz lists the workers alive and says "degraded" when none
is, and /metrics counts them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.sandbox.harness import Sandbox
from app.timeutil import utcnow
from app.workers.heartbeat import ALIVE_WITHIN, alive, beat
from app.workers.models import WorkerBeat
from tests.conftest import _database_of
from tests.test_web_worker import WorkerThread


@pytest.fixture
def web(web_role):
    return web_role


def _health(box) -> dict:
    answer = box.http.get("/healthz")
    assert answer.status_code == 200  # no live worker is reported, not a reason to take the web role out
    return answer.json()


def _gauge(box) -> float:
    lines = [line for line in box.http.get("/metrics").text.splitlines() if line.startswith("warroom_workers_alive ")]
    assert len(lines) == 1, lines
    return float(lines[0].split()[1])


def test_healthz_reports_the_live_workers_and_is_degraded_without_one(web):
    health = _health(web)
    assert health["status"] == "degraded" and health["checks"]["workers"]["ok"] is False
    assert health["checks"]["workers"]["alive"] == []
    assert _gauge(web) == 0.0

    # A worker that died without a word 40 s ago: its row is still there, but it is not alive.
    beat(web.core.engine, "gone:41", "requests,setups", utcnow() - timedelta(minutes=5),
         now=utcnow() - ALIVE_WITHIN - timedelta(seconds=10))
    assert _health(web)["checks"]["workers"]["ok"] is False

    worker = WorkerThread(web).start()
    try:
        health = web.fake.wait_for(lambda: (h := _health(web))["checks"]["workers"]["ok"] and h, timeout=30)
        [seen] = health["checks"]["workers"]["alive"]
        assert seen["name"].endswith(f":{seen['pid']}") and seen["name"] != "gone:41"
        assert {"requests", "setups", "jobs", "outbox"} <= set(seen["runs"])
        assert 0 <= seen["seconds_ago"] < ALIVE_WITHIN.total_seconds()
        assert health["status"] == "ok"
        assert _gauge(web) == 1.0
    finally:
        worker.stop()
    # Stopped: its row is gone at once, and the web role is degraded again.
    with Session(web.core.engine) as session:
        assert [row.name for row in session.exec(select(WorkerBeat))] == ["gone:41"]
    assert _health(web)["status"] == "degraded"
    assert _gauge(web) == 0.0


def test_the_all_role_has_no_worker_to_wait_for(sandbox):
    health = sandbox.http.get("/healthz").json()
    assert "workers" not in health["checks"] and health["status"] == "ok"


def test_beats_keep_a_worker_alive_and_a_day_old_row_is_forgotten(tmp_path, new_database):
    with Sandbox(tmp_path / "box", serve=False, **_database_of("beats", new_database)) as box:
        engine = box.core.engine
        start = utcnow()
        beat(engine, "old:1", "requests", start - timedelta(days=3), now=start - timedelta(days=2))
        beat(engine, "host:7", "requests,setups", start, now=start)
        assert [w.name for w in alive(engine, now=start + ALIVE_WITHIN)] == ["host:7"]
        assert alive(engine, now=start + ALIVE_WITHIN + timedelta(seconds=1)) == []
        beat(engine, "host:7", "requests,setups", start, now=start + timedelta(seconds=40))
        [seen] = alive(engine, now=start + timedelta(seconds=45))
        assert seen.name == "host:7" and seen.runs == ["requests", "setups"] and seen.seconds_ago == 5.0
        with Session(engine) as session:
            assert [row.name for row in session.exec(select(WorkerBeat))] == ["host:7"]
