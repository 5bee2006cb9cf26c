"""Validation problems: where a playbook file is wrong (file, dotted field path) and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a playbook set: the file (relative to the directory), the field path, a message."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.path, self.message) if part)


class PlaybookError(ValueError):
    """The playbooks could not be loaded; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the playbooks"
        super().__init__("\n".join([heading, *(str(p) for p in self.problems)]))


def format_path(loc: Iterable[Any]) -> str:
    """Turn a pydantic error location such as ``('tasks', 2, 'due')`` into ``tasks[2].due``."""
    path = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def error_message(error: Mapping[str, Any], known_fields: Iterable[str] = ()) -> str:
    """A readable message for one pydantic error (custom validator messages are passed through)."""
    kind = error.get("type")
    if kind == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error.get("loc") else ""
        if name in known_fields:
            return f"field {name!r} does not belong here (check the indentation and the section it is in)"
        close = difflib.get_close_matches(name, list(known_fields), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else " (check the spelling)"
        return f"unknown field {name!r}{hint}"
    message = str(error.get("msg", "invalid value"))
    if "input" in error and not isinstance(error["input"], dict | list):
        message += f", got {error['input']!r}"
    return message


def problems_from_validation(
    file: str, exc: ValidationError, known_fields: Iterable[str] = (), prefix: str = ""
) -> list[Problem]:
    """Convert every error of a pydantic ValidationError into a Problem for ``file``."""
    fields = list(known_fields)
    problems = []
    for error in exc.errors():
        path = format_path(error["loc"])
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        problems.append(Problem(file, path, error_message(error, fields)))
    return problems
