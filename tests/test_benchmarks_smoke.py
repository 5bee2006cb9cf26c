"""The benchmark suite still starts: one room set up by the real server process, figures written."""

from __future__ import annotations

import json

from benchmarks import main, runner


def test_benchmark_suite_runs_a_tiny_room_scenario(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(runner.SETTINGS["room"], "quick", {"pairs": 1})
    out = tmp_path / "results.json"

    assert main(["--quick", "--only", "room", "--out", str(out)]) == 0

    results = json.loads(out.read_text())
    figures = {f["key"]: f for f in results["figures"]}
    assert results["errors"] == {}
    assert figures["room.calls"]["runs"] == 1 and figures["room.calls"]["median"] >= 3
    assert figures["room.cold_calls"]["runs"] == 1 and figures["room.cold_ratio"]["runs"] == 1
    assert "room.lookups_during" in figures  # the background refresh keeps the cold room's groups fresh
    assert results["machine"]["cpus"] >= 1
    printed = capsys.readouterr().out
    assert "Alert to room ready, cold" in printed and "load average" in printed
