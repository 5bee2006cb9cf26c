"""The monitors a running bot watches, with their compiled matcher and settings: ``core.monitoring``.

``app/wiring.py`` loads them when it wires a core (``configure``); ``get`` loads them on first use for a core
that was not wired (a command-line tool, a test). ``reset`` forgets them after the files changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.monitoring.connectors.profiles import FollowerCache
from app.monitoring.definitions import Monitor, load_monitors
from app.monitoring.matching import Matcher
from app.monitoring.settings import MonitoringSettings

if TYPE_CHECKING:
    from app.core import Core

_lock = threading.Lock()


@dataclass
class Monitoring:
    settings: MonitoringSettings
    monitors: dict[str, Monitor]
    matcher: Matcher
    followers: dict[str, FollowerCache] = field(default_factory=dict)  # authors' follower counts per connector

    def follower_cache(self, connector: str) -> FollowerCache:
        return self.followers.setdefault(connector, FollowerCache())


def playbook_kinds(core: Core) -> set[str]:
    return {str(kind) for playbook in core.playbooks for kind in playbook.match.kinds}


def configure(core: Core, monitors: list[Monitor] | None = None, **settings: Any) -> Monitoring:
    """Load (or set) the core's monitors; ``settings`` override the environment (tests, the benchmark)."""
    values = MonitoringSettings(**settings)
    found = monitors if monitors is not None else load_monitors(values.warroom_monitors, playbook_kinds(core))
    state = Monitoring(values, {m.id: m for m in found}, Matcher(found))
    core.monitoring = state
    return state


def reset(core: Core) -> None:
    """Forget the loaded monitors: the next use loads them again (after the monitor files changed)."""
    core.monitoring = None


def get(core: Core) -> Monitoring:
    state = core.monitoring
    if state is None:
        with _lock:
            state = core.monitoring or configure(core)
    return state
