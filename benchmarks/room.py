"""Scenario 1: from POST /alerts to a ready room, with every Slack call answered after a fixed latency.

Rooms come in pairs: a cold one, sent once the server's cache of user groups would have expired had
nothing refreshed it (no room for longer than its TTL, as the first alert of a quiet morning finds it), and a
warm one right after it. The server refreshes the groups in the background every half TTL: those look-ups
are counted apart (not on any room's path); a look-up of the same group sooner than that is redundant.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from benchmarks.database import wait_ready
from benchmarks.stage import Stage
from benchmarks.stats import figure

CHAIN = 3  # conversations.create -> chat.postMessage (briefing) -> pins.add
LOOKUPS = ("usergroups.list", "usergroups.users.list", "users.info", "users.list", "auth.test", "users.lookupByEmail")


def alert_body(number: int) -> dict:
    return {
        "source": "social-listening", "kind": "shitstorm", "severity": "high",
        "title": f"Backlash over campaign {number}", "dedup_key": f"bench-room-{number}",
        "description": "Mentions of the brand jumped to 6x the hourly baseline; negative share 58%.",
        "labels": {"platform": "x"}, "url": f"https://listening.example.com/alerts/{number}",
        "metrics": {"mentions_per_hour": 4200, "negative_share": 0.58},
    }


def _key(call) -> tuple:
    params = call.params
    return call.method, params.get("usergroup") or params.get("user") or params.get("email") or ""


def redundant_calls(calls, seen: dict[tuple, float], briefing_ts: str | None, gap: float) -> list[str]:
    """Calls the room did not need: a look-up made again within ``gap`` seconds (sooner than the cache's
    refresh), or an edit of a message just posted. ``seen`` keeps each look-up's last time across rooms."""
    extra = []
    for call in calls:
        if call.method in LOOKUPS:
            last = seen.get(_key(call))
            if last is not None and last < call.at and call.at - last < gap:
                extra.append(f"{call.method} repeated")
            seen[_key(call)] = max(call.at, last or call.at)
        elif call.method == "chat.update" and call.params.get("ts") == briefing_ts:
            extra.append("chat.update of the briefing during set-up")
    return extra


def chain_gaps(calls, started: float, latency: float) -> dict[str, float] | None:
    """Where the room's time went around the three chain calls, in ms: before ``conversations.create`` was
    asked (the intake, the worker's pick-up, the set-up's first writes), and between each answer and the next
    call (what the set-up did in between). The fake logs a call when it answers, ``latency`` after it was
    asked, so each gap also holds the fake's own work on the call (a fraction of a millisecond)."""
    create = next((c for c in calls if c.method == "conversations.create" and not c.error), None)
    post = next((c for c in calls if c.method == "chat.postMessage" and c.params.get("blocks") and not c.error),
                None)
    pin = next((c for c in calls if c.method == "pins.add" and not c.error), None)
    if not (create and post and pin):
        return None
    return {"to_create": (create.at - latency - started) * 1000,
            "create_to_post": (post.at - latency - create.at) * 1000,
            "post_to_pin": (pin.at - latency - post.at) * 1000}


