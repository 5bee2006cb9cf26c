"""Local fakes of the platforms the pull connectors read, for tests and benchmarks: served on loopback.

``FakeMastodon`` answers ``GET /api/v1/timelines/tag/:hashtag`` as Mastodon does: newest first, at most 40
a page (a larger ``limit`` is cut to 40), ``min_id`` / ``since_id`` / ``max_id`` paging, a bearer token
when one is set (401 otherwise), rate-limit headers and 429 once the limit is used up. ``FakeFeed`` serves
an RSS 2.0 or Atom document with an ETag, answering 304 to a matching ``If-None-Match``. Either can be
told to fail (``fail_with``) to exercise back-off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.sandbox.harness import ServerThread, free_port

PAGE_MAX = 40


class _Served:
    def __init__(self, routes: list[Route]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.fail_with: int | None = None  # answer every request with this status
        self.requests = 0
        self._server = ServerThread(Starlette(routes=routes), self.port)

    def start(self):
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


class FakeMastodon(_Served):
    def __init__(self, token: str | None = None, rate_limit: int = 300) -> None:
        super().__init__([Route("/api/v1/timelines/tag/{hashtag}", self._tag)])
        self.token = token
        self.rate_limit = rate_limit
        self.statuses: dict[str, list[dict]] = {}
        self._next_id = 109_000_000_000_000_000

    def post(self, hashtag: str, html: str, *, acct: str = "someone@example.social", followers: int = 10,
             language: str | None = "en", created_at: datetime | None = None, favourites: int = 0,
             reblogs: int = 0, replies: int = 0) -> dict:
        self._next_id += 1
        status = {
            "id": str(self._next_id), "uri": f"{self.url}/users/x/statuses/{self._next_id}",
            "url": f"{self.url}/@{acct.split('@')[0]}/{self._next_id}",
            "created_at": (created_at or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
            "content": html, "language": language, "visibility": "public", "sensitive": False, "spoiler_text": "",
            "favourites_count": favourites, "reblogs_count": reblogs, "replies_count": replies,
            "account": {"id": "1", "username": acct.split("@")[0], "acct": acct, "display_name": acct,
                        "followers_count": followers, "following_count": 1, "statuses_count": 1,
                        "created_at": "2020-01-01T00:00:00.000Z", "url": f"{self.url}/@{acct}"},
            "tags": [{"name": hashtag.lower(), "url": f"{self.url}/tags/{hashtag.lower()}"}],
            "mentions": [], "emojis": [], "media_attachments": [],
        }
        self.statuses.setdefault(hashtag.lower(), []).append(status)
        return status

    async def _tag(self, request: Request) -> Response:
        self.requests += 1
        remaining = self.rate_limit - self.requests
        reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
        headers = {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": str(max(remaining, 0)),
                   "X-RateLimit-Reset": reset}
        if self.fail_with:
            return JSONResponse({"error": "Service unavailable"}, status_code=self.fail_with, headers=headers)
        if remaining < 0:
            return JSONResponse({"error": "Too many requests"}, status_code=429, headers=headers)
        if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": "The access token is invalid"}, status_code=401, headers=headers)
        query = request.query_params
        try:
            limit = min(int(query.get("limit", 20)), PAGE_MAX)
        except ValueError:
            return JSONResponse({"error": "limit must be a number"}, status_code=400)
        found = sorted(self.statuses.get(request.path_params["hashtag"].lower(), []), key=lambda s: int(s["id"]))
        if query.get("max_id"):
            found = [s for s in found if int(s["id"]) < int(query["max_id"])]
        if query.get("since_id"):
            found = [s for s in found if int(s["id"]) > int(query["since_id"])]
        if query.get("min_id"):  # the page right after min_id
            found = [s for s in found if int(s["id"]) > int(query["min_id"])][:limit]
        else:  # the newest page
            found = found[-limit:]
        return JSONResponse(list(reversed(found)), headers=headers)


class FakeFeed(_Served):
    def __init__(self, atom: bool = False, language: str = "en") -> None:
        super().__init__([Route("/feed.xml", self._feed)])
        self.atom = atom
        self.language = language
        self.entries: list[dict] = []
        self.body_override: bytes | None = None  # serve this instead (e.g. a page that is not a feed)

    def add(self, title: str, summary: str = "", *, published: datetime | None = None, guid: str | None = None,
            author: str = "Reporter") -> None:
        number = len(self.entries) + 1
        self.entries.append({"title": title, "summary": summary, "published": published or datetime.now(UTC),
                             "guid": guid or f"{self.url}/articles/{number}", "link": f"{self.url}/articles/{number}",
                             "author": author})

    def _document(self) -> bytes:
        if self.atom:
            updated = max((e["published"] for e in self.entries), default=datetime(2026, 1, 1, tzinfo=UTC))
            items = "".join(
                f"<entry><id>{escape(e['guid'])}</id><title>{escape(e['title'])}</title>"
                f"<link href=\"{escape(e['link'])}\"/><updated>{e['published'].isoformat()}</updated>"
                f"<author><name>{escape(e['author'])}</name></author><summary>{escape(e['summary'])}</summary></entry>"
                for e in self.entries)
            return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" "
                    f"xml:lang=\"{self.language}\"><title>News</title><id>{self.url}/</id>"
                    f"<updated>{updated.isoformat()}</updated>{items}</feed>").encode()
        items = "".join(
            f"<item><guid>{escape(e['guid'])}</guid><title>{escape(e['title'])}</title><link>{escape(e['link'])}</link>"
            f"<pubDate>{format_datetime(e['published'])}</pubDate><author>{escape(e['author'])}</author>"
            f"<description>{escape(e['summary'])}</description></item>" for e in self.entries)
        return (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>News</title>"
                f"<link>{self.url}/</link><description>News</description><language>{self.language}</language>"
                f"{items}</channel></rss>").encode()

    async def _feed(self, request: Request) -> Response:
        self.requests += 1
        if self.fail_with:
            return Response("unavailable", status_code=self.fail_with)
        body = self.body_override if self.body_override is not None else self._document()
        etag = f"\"{hash(body) & 0xFFFFFFFF:x}\""
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        media = "text/html" if self.body_override is not None else (
            "application/atom+xml" if self.atom else "application/rss+xml")
        return Response(body, media_type=media, headers={"ETag": etag})
