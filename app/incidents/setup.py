"""Room set-up, the first minute of a crisis, as recorded steps.

Each step starts as soon as the steps it needs are done (independent steps run in parallel) and is
recorded before and after it calls Slack, so a set-up interrupted by a crash or by Slack failing resumes
at the first unfinished step with exactly one visible effect per step (see setup_steps). Transient
failures are retried with exponential backoff; a permanent one stops the set-up, is recorded with its
reason and told to the lead and the announce channel, and ``retry_setup`` resumes it once fixed. Rooms
are set up in order of severity, then manual declarations, then age (see setup_queue).

Set-ups run in the worker role (``serve_setups``); the web role only stores the incident and its steps
(``leave_to_workers``). The ``all`` role (one process) runs them itself.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from queue import SimpleQueue
from typing import Any

from prometheus_client import Counter
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.core import Core
from app.db import is_postgres, transaction
from app.i18n import PHRASES, language_of, render, say
from app.incidents import briefing, service, setup_notices, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus, NoticeStatus, Phase, SetupNotice, SetupStep, StepStatus
from app.incidents.setup_errors import Failure, backoff, classify
from app.incidents.setup_pacing import Pacing
from app.incidents.setup_queue import NEEDS, NewIncidents, SetupQueue, line
from app.incidents.setup_steps import BEGIN, CRITICAL, STEP_ROWS, STEPS, StepRun, gather_briefing, write_step
from app.incidents.views import Briefing, briefing_message
from app.slack.client import make_client
from app.slack.text import channel_link
from app.timeutil import utcnow

log = logging.getLogger(__name__)

# The steps of the critical chain (setup_steps.CRITICAL) call Slack first when they start with others: the
# steps beside them start once that call is on its way (or after HOLD_BACK seconds), so they do not take the
# CPU and the database from it in the milliseconds before its call. What the chain needs starts with it.
HOLD_BACK = 0.05
NEEDED_BY_CHAIN = {need for name in CRITICAL for need in NEEDS[name]} - set(CRITICAL)  # resolve_roles
# Rooms set up at the same time. A room takes about 0.4 s (mostly waiting for Slack) and 60-80 ms of CPU;
# more at once would not be faster in a real workspace (Slack creates about 20 channels a minute) but would
# take the CPU from the alert intake when a storm opens many incidents at once.
CONCURRENT_SETUPS = 2
_steps_pool = ThreadPoolExecutor(16, thread_name_prefix="warroom-setup-step")

SETUP_FAILURES = Counter("warroom_setup_failures_total", "Room set-ups stopped by a permanent error",
                         ["step", "error"])
SETUP_RETRIES = Counter("warroom_setup_retries_total", "Room set-up steps retried after a transient error",
                        ["step", "error"])


@dataclass
class _Runtime:
    queue: SetupQueue
    slack: WebClient
    pacing: Pacing


_runtimes: weakref.WeakKeyDictionary[Engine, _Runtime] = weakref.WeakKeyDictionary()
_runtimes_lock = threading.Lock()
_left_to_workers: weakref.WeakSet[Engine] = weakref.WeakSet()


def _runtime(core: Core) -> _Runtime:
    with _runtimes_lock:
        runtime = _runtimes.get(core.engine)
        if runtime is None:
            # Set-up calls are never repeated blindly by the client: a lost answer may hide a channel created or
            # a message posted. The steps retry themselves, after looking whether the earlier try took effect.
            slack = make_client(core.slack.token or "", core.slack.base_url, max_retries=0)
            queue = SetupQueue(core, _run_round, CONCURRENT_SETUPS)
            runtime = _runtimes[core.engine] = _Runtime(queue, slack, Pacing(core.engine))
        return runtime


def _load(core: Core, incident_id: int) -> tuple[Incident, dict[str, SetupStep]]:
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
        steps = {s.step: s for s in session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id))}
    return incident, steps


def _due(step: SetupStep) -> bool:
    if step.status in (StepStatus.PENDING, StepStatus.STARTED):
        return True
    return step.status == StepStatus.RETRYING and (step.retry_at is None or step.retry_at <= utcnow())


def _stored(session: Session, step: SetupStep) -> SetupStep:
    """The step's row as stored now (steps are kept as long as their incident)."""
    row = session.get(SetupStep, step.id)
    assert row is not None, f"set-up step {step.step} of incident {step.incident_id} is not stored"
    return row


