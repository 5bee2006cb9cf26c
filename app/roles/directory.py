"""Resolves roster entries (user ids and ``@usergroup`` handles) to Slack users, caching lookups.

User groups are trusted for ``ttl`` seconds and never longer: a person removed from a group is not invited
once the cache is older than that. So that a room never waits for the look-ups (two dependent calls, in
front of the invitations and the briefing), the cached groups are looked up again in the background every
half ``ttl``, before they expire: the first alert of a quiet morning finds them fresh. If Slack does not
answer the refresh, the entries still expire at ``ttl`` and the next room looks them up itself.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Any

from slack_sdk import WebClient

log = logging.getLogger(__name__)

# How long a person's list of rooms is trusted without an event saying it changed.
ROOM_TTL = 30.0
# The background refresh runs every half TTL (never more often than this).
REFRESH_FLOOR = 1.0


class Directory:
    """Usergroup and user lookups, cached for ``ttl`` seconds so a room set-up never repeats them."""

    def __init__(self, client: WebClient, *, ttl: float = 300.0, refresh: bool = True) -> None:
        self.client = client
        self.ttl = ttl
        self.refresh = refresh
        self._refresher: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}  # one look-up in flight per key; others wait for it
        self._groups: tuple[float, dict[str, str]] | None = None  # handle -> usergroup id
        self._members: dict[str, tuple[float, list[str]]] = {}
        self._names: dict[str, str] = {}
        self._rooms: dict[str, tuple[float, frozenset[str]]] = {}  # user -> the channels they are in now

    def _fresh(self, stamp: float) -> bool:
        return time.monotonic() - stamp < self.ttl

    def _single_flight(self, key: str) -> threading.Lock:
        with self._lock:
            return self._fetching.setdefault(key, threading.Lock())

    def _cached_groups(self) -> dict[str, str] | None:
        with self._lock:
            return self._groups[1] if self._groups and self._fresh(self._groups[0]) else None

    def _cached_members(self, handle: str) -> list[str] | None:
        with self._lock:
            cached = self._members.get(handle)
            return cached[1] if cached and self._fresh(cached[0]) else None

    def group_ids(self) -> dict[str, str]:
        groups = self._cached_groups()
        if groups is not None:
            return groups
        with self._single_flight("\x00groups"):
            groups = self._cached_groups()
            if groups is None:
                response = self.client.usergroups_list()
                found: list[dict[str, Any]] = response.get("usergroups", [])
                groups = {g["handle"].lower(): g["id"] for g in found}
                with self._lock:
                    self._groups = (time.monotonic(), groups)
                self._keep_fresh()
        return groups

    def group_members(self, handle: str) -> list[str]:
        handle = handle.lstrip("@").lower()
        users = self._cached_members(handle)
        if users is not None:
            return users
        with self._single_flight(handle):
            users = self._cached_members(handle)
            if users is None:
                group_id = self.group_ids().get(handle)
                if group_id is None:
                    return []
                users = list(self.client.usergroups_users_list(usergroup=group_id).get("users", []))
                with self._lock:
                    self._members[handle] = (time.monotonic(), users)
        return users

    def refresh_now(self) -> None:
        """Look the cached groups and their members up again (the background refresh; Slack errors raise)."""
        asked = time.monotonic()
        response = self.client.usergroups_list()
        found: list[dict[str, Any]] = response.get("usergroups", [])
        groups = {g["handle"].lower(): g["id"] for g in found}
        with self._lock:
            self._groups = (asked, groups)
            handles = list(self._members)
        for handle in handles:
            group_id = groups.get(handle)
            asked = time.monotonic()  # each list is as old as its own look-up
            users: list[str] = [] if group_id is None else list(
                self.client.usergroups_users_list(usergroup=group_id).get("users", []))
            with self._lock:
                self._members[handle] = (asked, users)

    def close(self) -> None:
        """Stop the background refresh."""
        self._stop.set()

    def _keep_fresh(self) -> None:
        """Start the background refresh once something is cached (one thread per directory)."""
        with self._lock:
            if not self.refresh or self._refresher is not None or self._stop.is_set():
                return
            self._refresher = threading.Thread(target=_refresh_loop, args=(weakref.ref(self), self._stop,
                                                                           max(self.ttl / 2, REFRESH_FLOOR)),
                                               name="warroom-directory-refresh", daemon=True)
        self._refresher.start()

    def resolve(self, entries: list[str]) -> list[str]:
        """User ids for roster entries, in order, without duplicates; unknown handles resolve to nobody."""
        users: list[str] = []
        for entry in entries:
            for user in self.group_members(entry) if entry.startswith("@") else [entry]:
                if user not in users:
                    users.append(user)
        return users

    def rooms_of(self, user_id: str, *, not_before: float | None = None) -> frozenset[str]:
        """The channels ``user_id`` is in that the bot can see (users.conversations, every page), cached for
        ROOM_TTL seconds: one call answers for every incident a status list shows. ``not_before`` (a Unix
        time, e.g. when a room was set up) refuses an answer cached before it."""
        key = "\x00user:" + user_id
        with self._lock:
            cached = self._rooms.get(key)
        if cached and time.time() - cached[0] < ROOM_TTL and (not_before is None or cached[0] >= not_before):
            return cached[1]
        asked = time.time()
        channels: set[str] = set()
        cursor = None
        while True:
            page = self.client.users_conversations(user=user_id, types="public_channel,private_channel",
                                                   exclude_archived=False, limit=1000, cursor=cursor)
            listed: list[dict[str, Any]] = page.get("channels", [])
            channels.update(str(channel["id"]) for channel in listed)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        found = frozenset(channels)
        with self._lock:
            self._rooms[key] = (asked, found)
        return found

    def forget_room(self, channel_id: str, user_id: str | None = None) -> None:
        """Someone joined or left ``channel_id``: look their rooms up again next time (everyone's, if unknown)."""
        with self._lock:
            if user_id:
                self._rooms.pop("\x00user:" + user_id, None)
            else:
                self._rooms.clear()

    def name(self, user_id: str) -> str:
        """A display name for reports (one users.info call per user, cached)."""
        if user_id in self._names:
            return self._names[user_id]
        try:
            user = self.client.users_info(user=user_id)["user"]
            name = user.get("real_name") or user.get("profile", {}).get("real_name") or user.get("name") or user_id
        except Exception:
            name = user_id
        self._names[user_id] = name
        return name


def _refresh_loop(ref: weakref.ref[Directory], stop: threading.Event, every: float) -> None:
    """Refresh the directory every ``every`` seconds until it is closed or gone.

    The refreshes start on a fixed beat (not ``every`` seconds after the last one ended), so a slow Slack
    does not push them past the entries' TTL."""
    started = time.monotonic()
    while not stop.wait(max(0.0, started + every - time.monotonic())):
        started = time.monotonic()
        directory = ref()
        if directory is None:
            return
        try:
            directory.refresh_now()
        except Exception as exc:  # the entries expire at their TTL; the next room looks them up itself
            log.warning("could not refresh the user groups in the background: %s", exc)
        del directory
