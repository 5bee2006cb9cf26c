"""The body of ``POST /mentions``: a batch of posts, each checked; a wrong field is named in the 422.

``{"mentions": [{"platform", "post_id", "author", "followers", "text", "language", "created_at", "url",
"likes", "shares", "replies"}, ...]}``. Text longer than ``TEXT_MAX`` is shortened, never refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.alerts.formats import values as check
from app.alerts.formats.model import validate

BATCH_MAX = 1_000  # posts per request
BODY_MAX = 1024 * 1024  # bytes per request (413 beyond)
TEXT_MAX = 10_000
ID_MAX = 255
PLATFORM_MAX = 32


def _post_id(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return check.required_text(value, ID_MAX)


def _platform(value: Any) -> str:
    text = check.required_text(value, PLATFORM_MAX).lower()
    if not all(c.isalnum() or c in "-_." for c in text):
        raise check.invalid("must be a platform name of letters, digits, '-', '_' or '.', e.g. mastodon")
    return text


def _count(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value):
        raise check.invalid("must be a whole number, 0 or more")
    return int(value)


def _language(value: Any) -> str | None:
    text = check.optional_text(value, 16)
    return text.strip().lower().replace("_", "-").split("-")[0] or None if text else None


def _created(value: Any) -> datetime:
    moment = check.time(value)
    if moment is None:
        raise check.invalid("is required: " + check.TIME_EXAMPLE)
    return moment


class PostBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    platform: Annotated[str, BeforeValidator(_platform)]
    post_id: Annotated[str, BeforeValidator(_post_id)]
    author: Annotated[str, BeforeValidator(lambda v: check.optional_text(v, ID_MAX) or "")] = ""
    followers: Annotated[int, BeforeValidator(_count)] = 0
    text: Annotated[str, BeforeValidator(lambda v: check.clip(check.required_text(v), TEXT_MAX))]
    language: Annotated[str | None, BeforeValidator(_language)] = None
    created_at: Annotated[datetime, BeforeValidator(_created)]
    url: Annotated[str | None, BeforeValidator(lambda v: check.http_url(v, 3_000))] = None
    likes: Annotated[int, BeforeValidator(_count)] = 0
    shares: Annotated[int, BeforeValidator(_count)] = 0
    replies: Annotated[int, BeforeValidator(_count)] = 0


class MentionsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    mentions: list[PostBody] = Field(max_length=BATCH_MAX)


@dataclass
class PostIn:
    """One post, from the intake or a pull connector."""

    platform: str
    post_id: str
    text: str
    created_at: datetime
    author: str = ""
    followers: int = 0
    language: str | None = None
    url: str | None = None
    likes: int = 0
    shares: int = 0
    replies: int = 0

    @property
    def engagement(self) -> int:
        return self.likes + self.shares + self.replies


def parse_mentions(body: object) -> list[PostIn]:
    """The posts of a ``POST /mentions`` body; raises AlertFormatError naming each wrong field."""
    batch = validate(MentionsBody, body)
    return [PostIn(**post.model_dump()) for post in batch.mentions]
