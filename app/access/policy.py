"""The permission rules as data: rules.yml, with the roster's and a playbook's overrides on top."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.access.actions import Action, Kind
from app.roles.keys import ROLES

RULES_FILE = Path(__file__).with_name("rules.yml")


def check_kind(value: Any) -> str:
    """A kind of person a rule may name; the error lists the valid ones."""
    if isinstance(value, str):
        if value in set(Kind):
            return value
        if value.startswith("role:") and value.removeprefix("role:") in ROLES:
            return value
    valid = ", ".join([*Kind, "role:<" + "|".join(ROLES) + ">"])
    raise ValueError(f"unknown kind of person {value!r}: use one of {valid}")


def check_action(value: Any) -> str:
    if isinstance(value, str) and value in set(Action):
        return value
    raise ValueError(f"unknown action {value!r}: use one of {', '.join(Action)}")


KindName = Annotated[str, BeforeValidator(check_kind)]
ActionName = Annotated[str, BeforeValidator(check_action)]
# How the roster and playbooks override rules: action -> the kinds of people who may do it.
Overrides = dict[ActionName, list[KindName]]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    who: tuple[KindName, ...]
    summary: str
    summary_de: str
    closed: bool = False


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    actions: dict[ActionName, Rule]
    roster_only_steps: tuple[str, ...] = Field(default_factory=tuple)


class Policy:
    """Answers "may a person of these kinds do this action", and names who may."""

    def __init__(self, rules: Rules) -> None:
        missing = [a.value for a in Action if a.value not in rules.actions]
        if missing:
            raise ValueError(f"the permission rules name no one for: {', '.join(missing)}")
        self.rules = rules

    def rule(self, action: Action) -> Rule:
        return self.rules.actions[action.value]

    def allows(self, action: Action, kinds: Iterable[str]) -> bool:
        allowed = self.rule(action).who
        return Kind.ANYONE.value in allowed or any(kind in allowed for kind in kinds)

    def open_when_closed(self, action: Action) -> bool:
        return self.rule(action).closed

    def roster_only(self, role: str) -> bool:
        return role in self.rules.roster_only_steps

    def overridden(self, *overrides: Mapping[str, list[str]] | None) -> Policy:
        """This policy with each override's action lists replacing the defaults (later ones win)."""
        if not any(overrides):
            return self
        actions = dict(self.rules.actions)
        for override in overrides:
            for action, who in (override or {}).items():
                actions[action] = actions[action].model_copy(update={"who": tuple(who)})
        return Policy(self.rules.model_copy(update={"actions": actions}))


@cache
def default_policy() -> Policy:
    return Policy(Rules.model_validate(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))))


MATRIX_KINDS = (("lead", "crisis lead"), ("deputy", "scribe"), ("role_holder", "other role holders"),
                ("member", "room members"), ("executive", "roster executives"), ("crisis_team", "roster's crisis team"),
                ("anyone", "anyone in the workspace"))


def matrix_markdown(policy: Policy | None = None) -> str:
    """The rules as the table README shows (a test keeps the two the same)."""
    policy = policy or default_policy()
    head = "| action | " + " | ".join(label for _, label in MATRIX_KINDS) + " | also | when closed |"
    lines = [head, "|" + "---|" * (len(MATRIX_KINDS) + 3)]
    for action, rule in policy.rules.actions.items():
        marks = ["✓" if kind in rule.who else "" for kind, _ in MATRIX_KINDS]
        also = ", ".join(k.removeprefix("role:") for k in rule.who if k.startswith("role:"))
        lines.append(f"| `{action}`: {rule.summary} | " + " | ".join(marks) + f" | {also} | "
                     f"{'✓' if rule.closed else ''} |")
    return "\n".join(lines)
