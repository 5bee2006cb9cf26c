"""Which function runs each kind of scheduled job.

The domains own their handlers; one wiring function registers them all with ``register(kind, handler)``.
A handler is called as ``handler(core, **payload)``. The bot's own kinds are the members of ``JobKind``
(app/scheduling/kinds.py); a test may register a kind of its own.
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[..., None]
# What a domain's ``register_handlers`` is given: ``register(kind, handler)``.
Register = Callable[[str, Handler], None]

_handlers: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    """Make ``handler`` run jobs of ``kind``; registering the same pair again is harmless."""
    if not kind or not isinstance(kind, str):
        raise ValueError(f"a job kind must be a non-empty string, not {kind!r}")
    current = _handlers.get(kind)
    if current is not None and current is not handler:
        raise ValueError(f"job kind {kind!r} already has a handler ({current.__module__}.{current.__qualname__})")
    _handlers[kind] = handler


def unregister(kind: str) -> None:
    _handlers.pop(kind, None)


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def kinds() -> list[str]:
    return sorted(_handlers)
