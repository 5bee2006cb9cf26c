"""Memory under oversized requests: 200 MiB bodies POSTed to /slack/events, the server's RSS before and after.

Run from the repository root: ``python -m benchmarks.large_body [--mib 200]``. It starts the real server as a
separate process against the fake Slack (like the rest of the suite) and sends, one after the other, bodies
that are unsigned or carry a made-up signature, with and without Content-Length. Each body is streamed in
64 KiB pieces until the server answers or stops reading, so the client never holds it whole. Prints one line
per case and a JSON summary; exits 1 when the resident memory grew by 20 MB or more.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import select
import socket
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.stage import Stage, clear_proxies

MiB = 1024 * 1024
LIMIT_MB = 20.0
PIECE = b"x" * 65536

CASES = {
    "unsigned, Content-Length": (False, True),
    "unsigned, chunked": (False, False),
    "made-up signature, Content-Length": (True, True),
    "made-up signature, chunked": (True, False),
}


def head(port: int, total: int, signed: bool, with_length: bool) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{port}",
             "Content-Type: application/x-www-form-urlencoded"]
    if signed:
        lines += [f"X-Slack-Request-Timestamp: {int(time.time())}", f"X-Slack-Signature: v0={'ab' * 32}"]
    lines.append(f"Content-Length: {total}" if with_length else "Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def frames(total: int, with_length: bool):
    """(body bytes, bytes on the wire) for each piece of the body, the chunked terminator last."""
    for start in range(0, total, len(PIECE)):
        piece = PIECE[: total - start]
        yield len(piece), piece if with_length else b"%x\r\n%b\r\n" % (len(piece), piece)
    if not with_length:
        yield 0, b"0\r\n\r\n"


def send(port: int, total: int, signed: bool, with_length: bool, timeout: float = 120.0) -> tuple[str, int, float]:
    """Stream up to ``total`` body bytes; return the status line, the body bytes the server took, the seconds."""
    sent = in_flight = 0
    pending = b""
    pieces = frames(total, with_length)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head(port, total, signed, with_length))
        while time.monotonic() - started < timeout:
            if not pending:
                sent, in_flight = sent + in_flight, 0
                following = next(pieces, None)
                if following is None:
                    break
                in_flight, pending = following
            readable, writable, _ = select.select([sock], [sock], [], 1.0)
            if readable:
                break
            if writable:
                try:
                    pending = pending[sock.send(pending):]
                except (BrokenPipeError, ConnectionResetError):
                    break
        answer = b""
        with contextlib.suppress(OSError):
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
    return answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(connection closed)", sent, \
        time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200, help="size of each body in MiB")
    args = parser.parse_args(argv)
    clear_proxies()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        stage = Stage(Path(folder) / "large-body").start()
        try:
            stage.http.get("/healthz")
            first = stage.rss_mb()
            for name, (signed, with_length) in CASES.items():
                before = stage.rss_mb()
                status, sent, seconds = send(stage.port, args.mib * MiB, signed, with_length)
                after = stage.rss_mb()
                results.append({"case": name, "status": status, "body_bytes_sent": sent,
                                "seconds": round(seconds, 3), "rss_before_mb": round(before["rss"], 1),
                                "rss_after_mb": round(after["rss"], 1), "peak_mb": round(after["peak"], 1)})
                print(f"{name:38} {status:40} sent {sent / MiB:8.1f} MiB in {seconds:6.2f} s   "
                      f"RSS {before['rss']:7.1f} -> {after['rss']:7.1f} MB (peak {after['peak']:.1f})")
            last = stage.rss_mb()
        finally:
            stage.stop()
    growth = last["rss"] - first["rss"]
    print(json.dumps({"body_mib": args.mib, "rss_start_mb": round(first["rss"], 1),
                      "rss_end_mb": round(last["rss"], 1), "growth_mb": round(growth, 1),
                      "peak_mb": round(last["peak"], 1), "cases": results}, indent=2))
    return 0 if growth < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
