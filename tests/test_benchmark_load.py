"""The open-loop load generator behaves as Slack does: its own process, a new connection per request, and an
event not answered within 3 s sent again, freshly signed, with Slack's retry headers."""

from __future__ import annotations

import asyncio
import threading
import time

from slack_sdk.signature import SignatureVerifier

from benchmarks import openloop

SECRET = "load-test-secret"


class HoldingServer:
    """An HTTP server on loopback that holds the first request until the second arrives (no timers)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.connections = 0
        self.port = 0
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.second = asyncio.Event()
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
        body = await reader.readexactly(int(headers["content-length"]))
        self.requests.append((headers, body))
        if len(self.requests) == 1:
            await asyncio.wait_for(self.second.wait(), 20)  # the ack Slack waits for in vain
        else:
            self.second.set()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    def __enter__(self) -> HoldingServer:
        self.thread.start()
        self.ready.wait(5)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_a_slow_event_is_sent_again_with_slacks_retry_headers(tmp_path):
    body = '{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}'
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": str(timestamp),
               "X-Slack-Signature": openloop.sign(SECRET, body.encode(), timestamp)}
    with HoldingServer() as server:
        records = openloop.run({"port": server.port, "rate": 50.0, "secret": SECRET,
                                "requests": [{"kind": "event", "label": "app_mention", "body": body,
                                              "headers": headers}]}, tmp_path, "retry")

    [record] = records
    assert record["status"] == 200 and record["retries"] == 1 and record["retry_status"] == 200
    assert record["seconds"] >= openloop.SLACK_TIMEOUT  # the first answer came only after Slack gave up on it
    assert server.connections == 2
    (first, first_body), (retry, retry_body) = server.requests
    assert "x-slack-retry-num" not in first
    assert retry["x-slack-retry-num"] == "1" and retry["x-slack-retry-reason"] == "http_timeout"
    assert retry_body == first_body == body.encode()
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(retry_body, retry["x-slack-request-timestamp"], retry["x-slack-signature"])


def test_requests_arrive_open_loop_on_their_own_connections_and_only_events_are_retried(tmp_path):
    # The server answers the first command only once the second has arrived: a closed-loop client would wait
    # for the first answer forever (the server gives up after 20 s, failing the test).
    with HoldingServer() as server:
        records = openloop.run({"port": server.port, "rate": 200.0, "secret": SECRET, "requests": [
            {"kind": "command", "label": f"/warroom {n}", "body": f"n={n}", "headers": {}} for n in range(2)]},
            tmp_path, "commands")

    assert [r["retries"] for r in records] == [0, 0]
    assert [r["status"] for r in records] == [200, 200]
    assert server.connections == 2
    assert sorted(body for _, body in server.requests) == [b"n=0", b"n=1"]
