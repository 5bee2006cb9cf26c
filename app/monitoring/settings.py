"""Monitoring settings from the environment: where the monitors are, how long mentions are kept."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def shipped_monitors() -> Path:
    """The monitors that come with the project (next to the package in a checkout), else ``monitors``."""
    beside = Path(__file__).resolve().parents[2] / "monitors"
    return beside if beside.is_dir() else Path("monitors")


class MonitoringSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    warroom_monitors: Path = Field(default_factory=shipped_monitors)
    warroom_mention_retention_days: int = Field(30, ge=1, description="days raw posts are kept")
    warroom_rollup_retention_days: int = Field(400, ge=1, description="days per-minute rollups are kept")
    warroom_monitor_cooldown_minutes: int = Field(60, ge=1, description="minutes before a signal is raised again")