def _start(core: Core, step: SetupStep) -> bool:
    """Record that a try begins (with what the step records then, see setup_steps.BEGIN); whether an earlier
    try's outcome is unknown. One statement, written once everything is ready (see ``write_step``)."""
    uncertain = step.status == StepStatus.STARTED or bool(step.detail.get("uncertain"))
    with Session(core.engine) as session:
        row = _stored(session, step)
        begun = BEGIN[step.step](row) if step.step in BEGIN else {}
        detail = {**row.detail, **begun}
    values: dict[str, Any] = {"status": StepStatus.STARTED, "attempts": STEP_ROWS.c.attempts + 1}
    write_step(core, step, {**values, "detail": detail} if begun else values)
    step.detail = {**step.detail, **begun}
    return uncertain


def _done(core: Core, step: SetupStep, detail: dict[str, Any]) -> None:
    with Session(core.engine) as session:
        stored = _stored(session, step).detail
    write_step(core, step, {"status": StepStatus.DONE, "error": None, "retry_at": None, "done_at": utcnow(),
                            "detail": {**stored, **detail, "uncertain": False}})


def _retry_later(core: Core, step: SetupStep, failure: Failure, uncertain: bool,
                 at: datetime | None = None) -> None:
    with transaction(core.engine) as session:
        row = _stored(session, step)
        delay = backoff(row.attempts, failure.retry_after)
        retry_at = max(at, utcnow() + timedelta(seconds=delay)) if at else utcnow() + timedelta(seconds=delay)
        row.status, row.error, row.retry_at = StepStatus.RETRYING, failure.code, retry_at
        row.detail = {**row.detail, "uncertain": uncertain or failure.uncertain}
        session.add(row)
    SETUP_RETRIES.labels(step=step.step, error=failure.code).inc()
    log.info("set-up of incident %s: %s failed (%s), retrying in %.0f s", step.incident_id, step.step, failure.code,
             delay)


def _stop(core: Core, step: SetupStep, failure: Failure, uncertain: bool) -> None:
    """A permanent failure: the step stops, the reason and the notices are stored (posted afterwards)."""
    with transaction(core.engine) as session:
        row = _stored(session, step)
        row.status, row.error, row.retry_at = StepStatus.FAILED, failure.reason, None
        row.detail = {**row.detail, "uncertain": uncertain or failure.uncertain, "code": failure.code}
        session.add(row)
        incident = service.get(session, step.incident_id)
        timeline.record(session, step.incident_id, TimelineKind.SETUP_FAILED,
                        f"{step.step}: {failure.reason}", actor="warroom",
                        step=step.step, error=failure.code)
        setup_notices.tell_failed(core, session, incident, step.step, failure)
    SETUP_FAILURES.labels(step=step.step, error=failure.code).inc()
    log.warning("set-up of incident %s stopped at %s: %s", step.incident_id, step.step, failure.reason)


def _wait_for_slack(core: Core, step: SetupStep, until: datetime) -> None:
    """Slack refuses this method for now (another room was told to wait): retry then, without asking."""
    with Session(core.engine) as session:
        row = _stored(session, step)
        uncertain = row.status == StepStatus.STARTED or bool(row.detail.get("uncertain"))
        detail = {**row.detail, "uncertain": uncertain}
    write_step(core, step, {"status": StepStatus.RETRYING, "error": "ratelimited", "retry_at": until,
                            "detail": detail})


