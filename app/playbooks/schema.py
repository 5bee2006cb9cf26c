"""The playbook file format as pydantic models, with field checks and helpers for the rest of the bot."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.playbooks.matching import labels_match, normalize_kind, rule_matches
from app.playbooks.templates import CHANNELS, LANGUAGES, render, template_problems
from app.roles.keys import check_role_key
from app.severity import Severity
from app.timeutil import parse_duration

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHANNEL_PREFIX = re.compile(r"^[a-z0-9_-]{1,20}$")


def _duration(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"bad duration {value!r}: write it with a unit, e.g. 15m, 1h or 72h")
    parse_duration(value)
    return value.strip()


def _severity(value: Any) -> Any:
    return Severity.parse(value) if isinstance(value, str) else value


def _role(value: Any) -> str:
    return check_role_key(value)


def _slug(value: Any) -> Any:
    if isinstance(value, str) and not SLUG.match(value):
        raise ValueError(f"{value!r} is not a lowercase slug: use letters, digits and hyphens, e.g. data-leak")
    return value


def _channel_prefix(value: Any) -> Any:
    if isinstance(value, str) and not CHANNEL_PREFIX.match(value):
        raise ValueError(
            f"bad channel prefix {value!r}: use 1-20 lowercase letters, digits, '-' or '_'"
        )
    return value


def _kind(value: Any) -> Any:
    if isinstance(value, str):
        kind = normalize_kind(value)
        if not kind:
            raise ValueError("an alert kind must not be empty")
        return kind
    return value


def _channel(value: Any) -> Any:
    if isinstance(value, str) and value not in CHANNELS:
        raise ValueError(f"unknown channel {value!r}: use one of {', '.join(CHANNELS)}")
    return value


def _labels(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if isinstance(item, bool):
            raise ValueError(
                f"label {key!r}: quote the value, e.g. {key}: \"yes\" (YAML reads yes/no/true/false as booleans)"
            )
        result[key] = str(item) if isinstance(item, int | float) else item
    return result


Duration = Annotated[str, BeforeValidator(_duration)]
SeverityLevel = Annotated[Severity, BeforeValidator(_severity)]
RoleKey = Annotated[str, BeforeValidator(_role)]
Slug = Annotated[str, BeforeValidator(_slug)]
Kind = Annotated[str, BeforeValidator(_kind)]
Channel = Annotated[str, BeforeValidator(_channel)]
Labels = Annotated[dict[str, str], BeforeValidator(_labels)]
Text = Annotated[str, Field(min_length=1)]


def level(severity: Severity | str) -> Severity:
    """Accept a Severity or its name."""
    return Severity.parse(severity)


class Model(BaseModel):
    """Base for every playbook model: unknown fields are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityRange(Model):
    min: SeverityLevel = Severity.LOW
    max: SeverityLevel = Severity.CRITICAL

    @model_validator(mode="after")
    def _ordered(self) -> SeverityRange:
        if self.min.rank > self.max.rank:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self

    @property
    def width(self) -> int:
        return self.max.rank - self.min.rank

    def contains(self, severity: Severity | str) -> bool:
        return self.min.rank <= level(severity).rank <= self.max.rank

    def overlaps(self, other: SeverityRange) -> bool:
        return self.min.rank <= other.max.rank and other.min.rank <= self.max.rank


class MatchRule(Model):
    kinds: list[Kind] = Field(default_factory=list)
    labels: Labels = Field(default_factory=dict)
    severity: SeverityRange = Field(default_factory=SeverityRange)


class Task(Model):
    title: Text
    role: RoleKey
    due: Duration

    @property
    def due_delta(self) -> timedelta:
        return parse_duration(self.due)


class Deadline(Model):
    key: Slug
    title: Text
    after: Duration
    role: RoleKey
    remind_before: list[Duration] = Field(default_factory=list)
    when_labels: Labels = Field(default_factory=dict)
    note: str = ""

    @property
    def after_delta(self) -> timedelta:
        return parse_duration(self.after)

    @property
    def remind_before_deltas(self) -> list[timedelta]:
        """Reminder offsets before the deadline, longest first."""
        return sorted((parse_duration(value) for value in self.remind_before), reverse=True)

    def applies_to(self, labels: Mapping[str, object] | None) -> bool:
        """True if the alert's labels start this clock (always, when ``when_labels`` is empty)."""
        return labels_match(self.when_labels, labels)


