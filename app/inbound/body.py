"""Reading a request body with a size cap, while it streams in, so an oversized body is never held whole."""

from __future__ import annotations

from starlette.requests import Request

# Slack's own requests are small (a modal of 100 blocks, form-encoded, stays well below this).
SLACK_BODY_LIMIT = 1024 * 1024


class BodyTooLarge(Exception):
    """The body is over the limit (said by Content-Length, or found while reading)."""


class BadLength(Exception):
    """The Content-Length header is not a number."""


def declared_length(request: Request, limit: int) -> int | None:
    """The Content-Length, if any; raises before a single body byte is read when it is over the limit."""
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise BadLength(raw)
    length = int(raw)
    if length > limit:
        raise BodyTooLarge(length)
    return length


async def read_capped(request: Request, limit: int = SLACK_BODY_LIMIT) -> bytes:
    """The whole body, read chunk by chunk; stops and raises BodyTooLarge as soon as it passes ``limit``."""
    declared_length(request, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)
