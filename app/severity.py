"""Severity levels of a crisis, ordered from low to critical."""

from __future__ import annotations

from enum import StrEnum

from app.errors import UserError


class SeverityError(UserError, ValueError):
    """An unknown severity level (a ValueError too, for the playbook schema's validators)."""


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ORDER.index(self)

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse a level name (case-insensitive); the error lists the valid levels."""
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise SeverityError(
                f"unknown severity {value!r}: use one of {', '.join(s.value for s in ORDER)}"
            ) from None


ORDER = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]

EMOJI = {
    Severity.LOW: ":large_green_circle:",
    Severity.MEDIUM: ":large_yellow_circle:",
    Severity.HIGH: ":large_orange_circle:",
    Severity.CRITICAL: ":red_circle:",
}
