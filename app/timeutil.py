"""Time helpers: the clock, duration strings like ``15m`` / ``72h``, and display in the team's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.errors import UserError

_DURATION = re.compile(
    r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$"
)
_MONTHS = re.compile(r"^\s*\d+\s*(?:mo|mon|month|months|monat|monate)\s*$")


class DurationError(UserError, ValueError):
    """A duration string that is not of the form ``90s``, ``15m``, ``1h30m``, ``3d`` or ``4w``."""


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (freezegun-friendly)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive value is taken to be UTC already. Idempotent.

    Stored columns come back aware in UTC already (``app.dbtypes.UTCDateTime``): this is for times from
    elsewhere, such as text people type, job payloads and function arguments.
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_duration(text: str) -> timedelta:
    """Parse ``15m``, ``1h``, ``1h30m``, ``72h``, ``2d``, ``4w`` or ``45s`` into a timedelta.

    Months are refused: they differ in length, so a legal "one month" is written as the shortest one
    (``28d``), which is never late.
    """
    if not isinstance(text, str) or not text.strip():
        raise DurationError(key="duration.error.empty", quoted=repr(text))
    if _MONTHS.match(text.lower()):
        raise DurationError(key="duration.error.months", quoted=repr(text))
    match = _DURATION.match(text.lower())
    if not match or not any(match.groups()):
        raise DurationError(key="duration.error.form", quoted=repr(text))
    weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    value = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value <= timedelta(0):
        raise DurationError(key="duration.error.zero", quoted=repr(text))
    return value


def format_duration(value: timedelta) -> str:
    """Render a timedelta compactly: ``1h 05m``, ``12m``, ``2d 3h``; negative values get a minus sign."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m"


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for an IANA name; raises ValueError naming the bad value."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin") from exc


def local_clock(value: datetime, tz_name: str | None) -> str:
    """``14:30 CET``: a time as people in the team's time zone read it."""
    local = as_utc(value).astimezone(zone(tz_name))
    return f"{local:%H:%M} {local.tzname()}"


def local_datetime(value: datetime, tz_name: str | None) -> str:
    """``2026-11-22 14:30 CET``."""
    local = as_utc(value).astimezone(zone(tz_name))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
