"""Load a directory of playbook files, validating everything and collecting every problem found."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.playbooks.checks import check_playbook, check_set
from app.playbooks.errors import PlaybookError, Problem, problems_from_validation
from app.playbooks.playbook_set import PlaybookSet
from app.playbooks.schema import FIELD_NAMES, Playbook

PATTERNS = ("*.yml", "*.yaml")


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key given twice in one mapping (a silent overwrite otherwise)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, name: str) -> tuple[Any, list[Problem]]:
    """The parsed YAML of one file, or the problem that stops it from being read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, "", f"cannot read the file: {exc}")]
    try:
        return yaml.load(text, Loader=UniqueKeyLoader), []  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, [Problem(name, "", f"YAML syntax error{where}: {exc.problem}")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, "", f"YAML syntax error: {exc}")]


def load_file(path: Path, name: str, roster_roles: Collection[str] = ()
              ) -> tuple[Playbook | None, dict[str, Any] | None, list[Problem]]:
    """Validate one file: (playbook or None, the raw mapping or None, problems)."""
    data, problems = read_yaml(path, name)
    if problems:
        return None, None, problems
    if data is None:
        return None, None, [Problem(name, "", "the file is empty")]
    if not isinstance(data, dict):
        return None, None, [Problem(name, "", "expected a mapping of fields (id, title, match, ...)")]
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        return None, data, problems_from_validation(name, exc, FIELD_NAMES)
    problems = [Problem(name, field, message) for field, message in check_playbook(playbook, roster_roles)]
    return (None if problems else playbook), data, problems


def collect(directory: str | Path, roster_roles: Collection[str] = ()) -> tuple[list[Playbook], list[Problem]]:
    """Read and check every playbook file in ``directory``: (valid playbooks, all problems). ``roster_roles`` are
    the roles the roster names holders for."""
    root = Path(directory)
    if not root.is_dir():
        return [], [Problem("", "", f"playbook directory {str(directory)!r} does not exist")]
    paths = sorted({path for pattern in PATTERNS for path in root.glob(pattern) if path.is_file()})
    if not paths:
        return [], [Problem("", "", f"no playbook files (*.yml) in {str(directory)!r}")]

    problems: list[Problem] = []
    entries: list[tuple[str, Playbook]] = []
    fallback_files: list[str] = []
    for path in paths:
        name = path.relative_to(root).as_posix()
        playbook, data, file_problems = load_file(path, name, roster_roles)
        problems += file_problems
        if data is not None and data.get("fallback") is True:
            fallback_files.append(name)
        if playbook is not None:
            entries.append((name, playbook))

    if not fallback_files:
        problems.append(Problem(
            "", "fallback",
            "no playbook has fallback: true; add one generic playbook that catches unmatched alerts",
        ))
    for name in fallback_files[1:]:
        problems.append(Problem(
            name, "fallback", f"more than one fallback playbook (also {fallback_files[0]}): keep exactly one"
        ))
    problems += check_set(entries)
    return [playbook for _, playbook in entries], problems


def validate_directory(directory: str | Path, roster_roles: Collection[str] = ()) -> list[Problem]:
    """Every problem in the playbook directory; an empty list means it loads."""
    return collect(directory, roster_roles)[1]


def load_playbooks(directory: str | Path, roster_roles: Collection[str] = ()) -> PlaybookSet:
    """Load and validate a playbook directory; raises PlaybookError listing every problem."""
    playbooks, problems = collect(directory, roster_roles)
    if problems:
        raise PlaybookError(problems)
    return PlaybookSet(playbooks)
