"""Mastodon: a monitor's hashtags read with Mastodon.py, oldest unseen page first, up to ``PAGES`` pages a poll.

The cursor is the newest status id seen per hashtag; the first poll reads only the latest page. The access
token (optional for public hashtag timelines) comes from the environment variable the monitor names.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from html.parser import HTMLParser

from mastodon import Mastodon

from app.monitoring.definitions import MastodonSource
from app.monitoring.intake import TEXT_MAX, PostIn

PAGE = 40  # Mastodon's largest page of a timeline
PAGES = 5
TIMEOUT = 10


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, _attrs) -> None:
        if tag in ("br", "p"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    """The text of a status's HTML content, whitespace collapsed."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())


def _post(status) -> PostIn:
    account = status.get("account") or {}
    created = status.get("created_at")
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
    return PostIn(platform="mastodon", post_id=str(status["id"]), text=html_text(status.get("content", ""))[:TEXT_MAX],
                  created_at=created, author=str(account.get("acct") or ""),
                  followers=int(account.get("followers_count") or 0), language=status.get("language"),
                  url=status.get("url") or status.get("uri"), likes=int(status.get("favourites_count") or 0),
                  shares=int(status.get("reblogs_count") or 0), replies=int(status.get("replies_count") or 0))


def client(source: MastodonSource) -> Mastodon:
    token = os.environ.get(source.token_env) if source.token_env else None
    return Mastodon(api_base_url=source.api_base_url, access_token=token or None, request_timeout=TIMEOUT,
                    version_check_mode="none", ratelimit_method="throw")


def fetch(source: MastodonSource, cursor: str | None) -> tuple[list[PostIn], str]:
    """New posts on the source's hashtags since ``cursor``, and the cursor to keep; raises on any failure."""
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    api = client(source)
    posts: list[PostIn] = []
    for tag in source.hashtags:
        tag = tag.lstrip("#")
        newest = seen.get(tag)
        for _page in range(PAGES if newest else 1):
            statuses = api.timeline_hashtag(tag, min_id=newest, limit=PAGE) if newest else \
                api.timeline_hashtag(tag, limit=PAGE)
            if not statuses:
                break
            posts += [_post(status) for status in statuses]
            newest = str(max(int(status["id"]) for status in statuses))
            if len(statuses) < PAGE:
                break
        if newest:
            seen[tag] = newest
    return posts, json.dumps(seen, sort_keys=True)
