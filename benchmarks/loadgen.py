"""A small HTTP/1.1 keep-alive client on asyncio: cheap enough to drive the server hard from one core."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass


@dataclass
class Answer:
    """One request's outcome: HTTP status (0 when the connection failed), body and client-side seconds."""

    status: int
    body: bytes
    seconds: float
    sent_at: float


class Connection:
    """One keep-alive connection to the server; reconnects once when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None

    @staticmethod
    def encode(method: str, path: str, headers: dict[str, str], body: bytes, host: str) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def _exchange(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        length, close = 0, False
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        raw = self.encode(method, path, headers, body, f"{self.host}:{self.port}")
        sent_at = time.time()
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self.writer is None:
                    await self._open()
                status, payload = await asyncio.wait_for(self._exchange(raw), self.timeout)
                return Answer(status, payload, time.perf_counter() - started, sent_at)
            except (OSError, asyncio.IncompleteReadError) as exc:  # TimeoutError is an OSError
                await self.close()
                if attempt == 1 or isinstance(exc, TimeoutError):
                    return Answer(0, repr(exc).encode(), time.perf_counter() - started, sent_at)
        raise AssertionError("unreachable")
