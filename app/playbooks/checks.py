"""Checks that need more than one field: role staffing, reminders, fallback rules, and the set as a whole."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from app.playbooks.errors import Problem
from app.playbooks.matching import ambiguous_kinds
from app.playbooks.schema import Playbook
from app.severity import ORDER
from app.timeutil import format_duration


def check_playbook(playbook: Playbook, roster_roles: Collection[str] = ()) -> list[tuple[str, str]]:
    """Problems inside one valid playbook, as (field path, message) pairs. ``roster_roles`` are the roles the
    roster names holders for (a stakeholder may be owned or approved by one of them)."""
    problems: list[tuple[str, str]] = []
    if playbook.fallback and playbook.match.kinds:
        problems.append((
            "match.kinds",
            "the fallback playbook catches every alert no other playbook matches: leave kinds empty",
        ))
    if not playbook.fallback and not playbook.match.kinds:
        problems.append(("match.kinds", "list at least one alert kind (only the fallback playbook has none)"))

    seen: set[str] = set()
    for index, role in enumerate(playbook.roles):
        if role in seen:
            problems.append((f"roles[{index}]", f"role {role!r} is listed twice"))
        seen.add(role)

    staffed = ", ".join(playbook.roles)
    for index, task in enumerate(playbook.tasks):
        if task.role not in playbook.roles:
            problems.append((
                f"tasks[{index}].role",
                f"role {task.role!r} is not in roles: add it to roles or use one of {staffed}",
            ))

    keys: set[str] = set()
    for index, deadline in enumerate(playbook.deadlines):
        if deadline.role not in playbook.roles:
            problems.append((
                f"deadlines[{index}].role",
                f"role {deadline.role!r} is not in roles: add it to roles or use one of {staffed}",
            ))
        if deadline.key in keys:
            problems.append((f"deadlines[{index}].key", f"deadline key {deadline.key!r} is used twice"))
        keys.add(deadline.key)
        for position, reminder in enumerate(deadline.remind_before):
            if reminder >= deadline.after:
                problems.append((
                    f"deadlines[{index}].remind_before[{position}]",
                    f"reminder {format_duration(reminder)} before the deadline must be shorter than after "
                    f"({format_duration(deadline.after)})",
                ))

    problems += german_titles(playbook)
    problems += stakeholder_roles(playbook, roster_roles)
    problems += people_and_rooms(playbook)
    problems += cadences(playbook)

    channels: set[str] = set()
    for index, channel in enumerate(playbook.statement.channels):
        if channel in channels:
            problems.append((f"statement.channels[{index}]", f"channel {channel!r} is listed twice"))
        channels.add(channel)
    return problems


def german_titles(playbook: Playbook) -> list[tuple[str, str]]:
    """Every task and clock is shown in German rooms too, so each needs ``title_de``."""
    problems = []
    for group, items in (("tasks", playbook.tasks), ("deadlines", playbook.deadlines)):
        what = "task" if group == "tasks" else "clock"
        for index, item in enumerate(items):
            if not item.title_de:
                problems.append((
                    f"{group}[{index}].title_de",
                    f"{what} {item.title!r} has no German title: add title_de",
                ))
    return problems


def stakeholder_roles(playbook: Playbook, roster_roles: Collection[str] = ()) -> list[tuple[str, str]]:
    """Whoever owns or approves what an audience hears is a role of the playbook (its roles and approvers) or
    one the roster names holders for: otherwise nobody in the room holds it."""
    own = playbook.own_roles()
    known = own + [role for role in roster_roles if role not in own]
    problems = []
    for index, item in enumerate(playbook.stakeholders or []):
        named = [("owner", item.owner)] + [("approvers", role) for step in item.approvers
                                            for role in ([step] if isinstance(step, str) else step)]
        for field, role in named:
            if role in known:
                continue
            what = "owner" if field == "owner" else "approver"
            problems.append((
                f"stakeholders[{index}].{field}",
                f"playbook {playbook.id!r}, audience {item.audience!r}: {what} {role!r} is not a role of this "
                f"playbook{' or of the roster' if roster_roles else ''}: add {role!r} to roles or use one of "
                f"{', '.join(known)}",
            ))
    return problems


def people_and_rooms(playbook: Playbook) -> list[tuple[str, str]]:
    """The person an incident is about stays out and someone named steps in; confidential rooms are code-named."""
    problems = []
    staffed = ", ".join(playbook.roles)
    if playbook.exclude_subject and playbook.stand_in is None:
        problems.append((
            "stand_in",
            "exclude_subject keeps the person the incident is about out of the room and the approvals: "
            "name the role that steps in for them, e.g. stand_in: board (and list it in roles)",
        ))
    if playbook.stand_in is not None:
        if not playbook.exclude_subject:
            problems.append(("stand_in", "stand_in is only used with exclude_subject: true; add that or remove it"))
        if playbook.stand_in not in playbook.roles:
            problems.append((
                "stand_in",
                f"stand-in role {playbook.stand_in!r} is not in roles: add it (roles are {staffed})",
            ))
    if playbook.confidential and playbook.channel_naming != "codename":
        problems.append((
            "channel_naming",
            "a confidential playbook's rooms must not carry the allegation in their name: set channel_naming: codename",
        ))
    if playbook.confidential and not playbook.private:
        problems.append(("private", "a confidential playbook needs a private room: set private: true"))
    return problems


def cadences(playbook: Playbook) -> list[tuple[str, str]]:
    """The public promise is never more frequent than the room's own situation reports."""
    problems = []
    for severity in ORDER:
        public, internal = playbook.public_update_for(severity), playbook.sitrep_for(severity)
        if public < internal:
            problems.append((
                f"public_update.{severity.value}",
                f"public updates every {format_duration(public)} are more frequent than the internal sitrep "
                f"({format_duration(internal)}): promise the public no more than the team itself reviews",
            ))
    return problems


def check_set(entries: Sequence[tuple[str, Playbook]]) -> list[Problem]:
    """Problems across valid playbooks: ids vs file names, duplicate ids, ambiguous match rules."""
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for file, playbook in entries:
        stem = file.rsplit(".", 1)[0]
        if playbook.id != stem:
            problems.append(Problem(
                file, "id", f"id {playbook.id!r} must equal the file name {stem!r}: rename one of them"
            ))
        if playbook.id in first_file:
            problems.append(Problem(
                file, "id", f"duplicate id {playbook.id!r}: also defined in {first_file[playbook.id]}"
            ))
        else:
            first_file[playbook.id] = file

    rules = [(file, playbook) for file, playbook in entries if not playbook.fallback]
    for position, (file, playbook) in enumerate(rules):
        for other_file, other in rules[:position]:
            kinds = ambiguous_kinds(other.match, playbook.match)
            if kinds:
                problems.append(Problem(
                    file,
                    "match",
                    f"ambiguous: an alert of kind {kinds[0]!r} can match both {playbook.id!r} and "
                    f"{other.id!r} ({other_file}) with equal specificity; add a label or narrow the "
                    "severity range so that one is more specific",
                ))
    return problems
