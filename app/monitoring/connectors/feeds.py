"""News and blog feeds (RSS and Atom) parsed with feedparser, fetched with a conditional GET (ETag, Last-Modified).

Each entry is a post of platform ``feed``, identified by its id (else its link); reading a feed again stores
nothing twice. An entry without a date counts as written now.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser
import httpx

from app.monitoring.connectors.mastodon import html_text
from app.monitoring.definitions import FeedSource
from app.monitoring.intake import ID_MAX, TEXT_MAX, PostIn

TIMEOUT = 15
MAX_BYTES = 5 * 1024 * 1024


class FeedError(Exception):
    """The feed could not be read; the message says why."""


@dataclass
class Fetched:
    posts: list[PostIn]
    etag: str | None
    modified: str | None


def _time(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _post(entry, language: str | None, now: datetime) -> PostIn:
    link = entry.get("link")
    title = html_text(entry.get("title", ""))
    summary = html_text(entry.get("summary", ""))
    ident = entry.get("id") or link or hashlib.sha256((title + summary).encode()).hexdigest()
    text = f"{title} — {summary}" if title and summary else title or summary
    return PostIn(platform="feed", post_id=ident[:ID_MAX], text=text[:TEXT_MAX] or "(empty entry)",
                  created_at=_time(entry) or now, author=str(entry.get("author") or "")[:ID_MAX],
                  language=(language or "").split("-")[0].lower() or None,
                  url=link if isinstance(link, str) and link.startswith(("http://", "https://")) else None)


def fetch(source: FeedSource, etag: str | None, modified: str | None, now: datetime) -> Fetched:
    """The feed's entries (none when unchanged since ``etag``/``modified``); raises FeedError on failure."""
    headers = {"User-Agent": "warroom-monitoring (+https://github.com/)"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=True) as http:
            response = http.get(source.url, headers=headers)
    except httpx.HTTPError as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code == 304:
        return Fetched([], etag, modified)
    if response.status_code >= 400:
        raise FeedError(f"HTTP {response.status_code} from {source.url}")
    if len(response.content) > MAX_BYTES:
        raise FeedError(f"the feed is over {MAX_BYTES // (1024 * 1024)} MiB")
    parsed = feedparser.parse(response.content, response_headers={"content-location": source.url,
                                                                  "content-type": response.headers.get(
                                                                      "content-type", "application/xml")})
    if not parsed.entries and parsed.get("bozo"):
        raise FeedError(f"not an RSS or Atom feed: {parsed.get('bozo_exception')}")
    language = parsed.feed.get("language")
    return Fetched([_post(entry, language, now) for entry in parsed.entries],
                   response.headers.get("etag"), response.headers.get("last-modified"))
