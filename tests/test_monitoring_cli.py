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
