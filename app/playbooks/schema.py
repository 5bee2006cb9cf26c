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
from app.playbooks.templates import (
    CHANNELS,
    LANGUAGES,
    StatementTemplateError,
    check_renders,
    render,
    sample_context,
    template_problems,
)
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


def _approval_step(value: Any) -> Any:
    """One step of an approval chain: a role, or a list of two or more roles that sign in any order."""
    if isinstance(value, str):
        return check_role_key(value)
    if isinstance(value, list | tuple):
        roles = [check_role_key(role) for role in value]
        if len(roles) < 2:
            raise ValueError(f"a group of approvers signs together: list two or more roles, e.g. [dpo, legal] "
                             f"(got {list(value)!r}; write a single role without brackets)")
        if len(set(roles)) != len(roles):
            raise ValueError(f"a role is listed twice in the group {list(value)!r}")
        return roles
    raise ValueError(f"bad approval step {value!r}: write a role (comms) or a group signing together ([dpo, legal])")


def _chain_roles(chain: list[Any]) -> list[str]:
    return [role for step in chain for role in ([step] if isinstance(step, str) else step)]


def join_chains(*chains: list[Any]) -> list[Any]:
    """The steps of the chains in order, each role once (a step whose roles all came earlier is dropped)."""
    result: list[Any] = []
    seen: set[str] = set()
    for chain in chains:
        for step in chain:
            fresh = [role for role in ([step] if isinstance(step, str) else step) if role not in seen]
            seen.update(fresh)
            if fresh:
                result.append(fresh[0] if len(fresh) == 1 else fresh)
    return result


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
# A role, or a group of roles that sign in any order (both must sign before the next step).
ApprovalStep = Annotated[str | list[str], BeforeValidator(_approval_step)]
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


def _no_role_twice(chain: list[Any], name: str) -> None:
    roles = _chain_roles(chain)
    twice = sorted({role for role in roles if roles.count(role) > 1})
    if twice:
        raise ValueError(f"{name}: {', '.join(twice)} listed twice: each role signs one step")


class Statement(Model):
    """``approvers`` is the chain in order; a step may be a group that signs in any order:
    ``[[dpo, legal], comms]``. ``add_approvers`` adds steps at a severity (after the chain)."""

    approvers: list[ApprovalStep] = Field(min_length=1)
    add_approvers: dict[SeverityLevel, list[ApprovalStep]] = Field(default_factory=dict)
    approval_deadline: Duration = timedelta(minutes=15)
    channels: list[Channel] = Field(min_length=1)
    templates: Templates

    @model_validator(mode="after")
    def _each_role_once(self) -> Statement:
        _no_role_twice(self.approvers, "approvers")
        for severity, extra in self.add_approvers.items():
            _no_role_twice(extra, f"add_approvers.{severity}")
        return self

    @property
    def approval_deadline_delta(self) -> timedelta:
        return self.approval_deadline


# --- packs beside the statement: press Q&A, stakeholder map, reply macros ------------------------------

AUDIENCES: dict[str, tuple[str, str]] = {
    "staff": ("Staff", "Belegschaft"),
    "customers": ("Customers", "Kundinnen und Kunden"),
    "regulators": ("Regulators", "Aufsichtsbehörden"),
    "authorities": ("Authorities and police", "Behörden und Polizei"),
    "partners": ("Partners and suppliers", "Partner und Lieferanten"),
    "retailers": ("Retailers", "Handelspartner"),
    "investors": ("Investors", "Investoren"),
    "media": ("Media", "Medien"),
    "board": ("Supervisory board", "Aufsichtsrat"),
    "works-council": ("Works council", "Betriebsrat"),
    "insurer": ("Insurer", "Versicherer"),
    "followers": ("Followers and community", "Follower und Community"),
    "platforms": ("Platforms", "Plattformen"),
}
AUDIENCE_CHANNELS: dict[str, tuple[str, str]] = {
    "staff-memo": ("staff memo", "Mitarbeiterinformation"),
    "team-leads": ("briefing of team leads", "Briefing der Teamleitungen"),
    "email": ("e-mail", "E-Mail"),
    "phone": ("phone call", "Telefonat"),
    "letter": ("letter", "Brief"),
    "portal": ("the authority's reporting portal", "Meldeportal der Behörde"),
    "website": ("website", "Website"),
    "social": ("social media", "Social Media"),
    "press": ("press statement", "Pressemitteilung"),
    "hotline": ("hotline", "Hotline"),
    "meeting": ("meeting", "Besprechung"),
    "ir-release": ("investor relations release", "Mitteilung der Investor Relations"),
    "platform-report": ("the platform's report form", "Meldeformular der Plattform"),
}


