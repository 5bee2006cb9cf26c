"""Column types of our own: ``UTCDateTime``, an instant in UTC that is always read back timezone-aware.

Every datetime column of every model names this type (``Field(sa_type=UTCDateTime)``), so what a column
returns does not depend on which SQLModel release picks the default type for a bare ``datetime``.
It is SQLModel's ``UTCDateTime`` (a ``DateTime(timezone=True)``) with our error for naive values:
- SQLite has no time zones: it keeps the UTC wall time, naive, in the form SQLAlchemy has always written
  (``2026-11-22 09:22:00.000000``), so rows written before this type read back as the same instants.
- PostgreSQL keeps a ``timestamp with time zone`` (the migrations create every datetime column so).
- Either way a value read is aware and in UTC; an aware value in any zone is converted to UTC when written.

A naive datetime is refused when it is written or compared, with ``NaiveDatetimeError``: it names no
instant, and guessing ("surely UTC", "surely local") is how times end up an hour off. Build times with
``app.timeutil.utcnow()`` or give them a ``tzinfo``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Dialect
from sqlmodel.sql.sqltypes import UTCDateTime as _SQLModelUTCDateTime

__all__ = ["NaiveDatetimeError", "UTCDateTime"]


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone was given where an instant is stored or compared."""


class UTCDateTime(_SQLModelUTCDateTime):
    """An instant: stored in UTC, refused when naive, always returned aware in UTC."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a UTCDateTime column takes a datetime, not {type(value).__name__}: {value!r}")
        if value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"naive datetime {value.isoformat()} has no time zone: give it one (tzinfo=UTC) "
                "or take the time from app.timeutil.utcnow()"
            )
        return super().process_bind_param(value, dialect)
