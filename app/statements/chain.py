"""Approval chains: ordered steps, each one role or a group of roles that sign in any order.

A chain is stored as a list whose entries are a role (``"comms"``) or a list of roles (``["dpo", "legal"]``):
``["comms", ["dpo", "legal"], "exec"]`` means comms signs first, then DPO and legal (both, either order),
then the executive. :func:`waiting` is the one answer to "who is next", used by the sign-off flow, the
statement message, the reminders and ``/warroom status``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Step = tuple[str, ...]


def steps(chain: Sequence[Any]) -> list[Step]:
    """The chain as a list of steps, each a tuple of roles (a single role is a one-role step)."""
    return [tuple(entry) if isinstance(entry, list | tuple) else (str(entry),) for entry in chain]


def stored(chain: Iterable[Sequence[str] | str]) -> list[str | list[str]]:
    """The chain as it is stored and written in playbooks: a one-role step is the bare role."""
    result: list[str | list[str]] = []
    for entry in chain:
        roles = [entry] if isinstance(entry, str) else list(entry)
        result.append(roles[0] if len(roles) == 1 else roles)
    return result


def roles(chain: Sequence[Any]) -> list[str]:
    """Every role of the chain, in order, once."""
    return list(dict.fromkeys(role for step in steps(chain) for role in step))


def step_of(chain: Sequence[Any], role: str) -> int | None:
    """The index of the step ``role`` signs, or None when it is not in the chain."""
    return next((index for index, step in enumerate(steps(chain)) if role in step), None)


def join(*chains: Sequence[Any]) -> list[str | list[str]]:
    """The first chain, then the steps of the others with their roles not yet in it (a running chain never
    loses a step)."""
    result: list[Step] = []
    seen: set[str] = set()
    for chain in chains:
        for step in steps(chain):
            fresh = tuple(role for role in step if role not in seen)
            if fresh:
                result.append(fresh)
                seen.update(fresh)
    return stored(result)


def insert_after(chain: Sequence[Any], role: str, after: str) -> list[str | list[str]]:
    """``role`` as a step of its own right after the step holding ``after`` (at the front if none does)."""
    parts = steps(chain)
    position = step_of(chain, after)
    parts.insert(0 if position is None else position + 1, (role,))
    return stored(parts)


@dataclass(frozen=True)
class Waiting:
    """The step that waits for sign-offs: its index, all its roles, and those not signed yet."""

    index: int
    group: Step
    roles: Step
    total: int

    @property
    def last(self) -> bool:
        return self.index + 1 == self.total


def waiting(chain: Sequence[Any], signed: Iterable[tuple[int, str]]) -> Waiting | None:
    """Who is next: the first step with a role not yet signed, or None when every step is signed.

    ``signed`` holds the (step index, role) pairs of the sign-offs given on the version.
    """
    done = set(signed)
    parts = steps(chain)
    for index, group in enumerate(parts):
        missing = tuple(role for role in group if (index, role) not in done)
        if missing:
            return Waiting(index, group, missing, len(parts))
    return None


def label(step: Sequence[str], title) -> str:
    """A step's roles as people read them, e.g. "Data protection officer + Legal counsel"."""
    return " + ".join(title(role) for role in step)
