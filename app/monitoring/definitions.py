"""Monitors as data: ``monitors/*.yml`` says what to watch, on which platforms, and which signals raise alerts.

Validated like playbooks: every problem is reported with its file and field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.monitoring import detection
from app.playbooks.errors import PlaybookError, Problem, problems_from_validation
from app.playbooks.loader import read_yaml

LANGUAGES = ("en", "de")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MIN_SHIFT, MAX_SHIFT, MAX_SHIFTS = 1.2, 20.0, 8  # the rises a change detector may be tuned for, and how many
FALSE_ALARMS_PER_WEEK = 0.1  # the volume's budget: a tenth of the target's one false alarm a quiet week (README)
BURST_SHARE = 0.05  # the part of it the burst tests get (their threshold barely moves with it, see README)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Terms(_Strict):
    """What to watch, per language: the brand, products, executives and campaign hashtags."""

    brand: dict[str, list[str]] = {}
    products: dict[str, list[str]] = {}
    executives: dict[str, list[str]] = {}
    hashtags: dict[str, list[str]] = {}

    @field_validator("brand", "products", "executives", "hashtags")
    @classmethod
    def _languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language, terms in value.items():
            if language not in LANGUAGES:
                raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
            for term in terms:
                if not term.strip():
                    raise ValueError(f"an empty term in {language!r}")
        return value

    def all(self) -> list[str]:
        return sorted({term.strip() for group in (self.brand, self.products, self.executives, self.hashtags)
                       for terms in group.values() for term in terms})


class VolumeSignal(_Strict):
    """Mentions in the last ``window_minutes`` against the baseline for this time of day and week (burst test),
    and change detectors for rises that build up (one CUSUM per rise of ``shift``, in times the baseline: a
    number or a list); with ``negative``, the same tests on the negative posts' own count. The thresholds follow
    from ``false_alarms_per_week``: ``burst_share`` of it goes to the burst tests, the rest to the change
    detectors, each part split evenly between the series watched (all mentions, negative posts) and a test's
    detectors; ``z`` sets the burst tests' threshold by hand."""

    kind: str = "shitstorm"
    window_minutes: int = Field(10, ge=1, le=120)
    false_alarms_per_week: float = Field(FALSE_ALARMS_PER_WEEK, gt=0, le=7, description="alarms a quiet week may raise")
    burst_share: float = Field(BURST_SHARE, gt=0, lt=1, description="the share of that budget the burst tests get")
    z: float | None = Field(None, gt=0, description="the burst test's threshold in standard deviations")
    buildup: bool = True
    shift: float | tuple[float, ...] = Field(detection.SHIFTS, description="the rises the change detectors watch for")
    negative: bool = True
    min_ratio: float = Field(2.0, ge=1)
    min_mentions: int = Field(8, ge=1)

    @field_validator("shift")
    @classmethod
    def _shifts(cls, value: float | tuple[float, ...]) -> float | tuple[float, ...]:
        shifts = (value,) if isinstance(value, int | float) else value
        if not 1 <= len(shifts) <= MAX_SHIFTS:
            raise ValueError(f"name 1 to {MAX_SHIFTS} rises, e.g. [1.5, 2, 3, 5, 10]")
        for shift in shifts:
            if not MIN_SHIFT <= shift <= MAX_SHIFT:
                raise ValueError(f"{shift:g} is no rise to watch for: use {MIN_SHIFT:g} to {MAX_SHIFT:g} times the "
                                 "baseline")
        return value

    def shifts(self) -> tuple[float, ...]:
        """The rises the change detectors are tuned for, one detector each."""
        return (self.shift,) if isinstance(self.shift, int | float) else tuple(self.shift)

    def _series(self) -> int:
        return 2 if self.negative else 1

    def burst_z(self) -> float:
        """The burst tests' threshold: each reading of each series within its part of ``burst_share`` of the budget
        (all of it without change detectors)."""
        if self.z is not None:
            return self.z
        share = self.burst_share if self.buildup else 1.0
        return detection.burst_z(self.false_alarms_per_week * share / self._series())

    def cusum_h(self) -> float | None:
        """The change detectors' threshold (None when they are off): each detector of each series within its part
        of the budget left by the burst tests."""
        if not self.buildup:
            return None
        share = 1 - self.burst_share
        return detection.cusum_h(self.false_alarms_per_week * share / self._series() / len(self.shifts()))


class NegativeSignal(_Strict):
    kind: str = "shitstorm"
    window_minutes: int = Field(60, ge=5, le=24 * 60)
    share: float = Field(0.35, gt=0, lt=1)
    min_mentions: int = Field(20, ge=1)


class ReachSignal(_Strict):
    """One post that can matter: from an account above ``followers``, or gathering ``engagement_per_minute``. What
    it ``needs`` to count: negative and a risk term (the default: a large account's complaint that names a leak,
    a recall, a boycott), negative or a risk term, negative, or a risk term. A kind post never counts."""

    kind: str = "viral-complaint"
    followers: int = Field(100_000, ge=1)
    engagement_per_minute: float = Field(50.0, gt=0)
    needs: Literal["negative-and-risky", "negative-or-risky", "negative", "risky"] = "negative-and-risky"


