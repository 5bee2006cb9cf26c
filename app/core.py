"""The domain core's runtime: settings, database, playbooks, roster, Slack client, scheduler, workers.

The same Core runs in the server, the demo and the tests; Slack is one adapter around it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.playbooks import templates
from app.playbooks.loader import PlaybookSet, load_playbooks
from app.roles.directory import Directory
from app.roles.roster import Roster, load_roster
from app.slack.client import make_client

if TYPE_CHECKING:
    from app.effects.delivery import Deliverer
    from app.monitoring.runtime import Monitoring
    from app.scheduling.scheduler import Scheduler

log = logging.getLogger(__name__)
DRAFTS_AT_ONCE = 8


@dataclass
class Core:
    settings: Settings
    engine: Engine
    playbooks: PlaybookSet
    roster: Roster
    slack: WebClient
    directory: Directory
    workers: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(16, thread_name_prefix="warroom"))
    # Drafts wait on the model (up to WARROOM_LLM_TIMEOUT each): a pool of their own, so that waiting never
    # takes the threads that answer people, and at most this many model calls run at once.
    drafting: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DRAFTS_AT_ONCE, thread_name_prefix="warroom-draft"))
    scheduler: Scheduler | None = None
    effects: Deliverer | None = None  # the outbox's worker (app/effects/delivery.py), set up by app/wiring.py
    monitoring: Monitoring | None = None  # the monitors watched (app/monitoring/runtime.py), set by app/wiring.py
    # Called with (core, incident_id) after an incident is closed; filled by app/wiring.py.
    close_hooks: list[Callable[[Core, int], None]] = field(default_factory=list)
    # Called with (core, incident_id) after an incident's severity changed; filled by app/wiring.py.
    severity_hooks: list[Callable[[Core, int], None]] = field(default_factory=list)
    # Plans a new incident's reminders and clocks (app.reminders.schedule_incident, set by app/wiring.py).
    plan_reminders: Callable[[Core, int], None] | None = None
    alert_updates: Any = None
    alert_intake: Any = None
    _bot_user_id: str | None = None
    _bot_user_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            with self._bot_user_lock:  # one auth.test, however many threads ask at once
                if self._bot_user_id is None:
                    self._bot_user_id = self.slack.auth_test()["user_id"]
        return self._bot_user_id

    def __deepcopy__(self, _memo) -> Core:
        """Bolt copies a request's context for its lazy listeners: the core is shared, never copied."""
        return self

    def deliver(self) -> None:
        """Something was written to the outbox: deliver it now (in the background when a worker runs)."""
        if self.effects is not None:
            self.effects.kick()

    def submit(self, fn, *args, pool: ThreadPoolExecutor | None = None, **kwargs):
        """Run slow work off the request path (on ``pool``, default the workers); failures are logged."""
        future = (pool or self.workers).submit(fn, *args, **kwargs)
        future.add_done_callback(_log_failure)
        return future

    def shutdown(self) -> None:
        if self.alert_intake is not None:
            self.alert_intake.stop()
        if self.alert_updates is not None:
            self.alert_updates.cancel()
        if self.scheduler is not None:
            self.scheduler.shutdown()
        if self.effects is not None:
            self.effects.stop()
        self.directory.close()
        self.drafting.shutdown(wait=True, cancel_futures=False)
        self.workers.shutdown(wait=True, cancel_futures=False)
        self.engine.dispose()


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("background work failed", exc_info=future.exception())


def build_core(settings: Settings, *, slack: WebClient | None = None, roster: Roster | None = None,
               migrate_db: bool = True, check_templates: bool = True) -> Core:
    """Load and validate everything the bot needs; raises with a clear message on bad playbooks or roster.

    ``check_templates=False`` (the web role, which renders no statement): the playbooks' statement templates
    are not rendered at load, so Jinja2 stays unloaded; the worker processes check them when they start."""
    roster = roster if roster is not None else load_roster(Path(settings.warroom_roster))
    held = [role for role, holders in roster.roles.items() if holders]  # a stakeholder may be owned by one of them
    with nullcontext() if check_templates else templates.unchecked():
        playbooks = load_playbooks(Path(settings.warroom_playbooks), held)
    engine = make_engine(settings.database_url)
    if migrate_db:
        migrate.upgrade(engine)
    client = slack or make_client(settings.slack_bot_token, settings.slack_api_url)
    return Core(settings=settings, engine=engine, playbooks=playbooks, roster=roster, slack=client,
                directory=Directory(client, ttl=settings.warroom_directory_ttl))
