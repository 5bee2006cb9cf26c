"""A storm's first seconds: a batch opens at most a few new incidents, so the alerts for incidents already open
are never queued behind dozens of openings; every key still gets exactly one incident, in the alerts' order."""

from __future__ import annotations

import threading

from sqlmodel import Session, col, select

from app.alerts import flows
from app.alerts.batcher import OPENINGS_PER_BATCH, IntakeBatcher
from app.alerts.models import Alert, IntakeOutcome
from app.alerts.parsers import parse_generic
from app.alerts.service import incident_key_for
from app.incidents.models import Incident


def storm_alert(key: str, serial: int, **extra):
    return parse_generic({"source": "monitoring", "kind": "service-outage", "severity": "high",
                          "title": f"Checkout errors in {key}", "dedup_key": key, "metrics": {"serial": serial},
                          "labels": {"service": "checkout"}, **extra})


def test_openings_are_spread_over_batches_and_open_keys_go_first(make_sandbox):
    box = make_sandbox("openings", serve=False)
    core = box.core
    batches: list[list] = []
    picked, go = threading.Event(), threading.Event()

    def write(alerts):
        batches.append(alerts)
        if len(batches) == 2:  # the writer holds this batch until the storm has queued up behind it
            picked.set()
            assert go.wait(10)
        return flows.store(core, alerts)

    intake = IntakeBatcher(write)
    try:
        opened = intake.submit([storm_alert("open-1", 0), storm_alert("open-2", 0)]).result(30)  # open already
        assert [r.status for r in opened] == [IntakeOutcome.OPENED] * 2
        futures = [intake.submit([storm_alert("open-1", 1)])]
        assert picked.wait(10)
        serial = 2
        for key in [f"new-{n}" for n in range(10)] * 2 + ["open-1", "open-2"] * 3:
            futures.append(intake.submit([storm_alert(key, serial)]))
            serial += 1
        go.set()
        results = [future.result(30)[0] for future in futures]
    finally:
        intake.stop()

    assert [incident_key_for(a) for a in batches[1]] == ["open-1"]
    third = batches[2]
    assert [incident_key_for(a) for a in third].count("open-1") == 3  # the open incidents' alerts were not
    assert [incident_key_for(a) for a in third].count("open-2") == 3  # held behind the openings
    for batch in batches[2:]:
        assert len({incident_key_for(a) for a in batch} - {"open-1", "open-2"}) <= OPENINGS_PER_BATCH
    assert len(batches) >= 2 + 10 // OPENINGS_PER_BATCH + 1
    assert sum(r.status == IntakeOutcome.OPENED for r in results) == 10
    with Session(core.engine) as session:
        keys = list(session.exec(select(Incident.dedup_key)))
        assert sorted(keys) == sorted(["open-1", "open-2", *(f"new-{n}" for n in range(10))])  # one per key
        for n in range(10):  # each key's alerts were stored in the order they came
            serials = [m["serial"] for m in session.exec(select(Alert.metrics).where(
                Alert.dedup_key == f"new-{n}").order_by(col(Alert.id)))]
            assert serials == sorted(serials) and len(serials) == 2


def test_a_key_waiting_for_its_opening_keeps_its_later_alerts_behind_it(make_sandbox):
    box = make_sandbox("order", serve=False)
    core = box.core
    intake = IntakeBatcher(lambda alerts: flows.store(core, alerts))
    try:
        waiting = [([storm_alert(f"k-{n}", n)], None) for n in range(OPENINGS_PER_BATCH + 1)]
        waiting.append(([storm_alert(f"k-{OPENINGS_PER_BATCH}", 99, status="resolved")], None))
        batch, left = intake.take(waiting)  # type: ignore[arg-type]  # no futures: take reads only the alerts
    finally:
        intake.stop()
    assert [incident_key_for(r[0]) for r, _ in batch] == [f"k-{n}" for n in range(OPENINGS_PER_BATCH)]
    assert [r[0].status for r, _ in left] == ["firing", "resolved"]  # the resolve waits behind its firing alert
