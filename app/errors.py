"""The project's exception for what a person can fix: its message is shown to them as it is.

Anything else that goes wrong is a fault of the bot: the person is told that it failed, that nothing they
entered was lost, and given a reference that is logged with the traceback (see app/slack/pipeline.py).
"""

from __future__ import annotations


class UserError(Exception):
    """Input or a request that cannot be carried out as given; the message says what was wrong."""


class Refused(UserError):
    """The person may not do this; the message names who may."""