def quiet(stage: Stage, calm: float = 0.5, timeout: float = 15.0) -> None:
    """Wait until the server's start-up look-ups are over (no Slack call for ``calm`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = stage.fake.calls
        if (not calls or time.time() - calls[-1].at > calm) and time.time() - stage.started_at > calm:
            return
        time.sleep(0.05)


def measure_room(stage: Stage, number: int, seen: dict[tuple, float], gap: float) -> dict:
    stage.fake.reset_calls()
    started = time.time()
    response = stage.alert(alert_body(number))
    intake = time.time() - started
    incident_id = response.json()["incident_id"]
    channel_id, ready_at = wait_ready(stage.database_url, [incident_id], timeout=30)[incident_id]
    time.sleep(0.3)  # let anything the set-up sends late show up in the fake's log
    calls = [c for c in stage.fake.calls if c.at <= ready_at + 0.3]
    room_calls = [c for c in calls if c.at <= ready_at]
    last_answer = max(c.at for c in room_calls)
    briefing = next((c for c in room_calls if c.method == "chat.postMessage" and c.params.get("blocks")), None)
    briefing_ts = None
    if briefing is not None:
        message = next((m for m in stage.fake.messages(channel_id) if m.blocks), None)
        briefing_ts = message.ts if message else None
    pinned = stage.fake.pins(channel_id)
    on_path = [c.method for c in room_calls if c.method in LOOKUPS and c.at >= started]
    return {
        "gaps_ms": chain_gaps(room_calls, started, stage.fake.latency),
        "lookups_during_setup": on_path,
        "incident_id": incident_id, "intake_s": intake, "ready_s": last_answer - started,
        "db_ready_s": ready_at - started, "calls": len(room_calls),
        "methods": dict(Counter(c.method for c in room_calls)),
        "redundant": redundant_calls(calls, seen, briefing_ts, gap),
        "ready_at": ready_at,
        "pinned": bool(pinned), "invited": len(stage.fake.channel(channel_id).members),
    }


def wait_quiet_for(since: float, ttl: float) -> None:
    """Until ``ttl`` (plus a margin) has passed since ``since``: a cache filled then would have expired."""
    expires = since + ttl + 0.2
    while time.time() < expires:
        time.sleep(min(0.1, max(expires - time.time(), 0.0)))


def run(directory: Path, *, pairs: int, latency: float = 0.1, cache_ttl: float = 3.0) -> dict:
    """``pairs`` of rooms (cold, then warm) set up one after the other against a fake Slack with ``latency``."""
    with Stage(directory, latency=latency, env={"WARROOM_DIRECTORY_TTL": str(cache_ttl)}) as stage:
        quiet(stage)
        gap = cache_ttl / 2 * 0.8  # the server refreshes every half TTL; a look-up sooner than that is redundant
        seen: dict[tuple, float] = {}
        for call in stage.fake.calls:
            if call.method in LOOKUPS:
                seen[_key(call)] = call.at
        last_room = max(seen.values(), default=stage.started_at)
        cold, warm = [], []
        for pair in range(pairs):
            wait_quiet_for(last_room, cache_ttl)
            cold.append(measure_room(stage, 2 * pair, seen, gap))
            warm.append(measure_room(stage, 2 * pair + 1, seen, gap))
            last_room = warm[-1]["ready_at"]
    chain = CHAIN * latency
    limit = chain * 1.3
    results = [*cold, *warm]
    return {
        "figures": [
            figure("room.cold_ms", "Alert to room ready, cold (no room for longer than the groups' TTL)", "ms",
                   [r["ready_s"] * 1000 for r in cold], target=f"<= {limit * 1000:.0f} (1.3 x chain)",
                   check=lambda v: v <= limit * 1000),
            figure("room.cold_ratio", "Cold room ready / dependent chain", "x", [r["ready_s"] / chain for r in cold],
                   target="<= 1.3", check=lambda v: v <= 1.3),
            figure("room.ready_ms", "Alert to room ready, warm", "ms", [r["ready_s"] * 1000 for r in warm],
                   target=f"<= {limit * 1000:.0f} (1.3 x chain)", check=lambda v: v <= limit * 1000),
            figure("room.ratio", "Warm room ready / dependent chain", "x", [r["ready_s"] / chain for r in warm],
                   target="<= 1.3", check=lambda v: v <= 1.3),
            figure("room.calls", "Slack calls per room (warm)", "calls", [r["calls"] for r in warm]),
            figure("room.cold_calls", "Slack calls per room (cold)", "calls", [r["calls"] for r in cold]),
            figure("room.redundant_calls", "Redundant Slack calls per room", "calls",
                   [len(r["redundant"]) for r in results], target="0", check=lambda v: v == 0),
            figure("room.intake_ms", "Intake answer (POST /alerts)", "ms", [r["intake_s"] * 1000 for r in results]),
            figure("room.cold_overhead_ms", "Cold room: time off the chain (before create, between its calls)",
                   "ms", [sum(r["gaps_ms"].values()) for r in cold if r["gaps_ms"]]),
            figure("room.overhead_ms", "Warm room: time off the chain (before create, between its calls)", "ms",
                   [sum(r["gaps_ms"].values()) for r in warm if r["gaps_ms"]]),
            figure("room.lookups_during", "User-group look-ups while a room was set up (the refresh's included)",
                   "calls", [len(r["lookups_during_setup"]) for r in results]),
        ],
        "details": {"latency_s": latency, "chain_s": chain, "cache_ttl_s": cache_ttl, "cold": cold, "warm": warm},
    }
