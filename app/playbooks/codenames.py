"""Neutral code names for the rooms of confidential playbooks (``channel_naming: codename``).

A code name never carries the allegation or a person's name: it is two plain words picked from the
incident's id, the same every time for the same incident, e.g. ``amber-falcon``.
"""

from __future__ import annotations

import hashlib

ADJECTIVES: tuple[str, ...] = (
    "amber", "arctic", "autumn", "azure", "bright", "calm", "cedar", "coral", "crimson", "distant", "emerald",
    "golden", "granite", "hidden", "indigo", "ivory", "jade", "lunar", "maple", "misty", "northern", "olive",
    "polar", "quiet", "river", "silver", "slate", "solar", "steady", "swift", "velvet", "winter",
)
NOUNS: tuple[str, ...] = (
    "anchor", "beacon", "birch", "canyon", "comet", "compass", "delta", "falcon", "fjord", "forest", "glacier",
    "harbor", "heron", "island", "kestrel", "lantern", "meadow", "orchid", "osprey", "pine", "prairie", "quartz",
    "raven", "ridge", "sparrow", "summit", "thistle", "tide", "valley", "willow", "wren", "zephyr",
)


def codename(incident_id: int) -> str:
    """The code name of an incident: ``adjective-noun``, stable for its id, lowercase letters and one hyphen."""
    digest = hashlib.sha256(f"warroom-codename:{int(incident_id)}".encode()).digest()
    return f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]}-{NOUNS[digest[1] % len(NOUNS)]}"


def room_title(playbook: object, incident_id: int, title: str) -> str:
    """What names the room: the incident's title, or its code name when the playbook asks for one."""
    return codename(incident_id) if getattr(playbook, "channel_naming", "title") == "codename" else title
