"""Alert matching: most specific playbook wins, deterministic, unknown kinds go to the fallback."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.playbooks import PlaybookError, PlaybookSet, load_playbooks, validate_directory
from app.playbooks.matching import normalize_kind
from app.severity import Severity

TEMPLATE = (
    '{% if channel == "x" %}We understand. Next update at {{ next_update }}: {{ info_source }}'
    "{% else %}We understand. {{ facts | join(' ') }} Next update at {{ next_update }}. {{ info_source }}{% endif %}"
)


def playbook(playbook_id: str, match: dict[str, Any] | None = None, fallback: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": playbook_id,
        "title": playbook_id.title(),
        "fallback": fallback,
        "channel_prefix": playbook_id[:20],
        "roles": ["lead", "comms"],
        "statement": {
            "approvers": ["comms"],
            "channels": ["website"],
            "templates": {"en": TEMPLATE, "de": TEMPLATE},
        },
    }
    if match is not None:
        data["match"] = match
    return data


SET = [
    playbook("generic", fallback=True),
    playbook("data-leak", {"kinds": ["data-leak", "leak"]}),
    playbook("data-leak-eu", {"kinds": ["data-leak"], "labels": {"region": "eu"}}),
    playbook("data-leak-eu-prod", {"kinds": ["data-leak"], "labels": {"region": "eu", "env": "prod"}}),
    playbook("data-leak-critical", {"kinds": ["data-leak"], "severity": {"min": "critical"}}),
    playbook("outage-minor", {"kinds": ["outage"], "severity": {"max": "medium"}}),
    playbook("outage-major", {"kinds": ["outage"], "severity": {"min": "high"}}),
]


def write_set(directory: Path, playbooks: list[dict[str, Any]]) -> None:
    for data in playbooks:
        (directory / f"{data['id']}.yml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.fixture()
def playbooks(tmp_path: Path) -> PlaybookSet:
    write_set(tmp_path, SET)
    return load_playbooks(tmp_path)


def test_the_test_set_is_valid(tmp_path: Path) -> None:
    write_set(tmp_path, SET)
    assert validate_directory(tmp_path) == []


@pytest.mark.parametrize(
    ("kind", "labels", "severity", "expected"),
    [
        ("data-leak", None, Severity.LOW, "data-leak"),
        ("data-leak", {}, Severity.HIGH, "data-leak"),
        ("data-leak", None, Severity.CRITICAL, "data-leak-critical"),
        ("data-leak", {"region": "eu"}, Severity.CRITICAL, "data-leak-eu"),
        ("data-leak", {"region": "eu", "env": "prod"}, Severity.LOW, "data-leak-eu-prod"),
        ("data-leak", {"region": "eu", "env": "test"}, Severity.LOW, "data-leak-eu"),
        ("data-leak", {"region": "us"}, Severity.MEDIUM, "data-leak"),
        ("leak", {"region": "eu"}, Severity.CRITICAL, "data-leak"),
        ("Data_Leak", {"region": "eu"}, None, "data-leak-eu"),
        ("DATA LEAK", None, Severity.LOW, "data-leak"),
        ("outage", None, Severity.LOW, "outage-minor"),
        ("outage", None, Severity.MEDIUM, "outage-minor"),
        ("outage", None, Severity.HIGH, "outage-major"),
        ("outage", None, "critical", "outage-major"),
        ("unknown-kind", {"region": "eu"}, Severity.CRITICAL, "generic"),
        ("", None, None, "generic"),
    ],
)
def test_most_specific_playbook_wins(
    playbooks: PlaybookSet, kind: str, labels: dict[str, str] | None, severity: Severity | None, expected: str
) -> None:
    assert playbooks.match(kind, labels, severity).id == expected


def test_without_severity_the_more_cautious_range_wins(playbooks: PlaybookSet) -> None:
    assert playbooks.match("outage").id == "outage-major"
    assert playbooks.match("data-leak").id == "data-leak-critical"


def test_matching_is_deterministic_regardless_of_order(playbooks: PlaybookSet) -> None:
    items = playbooks.all()
    cases = [("data-leak", {"region": "eu"}, None), ("outage", None, None), ("leak", None, Severity.LOW)]
    expected = [playbooks.match(*case).id for case in cases]
    for seed in range(5):
        random.Random(seed).shuffle(items)
        shuffled = PlaybookSet(items)
        assert [shuffled.match(*case).id for case in cases] == expected


def test_alert_label_values_are_compared_as_text(tmp_path: Path) -> None:
    write_set(tmp_path, [playbook("generic", fallback=True), playbook("tier", {"kinds": ["x"], "labels": {"tier": 1}})])
    assert load_playbooks(tmp_path).match("x", {"tier": 1}).id == "tier"


def test_fallback_never_matches_by_rule(playbooks: PlaybookSet) -> None:
    assert playbooks.fallback.id == "generic"
    assert not playbooks.get("generic").matches("generic")
    assert playbooks.get("data-leak").matches("LEAK")


def test_normalize_kind() -> None:
    assert normalize_kind("  Data_Leak ") == "data-leak"
    assert normalize_kind("hacked account") == "hacked-account"


@pytest.mark.parametrize(
    ("first", "second", "ambiguous"),
    [
        ({"kinds": ["a"]}, {"kinds": ["a"]}, True),
        ({"kinds": ["a", "b"]}, {"kinds": ["B"]}, True),
        ({"kinds": ["a"]}, {"kinds": ["b"]}, False),
        ({"kinds": ["a"], "labels": {"env": "prod"}}, {"kinds": ["a"], "labels": {"region": "eu"}}, True),
        ({"kinds": ["a"], "labels": {"env": "prod"}}, {"kinds": ["a"], "labels": {"env": "test"}}, False),
        ({"kinds": ["a"], "labels": {"env": "prod"}}, {"kinds": ["a"]}, False),
        ({"kinds": ["a"], "severity": {"max": "high"}}, {"kinds": ["a"], "severity": {"min": "medium"}}, True),
        ({"kinds": ["a"], "severity": {"max": "medium"}}, {"kinds": ["a"], "severity": {"min": "high"}}, False),
        ({"kinds": ["a"], "severity": {"max": "high"}}, {"kinds": ["a"], "severity": {"min": "high"}}, False),
    ],
)
def test_overlapping_rules(tmp_path: Path, first: dict[str, Any], second: dict[str, Any], ambiguous: bool) -> None:
    write_set(tmp_path, [playbook("generic", fallback=True), playbook("one", first), playbook("two", second)])
    problems = validate_directory(tmp_path)
    assert bool([p for p in problems if p.path == "match" and p.file == "two.yml"]) is ambiguous
    if ambiguous:
        with pytest.raises(PlaybookError, match="ambiguous"):
            load_playbooks(tmp_path)


def test_label_values_match_in_any_case() -> None:
    from app.playbooks.matching import labels_match

    assert labels_match({"personal_data": "yes"}, {"personal_data": " Yes"})
    assert not labels_match({"personal_data": "yes"}, {"personal_data": "no"})
    assert not labels_match({"personal_data": "yes"}, {})
