"""The project's exception for what a person can fix, told to them in the language of the request.

A ``UserError`` names a phrase and the values that fill it (``UserError(key="error.no_incident", id=3)``); the
one error path (app/slack/pipeline.py) renders it in the language of the incident the request is about, and its
``str()`` is the English text, for logs. The phrases live above this module (app/i18n.py), which hands its
renderer down with ``use_renderer`` when it is imported. An error built from a plain message (older code) is
shown as written. Anything else that goes wrong is a fault of the bot: the person is told that it failed, that
nothing they entered was lost, and given a reference that is logged with the traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# (language, phrase key, values, time zone) -> the text
Renderer = Callable[[str | None, str, Mapping[str, Any], str | None], str]
_renderer: list[Renderer] = []


def use_renderer(renderer: Renderer) -> None:
    """How phrases are rendered (app/i18n.py registers ``render`` once it is imported)."""
    _renderer[:] = [renderer]


class UserError(Exception):
    """Input or a request that cannot be carried out as given; the message says what was wrong."""

    def __init__(self, message: str | None = None, *, key: str | None = None, **values: Any) -> None:
        super().__init__(message if message is not None else key or "")
        self.key = key
        self.values = values

    def text(self, language: str | None, tz: str | None = None) -> str:
        """What the person is told, in ``language`` (times in zone ``tz``)."""
        if self.key is None or not _renderer:
            return super().__str__()
        return _renderer[0](language, self.key, self.values, tz)

    def __str__(self) -> str:
        return self.text("en")


class Refused(UserError):
    """The person may not do this; the message names who may."""
