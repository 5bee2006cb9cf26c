"""A module's functions, imported on their first call: so that a process that never calls them never loads them.

The web role builds the same Bolt app as the worker (app/wiring.py) but runs only the acks; the statement
listeners bring the drafting code with them (the model client, the statement checks, their word lists), which
only the worker runs.
"""

from __future__ import annotations

import importlib
from typing import Any


class Later:
    """``module.name``, imported when first called; named like the function (Bolt and the pipeline use names)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.__name__ = name
        self._function: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._function is None:
            self._function = getattr(importlib.import_module(self.module), self.__name__)
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self.module}.{self.__name__}, imported on first call>"


class LaterModule:
    """A module whose attributes are ``Later`` functions: ``LaterModule("app.x").f(...)`` imports app.x there."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Later:
        if name.startswith("__"):
            raise AttributeError(name)
        return Later(self._module, name)
