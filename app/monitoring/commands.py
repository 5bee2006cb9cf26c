"""``warroom monitors validate``: every problem of the monitor files, with file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.monitoring.definitions import collect
from app.monitoring.settings import MonitoringSettings
from app.playbooks.loader import PlaybookError, load_playbooks


def validate(directory: Path | None, playbooks: Path, echo: Callable[..., None]) -> int:
    """Print the problems (or a summary) and return the exit code: 0 valid, 1 problems."""
    folder = Path(directory or MonitoringSettings().warroom_monitors)
    try:
        kinds = {str(kind) for playbook in load_playbooks(playbooks) for kind in playbook.match.kinds}
    except PlaybookError:
        kinds = None  # the playbooks have their own command; the kinds are then not checked
    monitors, problems = collect(folder, kinds)
    for problem in problems:
        echo(str(problem), err=True)
    if problems:
        return 1
    echo(f"{len(monitors)} monitors in {folder}: all valid")
    return 0
