"""``warroom worker --health-port``: the worker's own /healthz and /metrics, probed over real HTTP."""

from __future__ import annotations

import threading

import httpx
import pytest

from app.core import build_core
from app.requests_queue.store import accept
from app.sandbox.harness import free_port
from app.wiring import build_bolt
from app.worker import Worker, run
from app.workers.health import HealthServer
from app.workers.heartbeat import Heartbeat
from tests.conftest import social_alert


@pytest.fixture
def web(web_role):
    return web_role


def _get(port: int, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10, trust_env=False)


def test_a_running_worker_answers_its_health_port_and_counts_its_wake_ups(web):
    port = free_port()
    core = build_core(web.settings)
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(core, stop, port, "127.0.0.1"), daemon=True)
    thread.start()
    try:
        def up():
            try:
                answer = _get(port, "/healthz")
            except httpx.HTTPError:
                return None
            return answer.status_code == 200 and answer.json()
        health = web.fake.wait_for(up, timeout=60)
        assert health["ok"] is True and health["status"] == "ok"
        checks = health["checks"]
        assert checks["database"]["ok"] and checks["heartbeat"]["ok"] and checks["scheduler"]["running"]
        assert 0 <= checks["heartbeat"]["seconds_ago"] < checks["heartbeat"]["alive_within_seconds"]
        assert checks["wakeups"]["listening"] is True
        assert set(checks["queues"]) == {"requests_waiting", "setups_in_line"}
        assert checks["connectors"]["ok"] and checks["work"]["setups_failed"] == []

        received = checks["wakeups"]["received"]
        assert web.alert(social_alert(dedup_key="social:probe")).status_code == 202
        web.fake.wait_for(lambda: _get(port, "/healthz").json()["checks"]["wakeups"]["received"] > received,
                          timeout=10)

        metrics = _get(port, "/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
        assert "# TYPE warroom_setup_failures_total counter" in metrics.text
        missing = _get(port, "/nowhere")
        assert missing.status_code == 404 and "/healthz" in missing.text
    finally:
        stop.set()
        thread.join(60)
    with pytest.raises(httpx.ConnectError):  # stopped with the worker
        _get(port, "/healthz")


def test_the_queue_depths_count_the_waiting_work_and_a_silent_heartbeat_is_503(web):
    """Nothing takes the work here (the worker's threads are not started): the depths show it waiting."""
    core = build_core(web.settings)
    worker = Worker(core, build_bolt(core, verify=False))
    heartbeat = Heartbeat(core.engine, worker.name, ["requests"])
    server = HealthServer(core, 0, "127.0.0.1", worker=worker, heartbeat=heartbeat).start()
    try:
        assert web.alert(social_alert(dedup_key="social:depth")).status_code == 202
        accept(web.core.engine, "after_ack", "application/x-www-form-urlencoded", "command=%2Fwarroom&text=help")
        accept(web.core.engine, "after_ack", "application/x-www-form-urlencoded", "command=%2Fwarroom&text=help")

        silent = _get(server.port, "/healthz")  # never beat: an orchestrator should restart it
        assert silent.status_code == 503
        body = silent.json()
        assert body["ok"] is False and body["checks"]["heartbeat"] == {
            "ok": False, "last_beat": None, "seconds_ago": None, "alive_within_seconds": 30}
        assert body["checks"]["queues"] == {"requests_waiting": 2, "setups_in_line": 1}
        assert body["checks"]["wakeups"] == {"listening": False, "received": 0}

        heartbeat.start()
        beating = _get(server.port, "/healthz")
        assert beating.status_code == 200 and beating.json()["checks"]["heartbeat"]["ok"] is True
        # No scheduler runs in this bare worker: alive, but not doing all its work.
        assert beating.json()["checks"]["scheduler"] == {"running": False}
        assert beating.json()["status"] == "degraded"
    finally:
        server.stop()
        heartbeat.stop()
        core.shutdown()
