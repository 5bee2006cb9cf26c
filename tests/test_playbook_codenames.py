"""Code-named rooms for confidential playbooks: neutral, stable per incident, valid in a Slack channel name."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from app.incidents.naming import channel_name
from app.playbooks import load_playbooks
from app.playbooks.codenames import codename, room_title

DIRECTORY = Path(__file__).resolve().parent.parent / "playbooks"


def test_code_names_are_stable_neutral_and_spread():
    names = [codename(incident_id) for incident_id in range(1, 201)]
    assert names == [codename(incident_id) for incident_id in range(1, 201)]
    assert all(re.fullmatch(r"[a-z]+-[a-z]+", name) for name in names)
    assert len(set(names)) > 150  # two hundred incidents rarely share a name


def test_confidential_rooms_never_carry_the_allegation():
    playbooks = load_playbooks(DIRECTORY)
    day = datetime(2026, 11, 23, tzinfo=UTC)
    title = "Allegations of fraud against CFO Erika Mustermann"
    scandal = playbooks.get("executive-scandal")
    name = channel_name(scandal.channel_prefix, day, room_title(scandal, 42, title))
    assert name == f"confidential-20261123-{codename(42)}"
    assert not {"fraud", "cfo", "erika", "mustermann", "allegations"} & set(re.split(r"[-_]", name))
    storm = playbooks.get("shitstorm")
    assert room_title(storm, 42, "Backlash over the ad") == "Backlash over the ad"