def _pack_template(value: str, name: str) -> str:
    """A pack text renders with the statement variables, with and without a record, in both languages."""
    for language in LANGUAGES:
        for with_facts in (True, False):
            try:
                check_renders(value, sample_context(language, "press", with_facts))
            except StatementTemplateError as exc:
                raise ValueError(f"{name}: {exc}") from None
    return value


class PackText(Model):
    """A text of a pack in English and German: Jinja2 with the same record variables as statements."""

    en: Text
    de: Text

    @field_validator("en", "de")
    @classmethod
    def _renders(cls, value: str, info: ValidationInfo) -> str:
        return _pack_template(value, str(info.field_name))

    def in_language(self, language: str) -> str:
        return self.de if language == "de" else self.en


class PressQuestion(Model):
    """A likely question and its holding line."""

    key: Slug
    question: PackText
    answer: PackText


def _audience(value: Any) -> Any:
    if isinstance(value, str) and value not in AUDIENCES:
        raise ValueError(f"unknown audience {value!r}: use one of {', '.join(AUDIENCES)}")
    return value


def _audience_channel(value: Any) -> Any:
    if isinstance(value, str) and value not in AUDIENCE_CHANNELS:
        raise ValueError(f"unknown channel {value!r}: use one of {', '.join(AUDIENCE_CHANNELS)}")
    return value


class Audience(Model):
    """Who hears what: the audience, through which channels, whose job it is and who approves what they hear."""

    audience: Annotated[str, BeforeValidator(_audience)]
    via: list[Annotated[str, BeforeValidator(_audience_channel)]] = Field(min_length=1)
    owner: RoleKey
    approvers: list[ApprovalStep] = Field(min_length=1)
    message: PackText

    @model_validator(mode="after")
    def _each_role_once(self) -> Audience:
        _no_role_twice(self.approvers, "approvers")
        return self

    def title_in(self, language: str) -> str:
        english, german = AUDIENCES[self.audience]
        return german if language == "de" else english

    def via_in(self, language: str) -> list[str]:
        return [AUDIENCE_CHANNELS[key][1 if language == "de" else 0] for key in self.via]


class ReplyMacro(PackText):
    """A short approved reply on one theme for community managers (checked in the linter's reply mode)."""

    theme: Slug


def _unique(items: list[Any], attribute: str, name: str) -> None:
    keys = [getattr(item, attribute) for item in items]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"{name}: {attribute} {', '.join(twice)} listed twice")


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
    # The packs beside the statement; a playbook without one uses the generic playbook's.
    press_qa: list[PressQuestion] | None = Field(default=None, min_length=1)
    stakeholders: list[Audience] | None = Field(default=None, min_length=1)
    replies: list[ReplyMacro] | None = Field(default=None, min_length=1)
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

    @model_validator(mode="after")
    def _pack_keys_once(self) -> Playbook:
        _unique(self.press_qa or [], "key", "press_qa")
        _unique(self.stakeholders or [], "audience", "stakeholders")
        _unique(self.replies or [], "theme", "replies")
        return self

    def matches(
        self, kind: str, labels: Mapping[str, object] | None = None, severity: Severity | None = None
    ) -> bool:
        """True if this playbook's match rule accepts the alert (the fallback matches nothing by rule)."""
        return not self.fallback and rule_matches(self.match, kind, labels, severity)

    def approvers_for(self, severity: Severity | str) -> list[Any]:
        """The approval chain at ``severity``: approvers, then add_approvers for it, each role once. A step is a
        role or a list of roles that sign in any order (e.g. ``[["dpo", "legal"], "comms"]``)."""
        extra = self.statement.add_approvers.get(level(severity), [])
        return join_chains(list(self.statement.approvers), list(extra))

    def approver_roles(self, severity: Severity | str) -> list[str]:
        """Every role that signs at ``severity``, in chain order."""
        return _chain_roles(self.approvers_for(severity))

    def own_roles(self) -> list[str]:
        """Every role the playbook brings into a room at some severity: its roles, then its approvers."""
        found = list(dict.fromkeys(self.roles))
        for severity in Severity:
            found += [role for role in self.approver_roles(severity) if role not in found]
        return found

    def staffed_roles(self, severity: Severity | str) -> list[str]:
        """Roles to staff the room with at ``severity``: roles, then any approver roles not yet listed."""
        staffed = list(dict.fromkeys(self.roles))
        staffed += [role for role in self.approver_roles(severity) if role not in staffed]
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
    SeverityRange, MatchRule, Task, Deadline, Cadence, PublicCadence, Templates, Statement, PackText,
    PressQuestion, Audience, ReplyMacro, Playbook,
)
FIELD_NAMES: frozenset[str] = frozenset(name for model in MODELS for name in model.model_fields)
