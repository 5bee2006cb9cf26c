"""Playbook loading and validation: every broken case is reported with the right file and field path."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.playbooks import PlaybookError, Problem, load_playbooks, validate_directory
from app.playbooks.templates import SAMPLE_CONTEXT, StatementTemplateError, render
from app.severity import Severity

TEMPLATE = (
    '{% if channel == "x" %}We understand the concern. Next update at {{ next_update }}: {{ info_source }}'
    "{% else %}We understand the concern.\n\n{% for fact in facts %}- {{ fact }}\n{% endfor %}\n\n"
    "Next update at {{ next_update }}. More at {{ info_source }}.{% endif %}"
)

BASE: dict[str, Any] = {
    "id": "data-leak",
    "title": "Data leak",
    "match": {"kinds": ["data-leak", "leak"]},
    "default_severity": "high",
    "channel_prefix": "leak",
    "roles": ["lead", "comms", "dpo", "security", "legal", "scribe"],
    "tasks": [
        {"title": "Contain the leak", "title_de": "Abfluss eindämmen", "role": "security", "due": "15m"},
        {"title": "Assess personal data", "title_de": "Personenbezug prüfen", "role": "dpo", "due": "20m"},
        {"title": "Draft the holding statement", "title_de": "Stellungnahme entwerfen", "role": "comms", "due": "30m"},
    ],
    "deadlines": [
        {"key": "gdpr-art33", "title": "Notify the authority", "title_de": "Behörde benachrichtigen", "after": "72h",
         "role": "dpo", "remind_before": ["24h", "4h", "1h"]},
    ],
    "statement": {
        "approvers": ["dpo", "legal", "comms"],
        "add_approvers": {"critical": ["exec"]},
        "channels": ["press", "website", "x"],
        "templates": {"en": TEMPLATE, "de": TEMPLATE.replace("Next update at", "Nächstes Update um")},
    },
    "digest": {"critical": "1h", "high": "2h"},
}

GENERIC: dict[str, Any] = {
    "id": "generic",
    "title": "General crisis",
    "fallback": True,
    "channel_prefix": "crisis",
    "roles": ["lead", "comms", "scribe"],
    "statement": {
        "approvers": ["comms"],
        "channels": ["website"],
        "templates": copy.deepcopy(BASE["statement"]["templates"]),
    },
}


def playbook(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def write(directory: Path, name: str, data: dict[str, Any] | str) -> None:
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (directory / name).write_text(text, encoding="utf-8")


def setup_dir(tmp_path: Path, data: dict[str, Any] | str, name: str = "data-leak.yml") -> list[Problem]:
    write(tmp_path, "generic.yml", GENERIC)
    write(tmp_path, name, data)
    return validate_directory(tmp_path)


def at(problems: list[Problem], file: str, path: str) -> Problem:
    found = [p for p in problems if p.file == file and p.path == path]
    assert found, f"no problem at {file}: {path}; got {[str(p) for p in problems]}"
    return found[0]


def test_valid_directory_has_no_problems(tmp_path: Path) -> None:
    assert setup_dir(tmp_path, playbook()) == []
    playbooks = load_playbooks(tmp_path)
    assert [p.id for p in playbooks.all()] == ["data-leak", "generic"]
    assert playbooks.fallback.id == "generic"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    problems = setup_dir(tmp_path, "id: data-leak\ntitle: [unclosed\nroles: [lead]\n")
    problem = at(problems, "data-leak.yml", "")
    assert "YAML syntax error at line" in problem.message


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    text = yaml.safe_dump(playbook(), sort_keys=False) + "title: Again\n"
    problem = at(setup_dir(tmp_path, text), "data-leak.yml", "")
    assert "duplicate key 'title'" in problem.message


def test_empty_file_and_non_mapping(tmp_path: Path) -> None:
    write(tmp_path, "generic.yml", GENERIC)
    write(tmp_path, "empty.yml", "")
    write(tmp_path, "list.yml", "- a\n- b\n")
    problems = validate_directory(tmp_path)
    assert "empty" in at(problems, "empty.yml", "").message
    assert "mapping" in at(problems, "list.yml", "").message


def test_bad_duration_has_dotted_path_and_readable_text(tmp_path: Path) -> None:
    data = playbook()
    data["tasks"][2]["due"] = "15 minutes"
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "tasks[2].due")
    assert problem.message.startswith("bad duration '15 minutes': use")
    assert str(problem).startswith("data-leak.yml: tasks[2].due: bad duration '15 minutes': use a form like")


def test_duration_without_unit(tmp_path: Path) -> None:
    data = playbook()
    data["deadlines"][0]["after"] = 72
    assert "unit" in at(setup_dir(tmp_path, data), "data-leak.yml", "deadlines[0].after").message


def test_unknown_field_suggests_the_right_name(tmp_path: Path) -> None:
    data = playbook()
    data["deadlines"][0]["remind_befor"] = data["deadlines"][0].pop("remind_before")
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "deadlines[0].remind_befor")
    assert "unknown field 'remind_befor'" in problem.message
    assert "remind_before" in problem.message


def test_missing_required_field(tmp_path: Path) -> None:
    data = playbook()
    del data["channel_prefix"]
    assert "required" in at(setup_dir(tmp_path, data), "data-leak.yml", "channel_prefix").message


def test_unknown_role_key(tmp_path: Path) -> None:
    data = playbook(roles=["lead", "comms", "ceo", "dpo", "security", "legal"])
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "roles[2]")
    assert "unknown role 'ceo'" in problem.message


def test_task_and_deadline_roles_must_be_staffed(tmp_path: Path) -> None:
    data = playbook(roles=["lead", "comms", "security", "legal"])
    problems = setup_dir(tmp_path, data)
    assert "'dpo' is not in roles" in at(problems, "data-leak.yml", "tasks[1].role").message
    assert "'dpo' is not in roles" in at(problems, "data-leak.yml", "deadlines[0].role").message


def test_unknown_approver_role(tmp_path: Path) -> None:
    data = playbook()
    data["statement"]["approvers"] = ["chairman", "comms"]
    data["statement"]["add_approvers"] = {"critical": ["ceo"]}
    problems = setup_dir(tmp_path, data)
    assert "unknown role 'chairman'" in at(problems, "data-leak.yml", "statement.approvers[0]").message
    assert "unknown role 'ceo'" in at(problems, "data-leak.yml", "statement.add_approvers.critical[0]").message


def test_unknown_severity_key(tmp_path: Path) -> None:
    data = playbook(digest={"urgent": "1h"})
    assert "unknown severity 'urgent'" in at(setup_dir(tmp_path, data), "data-leak.yml", "digest.urgent").message


def test_reminder_must_be_shorter_than_the_deadline(tmp_path: Path) -> None:
    data = playbook()
    data["deadlines"][0]["remind_before"] = ["24h", "72h", "96h"]
    problems = setup_dir(tmp_path, data)
    assert "shorter than after" in at(problems, "data-leak.yml", "deadlines[0].remind_before[1]").message
    at(problems, "data-leak.yml", "deadlines[0].remind_before[2]")
    assert not [p for p in problems if p.path == "deadlines[0].remind_before[0]"]


def test_template_syntax_error(tmp_path: Path) -> None:
    data = playbook()
    data["statement"]["templates"]["de"] = "Hallo {% if facts %}"
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "statement.templates.de")
    assert "template syntax error at line 1" in problem.message


def test_template_with_unknown_variable(tmp_path: Path) -> None:
    data = playbook()
    data["statement"]["templates"]["en"] = TEMPLATE + " {{ victim_name }}"
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "statement.templates.en")
    assert "'victim_name' is undefined" in problem.message


def test_template_must_render_without_facts(tmp_path: Path) -> None:
    data = playbook()
    data["statement"]["templates"]["en"] = "{{ facts[0] }} Next update at {{ next_update }}"
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "statement.templates.en")
    assert "no facts" in problem.message


def test_x_variant_over_280_characters(tmp_path: Path) -> None:
    data = playbook()
    data["statement"]["templates"]["en"] = "We understand. " * 20 + "{{ next_update }} {{ info_source }}"
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "statement.templates.en")
    assert "x variant" in problem.message and "280" in problem.message


def test_both_languages_are_required(tmp_path: Path) -> None:
    data = playbook()
    del data["statement"]["templates"]["de"]
    data["statement"]["templates"]["fr"] = TEMPLATE
    problems = setup_dir(tmp_path, data)
    at(problems, "data-leak.yml", "statement.templates.de")
    at(problems, "data-leak.yml", "statement.templates.fr")


def test_unknown_channel_and_bad_prefix(tmp_path: Path) -> None:
    data = playbook(channel_prefix="Leak Room")
    data["statement"]["channels"] = ["press", "twitter"]
    problems = setup_dir(tmp_path, data)
    assert "unknown channel 'twitter'" in at(problems, "data-leak.yml", "statement.channels[1]").message
    at(problems, "data-leak.yml", "channel_prefix")


def test_boolean_label_value_asks_for_quotes(tmp_path: Path) -> None:
    data = playbook()
    data["deadlines"][0]["when_labels"] = {"personal_data": True}
    problem = at(setup_dir(tmp_path, data), "data-leak.yml", "deadlines[0].when_labels")
    assert "quote the value" in problem.message


def test_id_must_equal_file_name(tmp_path: Path) -> None:
    problem = at(setup_dir(tmp_path, playbook(), name="leak.yml"), "leak.yml", "id")
    assert "must equal the file name 'leak'" in problem.message


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "data-leak.yaml", playbook())
    problems = setup_dir(tmp_path, playbook())
    problem = at(problems, "data-leak.yml", "id")
    assert "duplicate id 'data-leak'" in problem.message and "data-leak.yaml" in problem.message


def test_no_fallback(tmp_path: Path) -> None:
    write(tmp_path, "data-leak.yml", playbook())
    problems = validate_directory(tmp_path)
    assert any(p.path == "fallback" and "no playbook has fallback" in p.message for p in problems)


def test_more_than_one_fallback(tmp_path: Path) -> None:
    write(tmp_path, "other.yml", {**GENERIC, "id": "other"})
    problems = setup_dir(tmp_path, playbook())
    problem = at(problems, "other.yml", "fallback")
    assert "generic.yml" in problem.message


def test_fallback_has_no_kinds_and_others_need_kinds(tmp_path: Path) -> None:
    write(tmp_path, "generic.yml", {**GENERIC, "match": {"kinds": ["anything"]}})
    write(tmp_path, "data-leak.yml", playbook(match={"labels": {"team": "a"}}))
    problems = validate_directory(tmp_path)
    assert "leave kinds empty" in at(problems, "generic.yml", "match.kinds").message
    assert "at least one alert kind" in at(problems, "data-leak.yml", "match.kinds").message


def test_overlapping_rules_are_ambiguous(tmp_path: Path) -> None:
    write(tmp_path, "breach.yml", playbook(id="breach", match={"kinds": ["data-breach", "Leak"]}))
    problems = setup_dir(tmp_path, playbook())
    problem = at(problems, "data-leak.yml", "match")
    assert "ambiguous" in problem.message and "'leak'" in problem.message and "breach.yml" in problem.message


def test_severity_range_min_above_max(tmp_path: Path) -> None:
    data = playbook(match={"kinds": ["leak"], "severity": {"min": "critical", "max": "low"}})
    assert "above max" in at(setup_dir(tmp_path, data), "data-leak.yml", "match.severity").message


def test_problems_are_collected_across_all_files(tmp_path: Path) -> None:
    broken = playbook(id="second", channel_prefix="second")
    broken["match"] = {"kinds": ["other"]}
    broken["tasks"][0]["due"] = "soon"
    write(tmp_path, "second.yml", broken)
    data = playbook()
    data["tasks"][1]["role"] = "hr"
    problems = setup_dir(tmp_path, data)
    at(problems, "second.yml", "tasks[0].due")
    at(problems, "data-leak.yml", "tasks[1].role")


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    data = playbook()
    data["tasks"][0]["due"] = "x"
    data["tasks"][1]["due"] = "y"
    setup_dir(tmp_path, data)
    with pytest.raises(PlaybookError) as caught:
        load_playbooks(tmp_path)
    assert {p.path for p in caught.value.problems} == {"tasks[0].due", "tasks[1].due"}
    assert isinstance(caught.value, ValueError)
    assert "data-leak.yml: tasks[0].due: bad duration 'x'" in str(caught.value)


def test_missing_and_empty_directory(tmp_path: Path) -> None:
    assert "does not exist" in validate_directory(tmp_path / "nope")[0].message
    assert "no playbook files" in validate_directory(tmp_path)[0].message


def test_playbook_helpers(tmp_path: Path) -> None:
    setup_dir(tmp_path, playbook())
    leak = load_playbooks(tmp_path).get("data-leak")
    assert leak.approvers_for(Severity.HIGH) == ["dpo", "legal", "comms"]
    assert leak.approvers_for("critical") == ["dpo", "legal", "comms", "exec"]
    assert leak.staffed_roles(Severity.CRITICAL)[-1] == "exec"
    assert "exec" not in leak.staffed_roles(Severity.LOW)
    assert leak.cadence_for(Severity.CRITICAL) == timedelta(minutes=15)
    assert leak.cadence_for("low") == timedelta(hours=2)
    assert leak.digest_for(Severity.HIGH) == timedelta(hours=2)
    assert leak.digest_for(Severity.MEDIUM) is None
    assert leak.tasks[0].due_delta == timedelta(minutes=15)
    assert leak.deadlines[0].after == timedelta(hours=72)  # durations are parsed once, by the schema
    assert leak.deadlines[0].after_delta == timedelta(hours=72)
    assert leak.deadlines[0].remind_before_deltas == [timedelta(hours=24), timedelta(hours=4), timedelta(hours=1)]
    assert leak.statement.approval_deadline_delta == timedelta(minutes=15)
    text = leak.render_statement("de", "x", {**SAMPLE_CONTEXT, "channel": "press"})
    assert text.startswith("We understand") and "Nächstes Update um 14:30 CET" in text
    with pytest.raises(ValueError, match="unknown channel"):
        leak.render_statement("en", "tiktok", SAMPLE_CONTEXT)
    with pytest.raises(ValueError, match="unknown language"):
        leak.render_statement("fr", "press", SAMPLE_CONTEXT)


def test_deadlines_for_labels(tmp_path: Path) -> None:
    data = playbook()
    data["deadlines"][0]["when_labels"] = {"personal_data": "yes"}
    setup_dir(tmp_path, data)
    leak = load_playbooks(tmp_path).get("data-leak")
    assert leak.deadlines_for({}) == []
    assert leak.deadlines_for({"personal_data": "no"}) == []
    assert [d.key for d in leak.deadlines_for({"personal_data": "yes", "x": "1"})] == ["gdpr-art33"]


def test_get_unknown_playbook_names_the_known_ones(tmp_path: Path) -> None:
    setup_dir(tmp_path, playbook())
    with pytest.raises(KeyError, match="data-leak, generic"):
        load_playbooks(tmp_path).get("nope")


def test_render_is_plain_strict_and_tidy() -> None:
    source = "Hello <b>{{ company }}</b>\n\n\n\n{% if facts %}\n  {{ facts | length }} facts   \n{% endif %}\n\n"
    assert render(source, {"company": "A & B", "facts": [1, 2]}) == "Hello <b>A & B</b>\n\n  2 facts"
    with pytest.raises(StatementTemplateError, match="'company' is undefined"):
        render("{{ company }}", {})
    with pytest.raises(StatementTemplateError, match="syntax error"):
        render("{% if %}", {})