def _run_step(core: Core, slack: WebClient, incident: Incident, step: SetupStep,
              gathered: Future[Briefing] | None = None, sent: threading.Event | None = None) -> bool:
    """One try of one step; True when it is done. ``sent`` is set once its call is on its way (or it ended)."""
    try:
        return _try_step(core, slack, incident, step, gathered, sent)
    finally:
        if sent is not None:
            sent.set()


def _try_step(core: Core, slack: WebClient, incident: Incident, step: SetupStep,
              gathered: Future[Briefing] | None, sent: threading.Event | None) -> bool:
    pacing = _runtime(core).pacing
    until = pacing.wait_until(step.step, incident.severity)
    if until is not None:
        _wait_for_slack(core, step, until)
        return False
    uncertain = _start(core, step)
    run = StepRun(core, slack, incident, step, uncertain, gathered=gathered, sent=sent)
    try:
        detail = STEPS[step.step](run)
    except Exception as exc:  # every failure is classified: retried later, or stopped and told
        failure = classify(exc)
        if failure.code.startswith("internal_error"):
            log.exception("set-up step %s of incident %s", step.step, incident.id)
        reopen = pacing.refused(step.step, failure.retry_after or backoff(1)) if failure.code == "ratelimited" else None
        if reopen is not None:  # every room waiting for this method is due at that moment: the order decides
            _retry_later(core, step, failure, uncertain, at=reopen)
            return False
        (_retry_later if failure.transient else _stop)(core, step, failure, uncertain)
        return False
    if not run.finished:
        _done(core, step, detail)
    return True


class _Round:
    """One round of a room's steps: what is done, and what the critical chain shares with the round."""

    def __init__(self, done: set[str]) -> None:
        self.lock = threading.Lock()
        self.done = set(done)
        self.events: SimpleQueue[tuple[str, bool | None]] = SimpleQueue()  # (step, done / failed / not started)
        self.sent: dict[str, threading.Event] = {}  # a critical step's call is on its way (or it ended)
        self.gathered: Future[Briefing] | None = None  # the briefing's content, gathered while the channel is made
        self.posted: Future[Briefing] | None = None  # what the briefing was posted from, when gathered ahead

    def can_start(self, name: str) -> bool:
        with self.lock:
            return all(need in self.done for need in NEEDS[name])

    def finished(self, name: str, ok: bool | None) -> None:
        """``name`` is done (True), failed (False) or was not started (None); tells the round's loop."""
        if ok:
            with self.lock:
                self.done.add(name)
        self.sent.setdefault(name, threading.Event()).set()
        self.events.put((name, ok))


def _try_in_round(core: Core, slack: WebClient, incident: Incident, step: SetupStep, round_: _Round,
                  gathered: Future[Briefing] | None = None) -> bool:
    """One try of one step in a round (which always hears how it went); True when it is done."""
    ok = False
    try:
        ok = _run_step(core, slack, incident, step, gathered, round_.sent.get(step.step))
    except Exception:  # the database failed around the step: it is still due, the next round tries again
        log.exception("set-up step %s of incident %s could not run", step.step, incident.id)
    finally:
        round_.finished(step.step, ok)
    return ok


def _run_one(core: Core, slack: WebClient, incident: Incident, step: SetupStep, round_: _Round) -> None:
    _try_in_round(core, slack, incident, step, round_, round_.gathered)


def _run_chain(core: Core, slack: WebClient, incident: Incident, chain: list[SetupStep], round_: _Round) -> None:
    """The critical steps one after the other on this thread, each as soon as what it needs is done (the post
    right after the channel, the pin right after the post, without a hand-over); a step whose needs are not
    done yet is left to the round's loop."""
    left = list(chain)
    try:
        while left:  # a failure to read the incident leaves the rest to the round's loop (which reads it too)
            step = left[0]
            if not round_.can_start(step.step):
                break
            if step is not chain[0]:  # the step before changed the incident (its channel, its briefing)
                with Session(core.engine) as session:
                    incident = service.get(session, incident.id or 0)
            left.pop(0)
            gathered = round_.gathered if step.step == "post_briefing" else None
            if gathered is not None:
                round_.posted = gathered
            if not _try_in_round(core, slack, incident, step, round_, gathered):
                break
    finally:
        for step in left:
            round_.finished(step.step, None)


