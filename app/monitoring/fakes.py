"""Local fakes of the platforms the pull connectors read, for tests and benchmarks: served on loopback.

``FakeMastodon`` answers ``GET /api/v1/timelines/tag/:hashtag`` as Mastodon does: newest first, at most 40
a page (a larger ``limit`` is cut to 40), ``min_id`` / ``since_id`` / ``max_id`` paging, a bearer token
when one is set (401 otherwise), rate-limit headers and 429 once the limit is used up. ``FakeFeed`` serves
an RSS 2.0 or Atom document with an ETag, answering 304 to a matching ``If-None-Match``. ``FakeBluesky``
answers Bluesky's log-in and post search (see the class). Each can be told to fail (``fail_with``) to
exercise back-off.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
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


PROFILES_MAX = 25  # getProfiles' most actors a request


def _jwt(subject: str, scope: str, lifetime: timedelta) -> str:
    """A token shaped like the PDS's (the SDK reads its expiry; nothing here checks a signature)."""
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = datetime.now(UTC)
    payload = {"scope": scope, "sub": subject, "iat": int(now.timestamp()), "exp": int((now + lifetime).timestamp())}
    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(payload)}.{part({'sig': secrets.token_hex(8)})}"


def _xrpc_error(status: int, error: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


class FakeBluesky(_Served):
    """``com.atproto.server.createSession``, ``app.bsky.feed.searchPosts`` and ``app.bsky.actor.getProfiles`` as
    Bluesky answers them: a search needs ``q``, takes ``limit`` 1 to 100 (400 otherwise), ``sort`` top or latest,
    ``since``/``until`` and ``lang``, pages with an opaque ``cursor``; getProfiles takes 1 to 25 ``actors`` (DIDs
    or handles; 400 otherwise) and leaves out the ones it does not know; with an account set, both need its
    access token (401 otherwise) and a wrong password is refused; rate-limit headers, and 429 once the limit
    is used up."""

    def __init__(self, handle: str | None = None, password: str | None = None, rate_limit: int = 3000) -> None:
        super().__init__([Route("/xrpc/com.atproto.server.createSession", self._session, methods=["POST"]),
                          Route("/xrpc/app.bsky.feed.searchPosts", self._search),
                          Route("/xrpc/app.bsky.actor.getProfiles", self._profiles)])
        self.handle, self.password = handle, password
        self.did = "did:plc:fakebluesky0000000000000"
        self.rate_limit = rate_limit
        self.posts: list[dict] = []
        self.tokens: set[str] = set()
        self.searches: list[dict[str, str]] = []
        self.profiles: dict[str, dict] = {}  # by DID
        self.profile_requests: list[list[str]] = []  # the actors of each getProfiles request

    def profile(self, handle: str, followers: int | None = None) -> dict:
        """The account ``handle`` (made on first use, one DID a handle), its follower count set when given."""
        did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        found = self.profiles.setdefault(did, {"did": did, "handle": handle, "displayName": handle.split(".")[0],
                                               "followersCount": 0, "followsCount": 12, "postsCount": 0})
        if followers is not None:
            found["followersCount"] = followers
        return found

    def post(self, text: str, *, handle: str = "someone.bsky.social", created_at: datetime | None = None,
             likes: int = 0, reposts: int = 0, replies: int = 0, quotes: int = 0, langs: list[str] | None = None,
             followers: int | None = None) -> dict:
        number = len(self.posts) + 1
        created = (created_at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
        author = self.profile(handle, followers)
        author["postsCount"] += 1
        did = author["did"]
        view = {
            "uri": f"at://{did}/app.bsky.feed.post/3k{number:011d}", "cid": f"bafyreib{number:052d}",
            "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0]},
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": created,
                       "langs": langs or ["en"]},
            "indexedAt": created, "likeCount": likes, "repostCount": reposts, "replyCount": replies,
            "quoteCount": quotes, "labels": [],
        }
        self.posts.append(view)
        return view

    def _limited(self) -> tuple[dict, JSONResponse | None]:
        self.requests += 1
        remaining = self.rate_limit - self.requests
        reset = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
        headers = {"ratelimit-limit": str(self.rate_limit), "ratelimit-remaining": str(max(remaining, 0)),
                   "ratelimit-reset": str(reset), "ratelimit-policy": f"{self.rate_limit};w=300"}
        if self.fail_with:
            return headers, _xrpc_error(self.fail_with, "InternalServerError", "Internal Server Error", headers)
        if remaining < 0:
            return headers, _xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
        return headers, None

    async def _session(self, request: Request) -> Response:
        headers, refused = self._limited()
        if refused:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return _xrpc_error(400, "InvalidRequest", "Input must be JSON")
        if not isinstance(body, dict) or not body.get("identifier") or not body.get("password"):
            return _xrpc_error(400, "InvalidRequest", "Input must have the properties identifier and password")
        if body["identifier"] != self.handle or body["password"] != self.password:
            return _xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        access = _jwt(self.did, "com.atproto.appPass", timedelta(hours=2))
        self.tokens.add(access)
        return JSONResponse({"did": self.did, "handle": self.handle, "accessJwt": access, "active": True,
                             "refreshJwt": _jwt(self.did, "com.atproto.refresh", timedelta(days=60))},
                            headers=headers)

    def _signed_in(self, request: Request, headers: dict) -> JSONResponse | None:
        """401 when the fake has an account and the request does not carry its access token."""
        if self.handle:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return _xrpc_error(401, "AuthenticationRequired", "Authentication Required", headers)
        return None

    async def _profiles(self, request: Request) -> Response:
        headers, refused = self._limited()
        refused = refused or self._signed_in(request, headers)
        if refused:
            return refused
        actors = request.query_params.getlist("actors")
        self.profile_requests.append(actors)
        if not actors:
            return _xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "actors"', headers)
        if len(actors) > PROFILES_MAX:
            return _xrpc_error(400, "InvalidRequest",
                               f"Error: actors must not have more than {PROFILES_MAX} elements", headers)
        by_handle = {p["handle"]: p for p in self.profiles.values()}
        found = [self.profiles.get(actor) or by_handle.get(actor) for actor in actors]
        return JSONResponse({"profiles": [p for p in found if p is not None]}, headers=headers)

    async def _search(self, request: Request) -> Response:
        headers, refused = self._limited()
        refused = refused or self._signed_in(request, headers)
        if refused:
            return refused
        query = request.query_params
        self.searches.append(dict(query))
        if not query.get("q"):
            return _xrpc_error(400, "InvalidRequest", 'Error: Params must have the property "q"', headers)
        try:
            limit = int(query.get("limit", 25))
            offset = int(query.get("cursor") or 0)
        except ValueError:
            return _xrpc_error(400, "InvalidRequest", "limit and cursor must be integers", headers)
        if not 1 <= limit <= 100:
            return _xrpc_error(400, "InvalidRequest", "Error: limit must be between 1 and 100", headers)
        words = query["q"].lower().split()
        found = [p for p in self.posts if all(w in p["record"]["text"].lower() for w in words)]
        if query.get("since"):
            found = [p for p in found if p["record"]["createdAt"] >= query["since"]]
        if query.get("until"):
            found = [p for p in found if p["record"]["createdAt"] < query["until"]]
        if query.get("lang"):
            found = [p for p in found if query["lang"] in p["record"]["langs"]]
        found.sort(key=lambda p: p["record"]["createdAt"], reverse=True)  # sort=latest (top is not modelled)
        page = found[offset:offset + limit]
        body: dict = {"posts": page, "hitsTotal": len(found)}
        if offset + limit < len(found):
            body["cursor"] = str(offset + limit)
        return JSONResponse(body, headers=headers)
