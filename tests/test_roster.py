"""Role keys and the roster file: good files load, bad ones fail naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.roles.keys import ROLE_KEYS, ROLE_TITLES_DE, ROLES, role_title
from app.roles.roster import Roster, RosterError, load_roster

EXAMPLE = Path(__file__).resolve().parent.parent / "roster.example.yml"

GOOD = """\
roles:
  lead: [U0123ABCD]
  comms: [U0234BCDE, "@comms-team"]
  legal: [W0456DEFG]
backups:
  comms: [U0345CDEF]
executives: [U0789GHIJ]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_role_keys_and_titles() -> None:
    assert set(ROLES) == set(ROLE_TITLES_DE) == set(ROLE_KEYS)
    assert len(ROLE_KEYS) == 11  # ... dpo, board
    assert role_title("dpo") == "Data protection officer"
    assert role_title("lead", "de") == "Krisenleitung"
    assert role_title("comms", "fr") == "Communications lead"
    with pytest.raises(ValueError, match="unknown role 'ceo'"):
        role_title("ceo")


def test_example_roster_loads() -> None:
    roster = load_roster(EXAMPLE)
    assert set(roster.roles) == set(ROLE_KEYS)
    assert roster.backups_for("legal")
    assert roster.executives


def test_good_roster(tmp_path: Path) -> None:
    roster = load_roster(write(tmp_path, GOOD))
    assert isinstance(roster, Roster)
    assert roster.holders("comms") == ["U0234BCDE", "@comms-team"]
    assert roster.holders("dpo") == []
    assert roster.backups_for("comms") == ["U0345CDEF"]
    assert roster.backups_for("lead") == []
    assert "U0789GHIJ" in roster.executives and "U0123ABCD" not in roster.executives
    with pytest.raises(ValueError, match="unknown role"):
        roster.holders("boss")


def test_bad_member_names_file_and_path(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('"@comms-team"', "bob"))
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    assert str(caught.value) == (
        f"{path}: roles.comms[1]: 'bob' is neither a Slack user id (U…) nor a usergroup handle (@team)"
    )


@pytest.mark.parametrize("entry", ['"@Comms"', '"@"', "u0123abcd", "U1", '"C0123ABCD"', "12345"])
def test_invalid_entries(tmp_path: Path, entry: str) -> None:
    with pytest.raises(RosterError, match=r"executives\[0\]: .* is neither"):
        load_roster(write(tmp_path, GOOD.replace("executives: [U0789GHIJ]", f"executives: [{entry}]")))


def test_unknown_role_and_field_are_all_reported(tmp_path: Path) -> None:
    text = GOOD.replace("  legal:", "  ceo:") + "backup:\n  lead: [U0999ZZZZ]\n"
    with pytest.raises(RosterError) as caught:
        load_roster(write(tmp_path, text))
    problems = caught.value.problems
    assert any("roles.ceo: unknown role 'ceo'" in p for p in problems)
    assert any("backup: unknown field 'backup' (did you mean 'backups'?)" in p for p in problems)


def test_missing_file_points_at_the_example(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="roster.example.yml"):
        load_roster(tmp_path / "roster.yml")


def test_yaml_errors_and_wrong_shapes(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="YAML syntax error at line 3"):
        load_roster(write(tmp_path, "roles:\n  lead: [U0123ABCD\n"))
    with pytest.raises(RosterError, match="mapping"):
        load_roster(write(tmp_path, "- U0123ABCD\n"))
    with pytest.raises(RosterError, match="roles: required field is missing"):
        load_roster(write(tmp_path, "executives: []\n"))
