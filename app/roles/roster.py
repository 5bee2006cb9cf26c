"""The team roster: who holds each war-room role, their backups, and the executives (roster.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from app.access.policy import Overrides
from app.playbooks.errors import problems_from_validation
from app.roles.keys import check_role_key

MEMBER = re.compile(r"^(?:[UW][A-Z0-9]{2,}|@[a-z0-9._-]+)$")


def _member(value: Any) -> str:
    if not isinstance(value, str) or not MEMBER.match(value):
        raise ValueError(f"{value!r} is neither a Slack user id (U…) nor a usergroup handle (@team)")
    return value


def _role(value: Any) -> str:
    return check_role_key(value)


Member = Annotated[str, BeforeValidator(_member)]
RoleKey = Annotated[str, BeforeValidator(_role)]


class RosterError(ValueError):
    """The roster file is missing or invalid; ``problems`` lists every problem as text."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Roster(BaseModel):
    """Role holders and backups (Slack user ids or @usergroup handles) and the executives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: dict[RoleKey, list[Member]]
    backups: dict[RoleKey, list[Member]] = Field(default_factory=dict)
    executives: list[Member] = Field(default_factory=list)
    # Who may do what, where the organisation wants other than app/access/rules.yml: action -> kinds of people.
    permissions: Overrides = Field(default_factory=dict)

    def holders(self, role: str) -> list[str]:
        """Who holds ``role`` (empty if nobody is listed); raises ValueError for an unknown role key."""
        return list(self.roles.get(check_role_key(role), []))

    def backups_for(self, role: str) -> list[str]:
        """Who steps in when the holders of ``role`` do not respond."""
        return list(self.backups.get(check_role_key(role), []))


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster file; raises RosterError naming the file and each bad field."""
    name = str(path)
    file = Path(path)
    if not file.is_file():
        raise RosterError([
            f"{name}: roster file not found; copy roster.example.yml to {name} and fill in your team"
        ])
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RosterError([f"{name}: YAML syntax error{where}: {exc.problem}"]) from exc
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise RosterError([f"{name}: cannot read the roster: {exc}"]) from exc
    if not isinstance(data, dict):
        raise RosterError([f"{name}: expected a mapping with roles, backups and executives"])
    try:
        return Roster.model_validate(data)
    except ValidationError as exc:
        fields = list(Roster.model_fields)
        raise RosterError([str(p) for p in problems_from_validation(name, exc, fields)]) from exc

