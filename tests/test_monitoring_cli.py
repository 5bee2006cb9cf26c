"""`warroom monitors validate`: the shipped monitors pass; every problem is named with file and field."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli import cli
from app.sandbox.harness import shipped_playbooks


def run(*args: str):
    return CliRunner().invoke(cli, ["monitors", "validate", *args], env={"WARROOM_PLAYBOOKS": str(shipped_playbooks())})


def test_the_shipped_monitors_are_valid():
    result = run()
    assert result.exit_code == 0, result.output
    assert "all valid" in result.output


def test_problems_are_named_with_file_and_field(tmp_path):
    (tmp_path / "a.yml").write_text(
        "id: Brand One\ntitle: x\nterms: {brand: {fr: [marque]}}\nsignals: {volume: {kind: no-such-kind, z: -1}}\n"
        "sources: [{type: mastodon, api_base_url: 'https://m.example', hashtags: []}]\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("id: b\ntitle: b\nterms: {brand: {en: [B]}}\nsignals: {reach: {kind: nope}}\n",
                                    encoding="utf-8")
    (tmp_path / "c.yml").write_text("id: b\ntitle: again\nterms: {brand: {en: [C]}}\n", encoding="utf-8")
    (tmp_path / "d.yml").write_text("id: [unclosed\n", encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    output = result.output
    assert "a.yml: id:" in output and "lowercase letters" in output
    assert "a.yml: terms.brand: " in output and "unknown language 'fr'" in output
    assert "a.yml: signals.volume.z" in output
    assert "a.yml: sources[0].mastodon.hashtags: List should have at least 1 item" in output
    assert "b.yml: signals.reach.kind: no playbook handles kind 'nope'" in output
    assert "d.yml: YAML syntax error" in output


def test_the_readme_example_is_a_valid_monitor():
    import re
    from pathlib import Path

    import yaml

    from app.monitoring.definitions import Monitor

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(id: northwind\n.*?)```", readme, re.S).group(1)
    monitor = Monitor.model_validate(yaml.safe_load(example))
    assert [source.type for source in monitor.sources] == ["mastodon", "feed", "bluesky"]
    assert monitor.calm is not None and monitor.signals.volume.burst_z() > 4


def test_bad_rises_and_reach_rules_are_named_with_file_and_field(tmp_path):
    (tmp_path / "e.yml").write_text(
        "id: e\ntitle: e\nterms: {brand: {en: [E]}}\nsignals: {volume: {shift: [2, 50]}, reach: {needs: kind}}\n",
        encoding="utf-8")
    (tmp_path / "f.yml").write_text("id: f\ntitle: f\nterms: {brand: {en: [F]}}\nsignals: {volume: {shift: []}}\n",
                                    encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    output = result.output
    assert "e.yml: signals.volume.shift" in output and "50 is no rise to watch for: use 1.2 to 20" in output
    assert "e.yml: signals.reach.needs" in output and "'negative-and-risky'" in output
    assert "f.yml: signals.volume.shift" in output and "name 1 to 8 rises" in output


def test_the_budgets_split_is_data_and_a_bad_share_is_named(tmp_path):
    from app.monitoring import detection
    from app.monitoring.definitions import load_monitors

    (tmp_path / "g.yml").write_text("id: g\ntitle: g\nterms: {brand: {en: [G]}}\n"
                                    "signals: {volume: {false_alarms_per_week: 0.5, burst_share: 1.5}}\n",
                                    encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "g.yml: signals.volume.burst_share" in result.output and "less than 1" in result.output
    (tmp_path / "g.yml").write_text("id: g\ntitle: g\nterms: {brand: {en: [G]}}\n"
                                    "signals: {volume: {false_alarms_per_week: 0.5, burst_share: 0.2}}\n",
                                    encoding="utf-8")
    assert run(str(tmp_path)).exit_code == 0
    [monitor] = load_monitors(tmp_path)
    volume = monitor.signals.volume
    assert volume is not None  # 0.1 of the budget to the burst tests, 0.4 to the change detectors, per series
    assert volume.burst_z() == detection.burst_z(0.05) and volume.cusum_h() == detection.cusum_h(0.2 / 5)
