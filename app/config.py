"""Configuration from environment variables (and a ``.env`` file), validated once at start."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.timeutil import parse_duration, zone

SANDBOX_TOKEN = "xoxb-sandbox"
SANDBOX_SECRET = "sandbox-signing-secret"
DEFAULT_API_URL = "https://slack.com/api/"
# Bot tokens as Slack issues them: plain, or rotating (token rotation on) with the xoxe. prefix.
BOT_TOKEN_PREFIXES = ("xoxb-", "xoxe.xoxb-")
# Slack's signing secrets are 32 characters; anything shorter is not one, and is easier to guess.
MIN_SECRET_LENGTH = 32


class ConfigError(ValueError):
    """One or more settings are missing or malformed; the message names each of them."""


class Settings(BaseSettings):
    """Every setting the bot reads. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str = Field(default=SANDBOX_TOKEN, description="Bot token (xoxb-...)")
    slack_signing_secret: str = Field(default=SANDBOX_SECRET, description="Signing secret of the app")
    slack_app_token: str | None = Field(default=None, description="App-level token (xapp-...) for Socket Mode")
    slack_api_url: str = Field(default=DEFAULT_API_URL, description="Base URL of the Web API")
    database_url: str = Field(default="sqlite:///warroom.db")
    warroom_playbooks: Path = Path("playbooks")
    warroom_roster: Path = Path("roster.yml")
    warroom_alert_token: str | None = Field(default=None, description="Bearer token for alert intake")
    warroom_pagerduty_secret: str | None = None
    warroom_announce_channel: str | None = None
    warroom_exec_channel: str | None = None
    warroom_publish_webhook: str | None = None
    warroom_publish_secret: str | None = None
    warroom_archive_after: str = "24h"
    warroom_company_name: str = ""  # unset: the statements say "Our company" / "Unser Unternehmen"
    warroom_info_source: str = "https://status.example.com"
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    warroom_llm_model: str = "gpt-4o-mini"
    warroom_llm_timeout: float = 20.0
    warroom_language: Literal["en", "de"] = "en"
    warroom_staff_address: Literal["sie", "du"] = "sie"
    warroom_timezone: str = "UTC"
    warroom_directory_ttl: float = Field(default=300.0, gt=0, description="Seconds user-group look-ups are cached")
    port: int = 3000

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str) -> str:
        if not value.startswith(BOT_TOKEN_PREFIXES):
            raise ValueError("must be a bot token starting with xoxb- (or xoxe.xoxb- when tokens rotate)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value or None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be a SQLAlchemy URL such as sqlite:///warroom.db")
        return value

    @field_validator("warroom_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("warroom_archive_after")
    @classmethod
    def _archive_after(cls, value: str) -> str:
        parse_duration(value)
        return value

    @cached_property
    def sandbox(self) -> bool:
        """True while no real workspace is configured (the built-in sandbox token)."""
        return self.slack_bot_token == SANDBOX_TOKEN

    @property
    def llm_enabled(self) -> bool:
        return bool(self.openai_api_key)

    @property
    def socket_mode(self) -> bool:
        """Slack traffic comes over Socket Mode (an app-level token is set), not to an HTTP Request URL."""
        return bool(self.slack_app_token)


def serving_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve Slack's Request URL, one line per variable; empty when safe.

    The sandbox's signing secret is public: paired with a real bot token, anyone could forge a request
    that the bot would act on in the real workspace. In Socket Mode no Request URL is served, so no
    secret is needed.
    """
    if settings.sandbox or settings.socket_mode:
        return []
    secret = settings.slack_signing_secret.strip()
    where = "(api.slack.com/apps -> your app -> Basic Information -> Signing Secret)"
    if not secret or "slack_signing_secret" not in settings.model_fields_set:
        problem = f"not set; a real SLACK_BOT_TOKEN needs the app's own signing secret {where}"
    elif secret == SANDBOX_SECRET:
        problem = f"is the public sandbox secret, which anyone can sign requests with; set the app's own {where}"
    elif len(secret) < MIN_SECRET_LENGTH:
        problem = (f"is {len(secret)} characters long; Slack's signing secrets have {MIN_SECRET_LENGTH}: "
                   f"copy the whole secret {where}")
    else:
        return []
    return [f"SLACK_SIGNING_SECRET: {problem} (or set SLACK_APP_TOKEN to use Socket Mode)"]


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings; raise ConfigError listing every bad variable by name."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
