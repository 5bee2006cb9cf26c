"""Which accepted request the running follow-up is: its first committed change marks the row applied, in the
same transaction.

The worker runs each follow-up inside ``applying(engine, row_id)``. That binds a write hook (app/db.py,
``hooked_writes``: a session event, so every flow has it without calling anything) to the follow-up's thread:
the first session of the follow-up that commits a write (a decision, a task, an incident, a sign-off, the error
path's timeline entry) also sets ``accepted_requests.applied_at`` in that very transaction. Either both are
stored or neither is. A row claimed again after its worker died is then not run again (app/worker.py): its
person is answered instead, unless ``answered`` recorded that Slack confirmed their answer.

Everything the change owes Slack is written in that same transaction (outbox effects, stored jobs), so a row
that comes back applied owes its person an answer and nothing else.

The one answer that can still be seen twice: Slack has no idempotency key for an answer, and ``answered_at`` is
written after Slack took it. When the process dies after Slack accepted the answer (the follow-up's reply, or
the worker's delayed answer to a re-claimed row) and before ``answered_at`` is committed, the next claim answers
again ("this answer was delayed"). The window is one database write long for an answer given outside a
transaction; for an answer given inside the follow-up's write transaction (SQLite's writer is then this very
thread) it lasts until the follow-up returns and ``settle`` writes it down. The second answer is ephemeral and
says the change took effect once; nothing is done twice.

Writes that belong with the follow-up's first change, but are not a change of their own (an event's claim on
its ``event_id``), wait in ``also`` and are written in that same transaction (or alone by ``settle`` when the
follow-up changed nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from app.db import hooked_writes, transaction, write_lock, writing_here
from app.requests_queue.models import AcceptedRequest
from app.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class Followup:
    """The accepted request a thread is following up (a write hook: see the module's docstring)."""

    engine: Engine
    row_id: int
    applied: bool = False
    answered: bool = False  # the person who acted was answered (Slack confirmed it)
    answer_noted: bool = False  # ... and the row says so
    also: list[Callable[[OrmSession], None]] = field(default_factory=list)

    def before_commit(self, session: OrmSession) -> None:
        if self.applied:
            return
        for write in self.also:
            write(session)
        session.execute(update(AcceptedRequest).where(col(AcceptedRequest.id) == self.row_id,
                                                      col(AcceptedRequest.applied_at).is_(None))
                        .values(applied_at=utcnow()))

    def committed(self) -> None:
        self.applied = True
        self.also.clear()

    def note_answer(self) -> None:
        """Write down that the person was answered, unless it is written already."""
        if self.answered and not self.answer_noted:
            try:
                mark_answered(self.engine, self.row_id)
                self.answer_noted = True
            except Exception:  # the worst case is a second, delayed answer after a crash
                log.exception("could not note that accepted request %s was answered", self.row_id)

    def settle(self) -> None:
        """The follow-up returned: writes still waiting in ``also`` are stored now (and mark the row), and an
        answer given inside a transaction is written down."""
        self.note_answer()
        if self.also and not self.applied:
            with transaction(self.engine) as session:
                for write in list(self.also):
                    write(session)
                self.also.clear()  # written: before_commit must not add them twice


_current: ContextVar[Followup | None] = ContextVar("warroom_followup", default=None)


def current() -> Followup | None:
    """The follow-up this thread runs, if any (a worker's dispatch of an accepted request)."""
    return _current.get()


@contextmanager
def applying(engine: Engine, row_id: int) -> Iterator[Followup]:
    """Run the follow-up of accepted request ``row_id`` in here: its first committed write marks the row."""
    followup = Followup(engine, row_id)
    token = _current.set(followup)
    try:
        with hooked_writes(followup):
            yield followup
    finally:
        _current.reset(token)


def mark_answered(engine: Engine, row_id: int) -> None:
    """Slack confirmed the answer to the person who acted: a re-claim of the row need not answer them again.

    Written on a connection of its own, outside the session events: an answer is not a change of the record."""
    with write_lock(engine), engine.begin() as connection:
        connection.execute(update(AcceptedRequest).where(col(AcceptedRequest.id) == row_id)
                           .values(answered_at=utcnow()))


def answered() -> None:
    """The person who acted was answered (called by the one reply path, app/slack/pipeline.py). Written down at
    once, unless this thread is inside a write transaction (SQLite's one writer is then this very thread): then
    when the follow-up returns (``settle``)."""
    followup = current()
    if followup is None:
        return
    followup.answered = True
    if not writing_here(followup.engine):
        followup.note_answer()