class Cadence(Model):
    critical: Duration = "15m"
    high: Duration = "30m"
    medium: Duration = "60m"
    low: Duration = "120m"

    def for_severity(self, severity: Severity | str) -> timedelta:
        return parse_duration(getattr(self, level(severity).value))


class Templates(Model):
    en: str
    de: str

    @field_validator("en", "de")
    @classmethod
    def _renders(cls, value: str, info: ValidationInfo) -> str:
        problems = template_problems(value, str(info.field_name))
        if problems:
            raise ValueError("; ".join(problems))
        return value


class Statement(Model):
    approvers: list[RoleKey] = Field(min_length=1)
    add_approvers: dict[SeverityLevel, list[RoleKey]] = Field(default_factory=dict)
    approval_deadline: Duration = "15m"
    channels: list[Channel] = Field(min_length=1)
    templates: Templates

    @property
    def approval_deadline_delta(self) -> timedelta:
        return parse_duration(self.approval_deadline)


class Playbook(Model):
    id: Slug
    title: Text
    description: str = ""
    match: MatchRule = Field(default_factory=MatchRule)
    fallback: bool = False
    default_severity: SeverityLevel = Severity.MEDIUM
    channel_prefix: Annotated[str, BeforeValidator(_channel_prefix)]
    private: bool = True
    confidential: bool = False
    language: Literal["en", "de"] | None = None
    roles: list[RoleKey] = Field(min_length=1)
    tasks: list[Task] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    cadence: Cadence = Field(default_factory=Cadence)
    statement: Statement
    digest: dict[SeverityLevel, Duration] = Field(default_factory=dict)

    def matches(
        self, kind: str, labels: Mapping[str, object] | None = None, severity: Severity | None = None
    ) -> bool:
        """True if this playbook's match rule accepts the alert (the fallback matches nothing by rule)."""
        return not self.fallback and rule_matches(self.match, kind, labels, severity)

    def approvers_for(self, severity: Severity | str) -> list[str]:
        """The approval chain at ``severity``: approvers, then add_approvers for it, without duplicates."""
        extra = self.statement.add_approvers.get(level(severity), [])
        chain: list[str] = []
        for role in [*self.statement.approvers, *extra]:
            if role not in chain:
                chain.append(role)
        return chain

    def staffed_roles(self, severity: Severity | str) -> list[str]:
        """Roles to staff the room with at ``severity``: roles, then any approver roles not yet listed."""
        staffed = list(dict.fromkeys(self.roles))
        staffed += [role for role in self.approvers_for(severity) if role not in staffed]
        return staffed

    def cadence_for(self, severity: Severity | str) -> timedelta:
        """How long until the next status update is due at ``severity``."""
        return self.cadence.for_severity(severity)

    def digest_for(self, severity: Severity | str) -> timedelta | None:
        """The executive digest interval at ``severity``, or None when no digest is sent."""
        value = self.digest.get(level(severity))
        return parse_duration(value) if value else None

    def deadlines_for(self, labels: Mapping[str, object] | None = None) -> list[Deadline]:
        """The clocks that start for an alert with ``labels``."""
        return [deadline for deadline in self.deadlines if deadline.applies_to(labels)]

    def render_statement(self, language: str, channel: str, context: Mapping[str, Any]) -> str:
        """Render the statement template in ``language`` for ``channel`` (both are set in the context)."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
        source = getattr(self.statement.templates, language)
        return render(source, {**context, "channel": channel, "language": language})


MODELS: tuple[type[Model], ...] = (
    SeverityRange, MatchRule, Task, Deadline, Cadence, Templates, Statement, Playbook,
)
FIELD_NAMES: frozenset[str] = frozenset(name for model in MODELS for name in model.model_fields)
