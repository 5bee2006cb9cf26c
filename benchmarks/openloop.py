"""An open-loop load generator that runs in a process of its own, as Slack and a monitoring tool are.

Requests arrive at random (Poisson) times at a fixed mean rate whether or not the server keeps up, each on a
new connection, as Slack sends them. An Events API request not answered within 3 seconds is sent again
with Slack's retry headers (``X-Slack-Retry-Num: 1``, ``X-Slack-Retry-Reason: http_timeout``), freshly
signed, while the first one is still waited for.

Run by the scenarios as ``python -m benchmarks.openloop PLAN OUT``: PLAN is a JSON file with the port, the
rate, the signing secret and the requests (kind, label, body, headers); OUT gets one record per answer.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

STAGE_TIMES = "WARROOM_STAGE_TIMES"  # set for the suite: the server times each request's stages (app/inbound/stages.py)
SLACK_TIMEOUT = 3.0  # Slack's limit for an answer; after it, it retries an event and shows other requests as failed


def stage_times(directory: Path) -> dict[str, str]:
    """The server's environment for tracing: its stage times go to the scenario's folder when the suite runs
    with ``WARROOM_STAGE_TIMES`` set (keep the folder with ``--keep``)."""
    return {STAGE_TIMES: str(directory / "stages.jsonl")} if os.environ.get(STAGE_TIMES) else {}


def sign(secret: str, body: bytes, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def retry_headers(headers: dict[str, str], body: bytes, secret: str, number: int) -> dict[str, str]:
    """The headers of Slack's retry of an event: signed again, numbered, with the reason."""
    timestamp = int(time.time())
    return {**headers, "X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": sign(secret, body, timestamp),
            "X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": "http_timeout"}


async def exchange(port: int, path: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int, float]:
    """One request on a new connection; (HTTP status or 0 when it failed, seconds to the whole answer)."""
    started = time.perf_counter()
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout - (time.perf_counter() - started))
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):  # TimeoutError is an OSError
        status = 0
    finally:
        if writer is not None:
            writer.close()
    return status, time.perf_counter() - started


async def drive(plan: dict) -> list[dict]:
    port, path, rate, secret = plan["port"], plan.get("path", "/slack/events"), plan["rate"], plan.get("secret", "")
    timeout = plan.get("timeout", 30.0)
    rng = random.Random(plan.get("seed", 1))
    records: list[dict] = []

    async def one(index: int, request: dict) -> None:
        body = request["body"].encode()
        sent_at = time.time()
        first = asyncio.create_task(exchange(port, path, request["headers"], body, timeout))
        retried = None
        if request["kind"] == "event":
            done, _ = await asyncio.wait({first}, timeout=SLACK_TIMEOUT)
            if not done:  # Slack did not hear back in time: it sends the event again
                retried = asyncio.create_task(exchange(port, path, retry_headers(request["headers"], body, secret, 1),
                                                       body, timeout))
        status, seconds = await first
        record = {"index": index, "kind": request["kind"], "label": request["label"], "sent_at": sent_at,
                  "seconds": seconds, "status": status, "retries": 0}
        if retried is not None:
            retry_status, retry_seconds = await retried
            record.update(retries=1, retry_status=retry_status, retry_seconds=retry_seconds)
        records.append(record)

    tasks = []
    started = time.perf_counter()
    due = 0.0
    for index, request in enumerate(plan["requests"]):
        due += rng.expovariate(rate)
        delay = started + due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, request)))
    await asyncio.gather(*tasks)
    return sorted(records, key=lambda r: r["index"])


def main(argv: list[str]) -> int:
    plan_path, out_path = Path(argv[0]), Path(argv[1])
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    gc.disable()  # no collector pauses of its own in the timings
    records = asyncio.run(drive(plan))
    out_path.write_text(json.dumps(records), encoding="utf-8")
    return 0


def run(plan: dict, directory: Path, name: str) -> list[dict]:
    """Send ``plan`` from a separate process and wait for every answer; the records, in sending order."""
    return collect(*start(plan, directory, name))


def start(plan: dict, directory: Path, name: str) -> tuple[subprocess.Popen, Path]:
    """Like ``run`` but returns at once: the process and where its answers will be; see ``collect``."""
    directory.mkdir(parents=True, exist_ok=True)
    plan_path, out_path = directory / f"{name}-plan.json", directory / f"{name}-answers.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.openloop", str(plan_path), str(out_path)],
                               stderr=subprocess.PIPE, text=True)
    return process, out_path


def collect(process: subprocess.Popen, out_path: Path, timeout: float = 600.0) -> list[dict]:
    _, stderr = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed ({process.returncode}):\n{(stderr or '')[-2000:]}")
    return json.loads(out_path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
