"""Bluesky: a monitor's search terms read with the AT Protocol SDK (``atproto``), ``app.bsky.feed.searchPosts``
sorted by latest, newest first, up to ``PAGES`` pages of ``PAGE`` a poll.

The cursor is the newest post time seen per term; a poll asks only for posts since then (Bluesky's ``since``),
the first poll only for the latest page. Search results carry no follower counts: for the authors of the posts
that can matter for reach (the poll's ``TOP`` most engaged, and every post with at least one engagement per
``ENGAGEMENT_PER_FOLLOWERS`` followers of the monitor's reach threshold) they are asked for with
``app.bsky.actor.getProfiles``, ``PROFILES`` actors a request, and kept in a ``FollowerCache`` for an hour.
With a handle and an app password in the environment variables the monitor names, the connector logs in first
(``com.atproto.server.createSession``); without them it searches the public AppView. The SDK is large (about
55 MB once imported): it is imported only when a Bluesky source is polled.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.monitoring.connectors.profiles import FollowerCache
from app.monitoring.definitions import BlueskySource, ReachSignal
from app.monitoring.intake import ID_MAX, TEXT_MAX, PostIn

if TYPE_CHECKING:
    from atproto_client import Client

PAGE = 100  # searchPosts' largest page
PAGES = 5
TIMEOUT = 10
PROFILES = 25  # getProfiles' most actors a request
TOP = 10  # the most engaged posts of a poll: their authors' followers are always asked for
ENGAGEMENT_PER_FOLLOWERS = 10_000  # a post with fewer engagements is unlikely to come from an account this large


class BlueskyError(Exception):
    """A credential is missing or the platform refused; the message says which."""


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _web_url(uri: str, handle: str) -> str | None:
    """``at://did/app.bsky.feed.post/rkey`` as the post's page on bsky.app."""
    parts = uri.split("/")
    if len(parts) == 5 and parts[3] == "app.bsky.feed.post" and handle:
        return f"https://bsky.app/profile/{handle}/post/{parts[4]}"
    return None


def _post(view: Any, now: datetime) -> PostIn:
    record = view.record
    text = getattr(record, "text", None) if not isinstance(record, dict) else record.get("text")
    created = getattr(record, "created_at", None) if not isinstance(record, dict) else record.get("createdAt")
    langs = getattr(record, "langs", None) if not isinstance(record, dict) else record.get("langs")
    handle = str(view.author.handle or "")
    return PostIn(platform="bluesky", post_id=str(view.uri)[:ID_MAX], text=(text or "(empty post)")[:TEXT_MAX],
                  created_at=_time(created) or _time(view.indexed_at) or now, author=handle[:ID_MAX],
                  language=(langs[0].split("-")[0].lower() if langs else None), url=_web_url(str(view.uri), handle),
                  likes=int(view.like_count or 0), shares=int(view.repost_count or 0) + int(view.quote_count or 0),
                  replies=int(view.reply_count or 0))


def client(source: BlueskySource) -> Client:
    """A client for the source's service, logged in when the environment holds its credentials."""
    from atproto_client import Client
    from atproto_client.request import Request

    api = Client(base_url=source.service_url.rstrip("/") + "/xrpc", request=Request(timeout=TIMEOUT))
    handle = os.environ.get(source.handle_env) if source.handle_env else None
    password = os.environ.get(source.password_env) if source.password_env else None
    if handle and password:
        api.login(handle, password, fetch_bsky_profile=False)
    elif handle or password:
        missing = source.password_env if handle else source.handle_env
        raise BlueskyError(f"{missing} is not set: set both the handle and the app password, or neither")
    return api


def _did(post: PostIn) -> str:
    """The author's DID, from the post's ``at://did/app.bsky.feed.post/rkey`` id."""
    return post.post_id.removeprefix("at://").split("/", 1)[0]


def worth_a_profile(posts: list[PostIn], reach: ReachSignal | None) -> list[PostIn]:
    """The posts whose authors' follower counts can matter: the ``TOP`` most engaged of the poll (the room shows
    the top posts with their reach) and, with a reach signal, each with at least one engagement per
    ``ENGAGEMENT_PER_FOLLOWERS`` followers of its threshold (or gathering engagement fast enough to pass it)."""
    ranked = sorted(posts, key=lambda p: p.engagement, reverse=True)
    chosen = {id(p): p for p in ranked[:TOP]}
    if reach is not None:
        floor = max(1.0, reach.followers / ENGAGEMENT_PER_FOLLOWERS)
        for post in ranked[TOP:]:
            if post.engagement < floor:
                break  # ranked: the rest have fewer
            chosen[id(post)] = post
    return list(chosen.values())


def followers(api: Client, dids: list[str], cache: FollowerCache, now: datetime) -> dict[str, int]:
    """The follower counts of ``dids``: from the cache, the others asked for ``PROFILES`` at a time (an actor
    Bluesky does not know, or that is taken down, is left out of its answer and counts as unknown)."""
    known = {did: count for did in dict.fromkeys(dids) if (count := cache.get(did, now)) is not None}
    missing = [did for did in dict.fromkeys(dids) if did not in known]
    for start in range(0, len(missing), PROFILES):
        answer = api.app.bsky.actor.get_profiles(params={"actors": missing[start:start + PROFILES]})
        for profile in answer.profiles:
            count = int(profile.followers_count or 0)
            cache.put(profile.did, count, now)
            known[profile.did] = count
    return known


def fetch(source: BlueskySource, cursor: str | None, now: datetime, *, reach: ReachSignal | None = None,
          cache: FollowerCache | None = None) -> tuple[list[PostIn], str]:
    """New posts for the source's terms since ``cursor``, and the cursor to keep; raises on any failure.

    The authors of the posts that can matter for ``reach`` get their follower counts (``worth_a_profile``),
    kept in ``cache`` (a new one when None)."""
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    api = client(source)
    posts: dict[str, PostIn] = {}
    for term in source.terms:
        since = seen.get(term)
        page_cursor: str | None = None
        newest = since
        for _page in range(PAGES if since else 1):
            params: dict[str, Any] = {"q": term, "sort": "latest", "limit": PAGE}
            if since:
                params["since"] = since
            if source.language:
                params["lang"] = source.language
            if page_cursor:
                params["cursor"] = page_cursor
            found = api.app.bsky.feed.search_posts(params=params)
            for view in found.posts:
                post = _post(view, now)
                posts.setdefault(post.post_id, post)
                stamp = post.created_at.isoformat().replace("+00:00", "Z")
                newest = stamp if newest is None or stamp > newest else newest
            page_cursor = found.cursor
            if not page_cursor or len(found.posts) < PAGE:
                break
        if newest:
            seen[term] = newest
    found = list(posts.values())
    wanted = worth_a_profile(found, reach)
    counts = followers(api, [_did(p) for p in wanted], cache if cache is not None else FollowerCache(), now)
    for post in wanted:
        post.followers = counts.get(_did(post), 0)
    return found, json.dumps(seen, sort_keys=True)
