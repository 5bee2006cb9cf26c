"""The report's chart is drawn in a child process: the caller never loads matplotlib, the chart is the same,
and a chart that cannot be drawn is an error naming why."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlmodel import Session

from app.db import transaction
from app.reports import chart, report
from app.reports.report import report_record
from tests.test_report import PNG, engine_at, scripted, with_curve

BUILD_IN_A_FRESH_PROCESS = """
import json, sys
from app.db import make_engine
from app.reports import report
built = report.build(make_engine(sys.argv[1]), int(sys.argv[2]), tz="Europe/Berlin")
print(json.dumps({"png": built.png.hex(), "matplotlib": sorted(m for m in sys.modules if m.startswith("matplotlib"))}))
"""


def test_the_report_carries_the_chart_without_loading_matplotlib(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
        with_curve(session, iid)
    done = subprocess.run([sys.executable, "-c", BUILD_IN_A_FRESH_PROCESS, database_url, str(iid)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["matplotlib"] == []  # the process that built the report never imported it
    png = bytes.fromhex(answer["png"])
    assert png.startswith(PNG) and len(png) > 5000

    with Session(engine) as session:  # the same chart as drawn here, in this process
        record = report_record(session, iid)
    record["mentions"] = report.curve.mention_curve(engine, record["incident"])
    assert png == chart.draw_png(json.loads(json.dumps(chart.chart_input(record), default=str)), "Europe/Berlin")


def test_a_chart_that_cannot_be_drawn_fails_the_report_saying_why(database_url):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    with pytest.raises(chart.ChartError, match="unknown time zone 'Mars/Olympus_Mons'"):
        report.build(engine, iid, tz="Mars/Olympus_Mons")


def test_a_chart_that_takes_too_long_fails_the_report(database_url, monkeypatch):
    engine = engine_at(database_url)
    with transaction(engine) as session:
        iid = scripted(session)
    monkeypatch.setattr(chart, "CHART_TIMEOUT", 0.001)
    with pytest.raises(chart.ChartError, match="not drawn within"):
        report.build(engine, iid, tz="Europe/Berlin")
