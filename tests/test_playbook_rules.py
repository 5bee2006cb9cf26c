"""The rules `warroom playbooks validate` enforces beyond single fields: German titles, people kept out of
their own incident with a stand-in, code-named confidential rooms, the two cadences, durations."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.playbooks import load_playbooks, validate_directory
from app.timeutil import DurationError, parse_duration
from tests.test_playbooks import at, playbook, setup_dir

SHIPPED = Path(__file__).resolve().parent.parent / "playbooks"


def test_every_task_and_clock_needs_a_german_title(tmp_path: Path) -> None:
    data = playbook()
    del data["tasks"][1]["title_de"]
    del data["deadlines"][0]["title_de"]
    problems = setup_dir(tmp_path, data)
    task = at(problems, "data-leak.yml", "tasks[1].title_de")
    assert str(task) == ("data-leak.yml: tasks[1].title_de: task 'Assess personal data' has no German title: "
                         "add title_de")
    clock = at(problems, "data-leak.yml", "deadlines[0].title_de")
    assert "clock 'Notify the authority' has no German title" in clock.message


def test_german_titles_are_used_for_german_rooms(tmp_path: Path) -> None:
    setup_dir(tmp_path, playbook())
    leak = load_playbooks(tmp_path).get("data-leak")
    assert leak.tasks[0].title_in("de") == "Abfluss eindämmen" and leak.tasks[0].title_in("en") == "Contain the leak"
    assert leak.tasks_in("de")[2] == {"title": "Stellungnahme entwerfen", "role": "comms", "due": timedelta(minutes=30)}


def test_excluding_the_subject_needs_a_stand_in_from_roles(tmp_path: Path) -> None:
    problem = at(setup_dir(tmp_path, playbook(exclude_subject=True)), "data-leak.yml", "stand_in")
    assert "name the role that steps in" in problem.message and "board" in problem.message

    problem = at(setup_dir(tmp_path, playbook(exclude_subject=True, stand_in="board")), "data-leak.yml", "stand_in")
    assert "'board' is not in roles" in problem.message

    problem = at(setup_dir(tmp_path, playbook(stand_in="legal")), "data-leak.yml", "stand_in")
    assert "only used with exclude_subject" in problem.message

    roles = [*playbook()["roles"], "board"]
    assert setup_dir(tmp_path, playbook(exclude_subject=True, stand_in="board", roles=roles)) == []


def test_confidential_rooms_are_private_and_code_named(tmp_path: Path) -> None:
    problems = setup_dir(tmp_path, playbook(confidential=True, private=False))
    assert "channel_naming: codename" in at(problems, "data-leak.yml", "channel_naming").message
    assert "private: true" in at(problems, "data-leak.yml", "private").message
    assert setup_dir(tmp_path, playbook(confidential=True, channel_naming="codename")) == []
    problem = at(setup_dir(tmp_path, playbook(channel_naming="secret")), "data-leak.yml", "channel_naming")
    assert "'title' or 'codename'" in problem.message


def test_public_updates_and_sitreps_are_separate(tmp_path: Path) -> None:
    data = playbook(sitrep={"critical": "15m", "high": "30m"}, public_update={"critical": "2h", "high": "20m"})
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "public_update.high")
    assert "more frequent than the internal sitrep (30m)" in problem.message

    data["public_update"]["high"] = "4h"
    assert setup_dir(tmp_path, data) == []
    leak = load_playbooks(tmp_path).get("data-leak")
    assert leak.sitrep_for("critical") == timedelta(minutes=15)
    assert leak.public_update_for("critical") == timedelta(hours=2)
    assert leak.public_update_for("low") == timedelta(hours=4)  # the default promise
    assert leak.cadence_for("high") == timedelta(minutes=30)  # the old name reads the sitrep


def test_the_old_cadence_name_is_still_read(tmp_path: Path) -> None:
    assert setup_dir(tmp_path, playbook(cadence={"critical": "10m"})) == []
    assert load_playbooks(tmp_path).get("data-leak").sitrep_for("critical") == timedelta(minutes=10)
    problem = at(setup_dir(tmp_path, playbook(cadence={"critical": "10m"}, sitrep={"critical": "10m"})),
                 "data-leak.yml", "")
    assert "cadence is the old name of sitrep" in problem.message


def test_durations_are_timedeltas_with_weeks_and_no_months(tmp_path: Path) -> None:
    assert parse_duration("4w") == timedelta(days=28) and parse_duration("1w2d") == timedelta(days=9)
    with pytest.raises(DurationError, match="months differ in length; write days, e.g. 28d"):
        parse_duration("1 month")
    data = playbook()
    data["deadlines"][0]["after"] = "1mo"
    assert "28d" in at(setup_dir(tmp_path, data), "data-leak.yml", "deadlines[0].after").message


def test_a_field_in_the_wrong_section_is_named_as_such(tmp_path: Path) -> None:
    data = playbook()
    data["tasks"][0]["after"] = "1h"
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "tasks[0].after")
    assert problem.message == "field 'after' does not belong here (check the indentation and the section it is in)"


def test_validate_command_reports_the_new_rules(tmp_path: Path) -> None:
    target = tmp_path / "playbooks"
    shutil.copytree(SHIPPED, target)
    scandal = target / "executive-scandal.yml"
    scandal.write_text(scandal.read_text(encoding="utf-8").replace("channel_naming: codename\n", "")
                       .replace("stand_in: board\n", ""), encoding="utf-8")
    malware = target / "malware.yml"
    text = malware.read_text(encoding="utf-8")
    start = text.index("    title_de:")
    malware.write_text(text[:start] + text[text.index("\n", start) + 1:], encoding="utf-8")
    result = CliRunner().invoke(cli, ["playbooks", "validate", str(target)])
    assert result.exit_code == 1
    assert "executive-scandal.yml: channel_naming: a confidential playbook's rooms" in result.output
    assert "executive-scandal.yml: stand_in: exclude_subject keeps the person" in result.output
    assert "malware.yml: tasks[0].title_de: task 'Open the decision log" in result.output
    assert validate_directory(SHIPPED) == []


def test_a_template_must_keep_facts_next_update_and_source(tmp_path: Path) -> None:
    data = playbook()
    data["statement"]["templates"]["en"] = (
        '{% if channel == "x" %}We understand. Next update at {{ next_update }}: {{ info_source }}'
        "{% else %}We understand the concern. Next update at {{ next_update }}.{% endif %}"
    )
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "statement.templates.en")
    assert problem.message == ("the press variant leaves out the confirmed facts ({{ facts }}) and the source of "
                               "more information ({{ info_source }})")
