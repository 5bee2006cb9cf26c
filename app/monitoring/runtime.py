"""The monitors a running bot watches, loaded once per core, with their compiled matcher."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.monitoring.definitions import Monitor, load_monitors
from app.monitoring.matching import Matcher
from app.monitoring.settings import MonitoringSettings

_lock = threading.Lock()
_KEY = "monitoring"


@dataclass
class Monitoring:
    settings: MonitoringSettings
    monitors: dict[str, Monitor]
    matcher: Matcher


def playbook_kinds(core) -> set[str]:
    return {str(kind) for playbook in core.playbooks for kind in playbook.match.kinds}


def configure(core, monitors: list[Monitor] | None = None, **settings) -> Monitoring:
    """Load (or set) the core's monitors; ``settings`` override the environment (tests, the benchmark)."""
    values = MonitoringSettings(**settings)
    found = monitors if monitors is not None else load_monitors(values.warroom_monitors, playbook_kinds(core))
    state = Monitoring(values, {m.id: m for m in found}, Matcher(found))
    core.__dict__[_KEY] = state
    return state


def reset(core) -> None:
    """Forget the loaded monitors: the next use loads them again (after the monitor files changed)."""
    core.__dict__.pop(_KEY, None)


def get(core) -> Monitoring:
    state = core.__dict__.get(_KEY)
    if state is None:
        with _lock:
            state = core.__dict__.get(_KEY) or configure(core)
    return state
