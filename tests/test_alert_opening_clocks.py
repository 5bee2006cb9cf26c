"""An incident opened by an alert starts the clocks its first alert's labels call for, in the intake's own
transaction, and no others; a batch opening many incidents at once does the same for each."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.alerts import flows
from app.alerts.parsers import parse_generic
from app.incidents.clocks import IncidentClock


def outage(key: str, **labels: str):
    return parse_generic({"source": "monitoring", "kind": "service-outage", "severity": "high",
                          "title": f"Checkout down ({key})", "dedup_key": key, "labels": labels})


def test_openings_start_the_clocks_their_labels_call_for_and_only_those(make_sandbox):
    core = make_sandbox("clocks", serve=False).core
    results = flows.store(core, [outage("plain", service="checkout"), outage("nis2", nis2="yes"),
                                 outage("nis2-no", nis2="no"), outage("nis2", nis2="no")])
    plain, nis2, nis2_no, attached = (r.incident_id for r in results)
    assert attached == nis2
    with Session(core.engine) as session:
        started = {(row.incident_id, row.key) for row in session.exec(
            select(IncidentClock).order_by(col(IncidentClock.id)))}
    assert {key for incident, key in started if incident == nis2} >= {"nis2-early-warning", "nis2-notification"}
    assert not {key for incident, key in started if incident in (plain, nis2_no)}
