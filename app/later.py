"""A module's functions, imported on their first call: so that a process that never calls them never loads them.

The wiring table (app/wiring.py) names every listener module this way: the web role registers the same table
as the worker but runs only the acks, so it never loads what the listeners bring with them (the drafting code
with the model client, the statement checks and their word lists, the reports, the status read model).
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