def _run_steps(core: Core, incident: Incident, steps: dict[str, SetupStep],
               beside: Callable[[], None] | None = None) -> Future[Briefing] | None:
    """Run the unfinished steps that are due, each once what it needs is done, and ``beside`` with the first
    steps that are not critical; the briefing's content as it was gathered ahead of its post, when it was (see
    ``_check_posted``)."""
    assert incident.id is not None  # a stored incident
    incident_id = incident.id
    slack = _runtime(core).slack
    round_ = _Round({name for name, step in steps.items() if step.status == StepStatus.DONE})
    waiting = [name for name in NEEDS if name not in round_.done and _due(steps[name])]
    chained: set[str] = set()  # critical steps handed to a chain that has not ended
    outstanding = 0
    fresh = True  # the incident and steps as loaded reflect every step done so far
    while True:
        ready = [n for n in waiting if round_.can_start(n)]
        if ready and not fresh:
            incident, steps = _load(core, incident_id)  # once for all the steps starting now
        first = next((n for n in CRITICAL if n in ready), None)
        if first is not None:
            chain = [n for n in CRITICAL[CRITICAL.index(first):] if n in waiting]
            for name in chain:
                waiting.remove(name)
                round_.sent[name] = threading.Event()
            chained.update(chain)
            outstanding += len(chain)
            _steps_pool.submit(_run_chain, core, slack, incident, [steps[n] for n in chain], round_)
        # What the chain needs (the people, for the briefing) starts with it; the others once its call is on its
        # way.
        for name in [n for n in ready if n in NEEDED_BY_CHAIN]:
            waiting.remove(name)
            outstanding += 1
            _steps_pool.submit(_run_one, core, slack, incident, steps[name], round_)
        others = [n for n in ready if n not in CRITICAL and n not in NEEDED_BY_CHAIN]
        calling = [round_.sent[n] for n in CRITICAL if n in chained and n not in round_.done and round_.can_start(n)]
        if calling and (others or beside is not None):
            calling[0].wait(HOLD_BACK)
        if beside is not None:
            beside()
            beside = None
        for name in others:
            waiting.remove(name)
            outstanding += 1
            _steps_pool.submit(_run_one, core, slack, incident, steps[name], round_)
        fresh = False
        if (round_.gathered is None and "resolve_roles" in round_.done and "create_channel" not in round_.done
                and "post_briefing" in chained):
            # The briefing needs the people and the channel: gather it while Slack creates the channel.
            round_.gathered = _steps_pool.submit(gather_briefing, core, incident_id)
        if not outstanding:
            return round_.posted  # steps still waiting need one that is not done: they run in a later round
        events = [round_.events.get()]
        while not round_.events.empty():
            events.append(round_.events.get())
        for name, ok in events:
            outstanding -= 1
            if name in chained:
                chained.discard(name)
            if ok is None:  # a chain left it: it starts here once what it needs is done
                waiting.append(name)


def _check_posted(core: Core, incident_id: int, gathered: Future[Briefing] | None) -> None:
    """The briefing was posted as gathered while the channel was created: when the record changed since,
    ask for the message to be brought up to date (after the set-up, off its critical path)."""
    if gathered is None or gathered.exception() is not None:
        return
    try:
        with Session(core.engine) as session:
            posted = service.get(session, incident_id)
        if posted.briefing_ts and briefing_message(gather_briefing(core, incident_id)) != briefing_message(
                gathered.result()):
            with transaction(core.engine) as session:
                briefing.enqueue_refresh(session, incident_id)
    except Exception:  # the next change refreshes it anyway
        log.exception("could not compare the posted briefing of incident %s with its record", incident_id)


