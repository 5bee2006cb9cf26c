"""Crisis playbooks: the YAML format, loading and validation, alert matching and statement templates."""

from app.playbooks.errors import PlaybookError, Problem
from app.playbooks.loader import load_playbooks, validate_directory
from app.playbooks.playbook_set import PlaybookSet
from app.playbooks.schema import Deadline, Playbook, Task

__all__ = [
    "Deadline",
    "Playbook",
    "PlaybookError",
    "PlaybookSet",
    "Problem",
    "Task",
    "load_playbooks",
    "validate_directory",
]
