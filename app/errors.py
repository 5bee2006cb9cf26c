"""The project's exception for what a person can fix, told to them in the language of the request.

A ``UserError`` names a phrase of app/i18n.py and the values that fill it (``UserError(key="error.x", id=3)``);
the one error path (app/slack/pipeline.py) renders it in the language of the incident the request is about,
and its ``str()`` is the English text, for logs. An error built from a plain message (older code) is shown as
written. Anything else that goes wrong is a fault of the bot: the person is told that it failed, that nothing
they entered was lost, and given a reference that is logged with the traceback.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Input or a request that cannot be carried out as given; the message says what was wrong."""

    def __init__(self, message: str | None = None, *, key: str | None = None, **values: Any) -> None:
        self.key = key
        self.values = values
        if message is None:
            message = self.text("en") if key else ""
        super().__init__(message)

    def text(self, language: str | None, tz: str | None = None) -> str:
        """What the person is told, in ``language`` (times in zone ``tz``)."""
        if self.key is None:
            return str(self)
        from app.i18n import render  # the phrases import the time helpers, which define errors of their own

        return render(language, self.key, self.values, tz)


class Refused(UserError):
    """The person may not do this; the message names who may."""