def _planned(planning: Future[None] | None, incident_id: int) -> None:
    if planning is not None and planning.exception() is not None:
        log.error("could not plan the reminders of incident %s", incident_id, exc_info=planning.exception())


def _run_round(core: Core, incident_id: int) -> None:
    """Everything that can be done now for one room; the queue calls it for one incident at a time."""
    incident, steps = _load(core, incident_id)
    if incident.phase != Phase.SETUP or incident.status != IncidentStatus.OPEN:
        return
    # Reminders and clocks are planned (idempotently) while the steps wait for Slack.
    planning: list[Future[None]] = []

    def plan() -> None:
        if core.scheduler and core.plan_reminders:
            planning.append(_steps_pool.submit(core.plan_reminders, core, incident_id))

    posted = _run_steps(core, incident, steps, plan)
    _planned(planning[0] if planning else None, incident_id)
    _check_posted(core, incident_id, posted)
    _deliver_notices(core, incident_id)
    _, steps = _load(core, incident_id)
    if any(step.status != StepStatus.DONE for step in steps.values()):
        return
    with transaction(core.engine) as session:
        row = service.get(session, incident_id)
        if row.phase != Phase.SETUP:
            return
        row.phase, row.room_ready_at = Phase.ACTIVE, utcnow()
        timeline.record(session, incident_id, TimelineKind.ROOM_READY, f"#{row.channel_name}", actor="warroom")


NOTICE_TRIES = 6


def _deliver_notices(core: Core, incident_id: int | None, attempt: int = 1) -> None:
    """Post the stored notices; those Slack refused for now are tried again a few times with backoff (and at
    the next start)."""
    setup_notices.deliver(core, incident_id, _runtime(core).slack)
    if attempt >= NOTICE_TRIES or _runtime(core).queue.stopped:
        return
    with Session(core.engine) as session:
        query = select(SetupNotice.id).where(SetupNotice.status == NoticeStatus.PENDING)
        if incident_id is not None:
            query = query.where(SetupNotice.incident_id == incident_id)
        waiting = session.exec(query).first()
    if waiting is not None:
        timer = threading.Timer(backoff(attempt), _deliver_notices, (core, incident_id, attempt + 1))
        timer.daemon = True
        timer.start()


def _waiting(core: Core, incident_id: int) -> bool:
    """The incident's set-up can run now (it is in line)."""
    with Session(core.engine) as session:
        ready, _ = line(session)
    return incident_id in ready


def run_setup(core: Core, incident_id: int) -> bool:
    """Set up the room (in line with the others); True when it is ready. Safe to call again at any time.

    Returns after this incident's next round: the room is ready, or a step waits for a retry (done later
    on its own) or stopped on a permanent error (told to the lead; ``retry_setup`` resumes it).
    """
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
    if incident.phase != Phase.SETUP:
        return incident.phase == Phase.ACTIVE
    queue = _runtime(core).queue
    seen = queue.rounds(incident_id)
    if queue.running(incident_id) or _waiting(core, incident_id):
        queue.kick()
        queue.wait_round(incident_id, seen, lambda: _waiting(core, incident_id))
    with Session(core.engine) as session:
        return service.get(session, incident_id).phase == Phase.ACTIVE


def leave_to_workers(core: Core) -> None:
    """This process (the web role) stores set-ups and leaves them to the worker processes: ``start_setup``
    does nothing here, a worker's ``serve_setups`` sees the stored incident within its poll."""
    _left_to_workers.add(core.engine)


def start_setup(core: Core) -> None:
    """Have the stored set-ups picked up in order, without waiting for them (for the alert intake: unlike
    ``core.submit(run_setup, ...)`` it holds no worker thread while rooms wait their turn). In the web role
    the worker processes do it."""
    if core.engine in _left_to_workers:
        return
    _runtime(core).queue.kick()