class CalmDown(_Strict):
    """When an incident's mentions have stayed within ``within`` times the baseline for ``minutes``, its room is
    told once (a suggestion to lower the severity or close; nothing changes by itself)."""

    minutes: int = Field(60, ge=10, le=24 * 60)
    within: float = Field(1.5, ge=1, le=10)


class RiskTerms(_Strict):
    """Words that make a post count ``weight`` times in the volume's change detector (more evidence of a crisis),
    and lift a signal's severity one level when at least ``min_posts`` posts of the window carry them."""

    terms: dict[str, list[str]] = {}
    min_posts: int = Field(3, ge=1)
    weight: float = Field(3.0, ge=1, le=20, description="how many posts a post with a risk term counts as")

    @field_validator("terms")
    @classmethod
    def _languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language in value:
            if language not in LANGUAGES:
                raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
        return value


class Signals(_Strict):
    volume: VolumeSignal | None = VolumeSignal()
    negative: NegativeSignal | None = NegativeSignal()
    reach: ReachSignal | None = ReachSignal()


class MastodonSource(_Strict):
    type: Literal["mastodon"]
    api_base_url: str
    hashtags: list[str] = Field(min_length=1)
    token_env: str | None = None  # the environment variable holding the access token
    every_seconds: int = Field(60, ge=10)


class BlueskySource(_Strict):
    """Bluesky's post search (``app.bsky.feed.searchPosts``) for each of ``terms``; the handle and app password
    come from the environment variables named here (without them, the public AppView is searched)."""

    type: Literal["bluesky"]
    terms: list[str] = Field(min_length=1)
    service_url: str = "https://bsky.social"
    handle_env: str | None = "BLUESKY_HANDLE"
    password_env: str | None = "BLUESKY_APP_PASSWORD"
    language: str | None = None  # only posts in this language (e.g. de)
    every_seconds: int = Field(60, ge=10)

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        if any(not term.strip() for term in value):
            raise ValueError("an empty search term")
        return value


class FeedSource(_Strict):
    type: Literal["feed"]
    url: str
    every_seconds: int = Field(300, ge=30)


class Monitor(_Strict):
    id: str
    title: str
    platforms: list[str] = []  # empty: posts from every platform count
    terms: Terms
    risk_terms: RiskTerms = RiskTerms()
    signals: Signals = Signals()
    calm: CalmDown | None = CalmDown()
    sources: list[Annotated[MastodonSource | FeedSource | BlueskySource, Field(discriminator="type")]] = []

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be lowercase letters, digits and '-', e.g. acme-brand")
        return value

    @model_validator(mode="after")
    def _checks(self) -> Monitor:
        if not self.terms.all():
            raise ValueError("terms: name at least one term to watch")
        for name in ("volume", "negative", "reach"):
            signal = getattr(self.signals, name)
            if signal is not None and not _KIND.match(signal.kind):
                raise ValueError(f"signals.{name}.kind: {signal.kind!r} is not a playbook kind (e.g. shitstorm)")
        return self


def _check_kinds(monitor: Monitor, name: str, known_kinds: set[str] | None) -> list[Problem]:
    if not known_kinds:
        return []
    return [Problem(name, f"signals.{key}.kind", f"no playbook handles kind {signal.kind!r}")
            for key in ("volume", "negative", "reach")
            if (signal := getattr(monitor.signals, key)) is not None and signal.kind not in known_kinds]


def collect(directory: str | Path, known_kinds: set[str] | None = None) -> tuple[list[Monitor], list[Problem]]:
    """Every monitor in ``directory`` and every problem found (file, field, message)."""
    folder = Path(directory)
    if not folder.is_dir():
        return [], [Problem(str(directory), "", "the monitors folder does not exist (set WARROOM_MONITORS)")]
    monitors: list[Monitor] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        name = path.name
        data, found = read_yaml(path, name)
        if found:
            problems += found
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, "", "expected a mapping of fields (id, title, terms, ...)"))
            continue
        try:
            monitor = Monitor.model_validate(data)
        except ValidationError as exc:
            problems += problems_from_validation(name, exc, set(Monitor.model_fields))
            continue
        if monitor.id in seen:
            problems.append(Problem(name, "id", f"{monitor.id!r} is already the id of {seen[monitor.id]}"))
            continue
        found = _check_kinds(monitor, name, known_kinds)
        if found:
            problems += found
            continue
        seen[monitor.id] = name
        monitors.append(monitor)
    return monitors, problems


def validate_directory(directory: str | Path, known_kinds: set[str] | None = None) -> list[Problem]:
    return collect(directory, known_kinds)[1]


def load_monitors(directory: str | Path, known_kinds: set[str] | None = None) -> list[Monitor]:
    """The monitors of ``directory``; raises PlaybookError listing every problem."""
    monitors, problems = collect(directory, known_kinds)
    if problems:
        raise PlaybookError(problems)
    return monitors
