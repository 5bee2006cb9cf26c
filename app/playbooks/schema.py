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

from app.access.policy import Overrides
from app.playbooks.matching import labels_match, normalize_kind, rule_matches
from app.playbooks.templates import CHANNELS, LANGUAGES, render, template_problems
from app.roles.keys import check_role_key
from app.severity import Severity
from app.timeutil import parse_duration

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHANNEL_PREFIX = re.compile(r"^[a-z0-9_-]{1,20}$")


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"bad duration {value!r}: write it with a unit, e.g. 15m, 1h or 72h")
    return parse_duration(value)


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


Duration = Annotated[timedelta, BeforeValidator(_duration)]
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


class Titled(Model):
    """Something people read in the room: an English ``title`` and its German ``title_de``.

    ``title_de`` is required by validation (checks.py), which names the item that lacks it.
    """

    title: Text
    title_de: Annotated[str, Field(min_length=1)] | None = None

    def title_in(self, language: str) -> str:
        """The title in ``language`` (German when asked for and given, else English)."""
        return self.title_de if language == "de" and self.title_de else self.title


class Task(Titled):
    role: RoleKey
    due: Duration

    @property
    def due_delta(self) -> timedelta:
        return self.due


class Deadline(Titled):
    key: Slug
    after: Duration
    role: RoleKey
    remind_before: list[Duration] = Field(default_factory=list)
    when_labels: Labels = Field(default_factory=dict)
    note: str = ""

    @property
    def after_delta(self) -> timedelta:
        return self.after

    @property
    def remind_before_deltas(self) -> list[timedelta]:
        """Reminder offsets before the deadline, longest first."""
        return sorted(self.remind_before, reverse=True)

    def applies_to(self, labels: Mapping[str, object] | None) -> bool:
        """True if the alert's labels start this clock (always, when ``when_labels`` is empty)."""
        return labels_match(self.when_labels, labels)


class Cadence(Model):
    """How often something recurs, per severity. The defaults are the internal situation-report rhythm."""

    critical: Duration = timedelta(minutes=15)
    high: Duration = timedelta(minutes=30)
    medium: Duration = timedelta(minutes=60)
    low: Duration = timedelta(minutes=120)

    def for_severity(self, severity: Severity | str) -> timedelta:
        every: timedelta = getattr(self, level(severity).value)
        return every


class PublicCadence(Cadence):
    """The public update promise per severity ("next update by 18:00"): one the team can keep."""

    critical: Duration = timedelta(minutes=30)
    high: Duration = timedelta(hours=1)
    medium: Duration = timedelta(hours=2)
    low: Duration = timedelta(hours=4)


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
    approval_deadline: Duration = timedelta(minutes=15)
    channels: list[Channel] = Field(min_length=1)
    templates: Templates

    @property
    def approval_deadline_delta(self) -> timedelta:
        return self.approval_deadline


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
    channel_naming: Literal["title", "codename"] = "title"
    exclude_subject: bool = False
    # Who may do what in this playbook's incidents, where it differs from app/access/rules.yml.
    permissions: Overrides = Field(default_factory=dict)
    stand_in: RoleKey | None = None
    language: Literal["en", "de"] | None = None
    roles: list[RoleKey] = Field(min_length=1)
    tasks: list[Task] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    sitrep: Cadence = Field(default_factory=Cadence)
    public_update: PublicCadence = Field(default_factory=PublicCadence)
    statement: Statement
    digest: dict[SeverityLevel, Duration] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _old_cadence_name(cls, data: Any) -> Any:
        """``cadence`` is the old name of ``sitrep`` and is still read; giving both is a contradiction."""
        if isinstance(data, dict) and "cadence" in data:
            if "sitrep" in data:
                raise ValueError("cadence is the old name of sitrep: give only sitrep")
            data = {("sitrep" if key == "cadence" else key): value for key, value in data.items()}
        return data

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

    def sitrep_for(self, severity: Severity | str) -> timedelta:
        """The internal situation-report interval at ``severity`` (the room's own rhythm)."""
        return self.sitrep.for_severity(severity)

    def public_update_for(self, severity: Severity | str) -> timedelta:
        """How far ahead a public statement may promise its next update at ``severity``."""
        return self.public_update.for_severity(severity)

    def cadence_for(self, severity: Severity | str) -> timedelta:
        """The old name of :meth:`sitrep_for`, kept for callers written before the two cadences."""
        return self.sitrep_for(severity)

    def digest_for(self, severity: Severity | str) -> timedelta | None:
        """The executive digest interval at ``severity``, or None when no digest is sent."""
        return self.digest.get(level(severity))

    def tasks_in(self, language: str) -> list[dict[str, Any]]:
        """The first-hour tasks as (title in ``language``, role, due offset) mappings, in file order."""
        return [{"title": task.title_in(language), "role": task.role, "due": task.due} for task in self.tasks]

    def deadlines_for(self, labels: Mapping[str, object] | None = None) -> list[Deadline]:
        """The clocks that apply to an incident with ``labels`` (app.incidents.clocks starts them)."""
        return [deadline for deadline in self.deadlines if deadline.applies_to(labels)]

    def deadline(self, key: str) -> Deadline:
        """The clock spec ``key``; KeyError naming the playbook's clocks when there is none."""
        for deadline in self.deadlines:
            if deadline.key == key:
                return deadline
        known = ", ".join(d.key for d in self.deadlines) or "none"
        raise KeyError(f"playbook {self.id!r} has no clock {key!r}: its clocks are {known}")

    def render_statement(self, language: str, channel: str, context: Mapping[str, Any]) -> str:
        """Render the statement template in ``language`` for ``channel`` (both are set in the context)."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
        source = getattr(self.statement.templates, language)
        return render(source, {**context, "channel": channel, "language": language})


MODELS: tuple[type[Model], ...] = (
    SeverityRange, MatchRule, Task, Deadline, Cadence, PublicCadence, Templates, Statement, Playbook,
)
FIELD_NAMES: frozenset[str] = frozenset(name for model in MODELS for name in model.model_fields)