def retry_setup(core: Core, incident_id: int) -> str:
    """Resume a set-up that stopped (after its cause was fixed); what to tell the person who asked, in the
    incident's language (the workspace's when there is no such incident)."""
    with transaction(core.engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return _answer(core, None, "error.no_incident", id=incident_id)
        if incident.status != IncidentStatus.OPEN:
            return _answer(core, incident, "setup.retry_closed", id=incident_id)
        if incident.phase != Phase.SETUP:
            return _answer(core, incident, "setup.retry_done", id=incident_id,
                           room=channel_link(incident.channel_id or ""))
        waiting = (StepStatus.FAILED, StepStatus.RETRYING)
        stopped = session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id,
                                                       col(SetupStep.status).in_(waiting))).all()
        for step in stopped:  # due now; an earlier try whose outcome is unknown is still looked for first
            step.status, step.retry_at = StepStatus.RETRYING, None
            session.add(step)
        timeline.record(session, incident_id, TimelineKind.SETUP_RETRIED,
                        ", ".join(s.step for s in stopped), actor="warroom")
    ready = run_setup(core, incident_id)
    incident, steps = _load(core, incident_id)
    if ready:
        return _answer(core, incident, "setup.retry_ready", id=incident_id,
                       room=channel_link(incident.channel_id or ""))
    failed = [s for s in steps.values() if s.status == StepStatus.FAILED]
    if failed:
        return _answer(core, incident, "setup.retry_stopped", id=incident_id, step=failed[0].step,
                       error=_reason(failed[0], language_of(incident.language)))
    return _answer(core, incident, "setup.retry_waiting", id=incident_id)


def _answer(core: Core, incident: Incident | None, key: str, **values: Any) -> str:
    """A phrase of ``retry_setup``'s answer in the incident's language, else the workspace's."""
    language = incident.language if incident is not None else core.settings.warroom_language
    return render(language, key, values, core.settings.warroom_timezone)


def _reason(step: SetupStep, language: str) -> str:
    """Why a step stopped, in ``language``: Slack's error code and what it means (as stored when it is unknown)."""
    code = str(step.detail.get("code") or "")
    if f"setup.reason.{code}" not in PHRASES[language]:
        return step.error or f"`{code}`"
    needed = re.search(r"\(`([^`]+)`\)", step.error or "")
    return f"`{code}`: " + say(language, f"setup.reason.{code}", needed=f" (`{needed[1]}`)" if needed else "")


def warm_up(core: Core) -> None:
    """Look up, before the first alert, what every room needs: the bot's own user and the roster's groups."""
    try:
        core.bot_user_id  # noqa: B018 - cached on first use
        handles = {e for role in core.roster.roles for e in core.roster.holders(role) if e.startswith("@")}
        if handles:
            core.directory.group_ids()
            for handle in sorted(handles):
                core.directory.group_members(handle)
    except (SlackApiError, OSError) as exc:  # the first room looks them up itself
        log.warning("could not look up the bot user and user groups at start: %s", exc)


def resume_all(core: Core) -> list[int]:
    """At start: finish every set-up a previous process left unfinished, and post the notices it left."""
    with Session(core.engine) as session:
        pending = service.pending_setups(session)
    core.submit(_deliver_notices, core, None)
    if pending or is_postgres(core.engine):  # shared by several processes: keep looking for their rooms too
        _runtime(core).queue.kick()
    return pending


def serve_setups(core: Core, every: float) -> NewIncidents:
    """The worker role's set-ups: the caches every room needs, the set-ups left unfinished, and from now on
    every incident another process stores, seen within ``every`` seconds. ``stop()`` the answer at the end."""
    core.submit(warm_up, core)
    resumed = resume_all(core)
    if resumed:
        log.info("resuming the set-up of incidents %s", resumed)
    watch = NewIncidents(core, _runtime(core).queue, every)
    watch.look()  # what is stored now was just resumed
    return watch.start()
