"""Shared fixtures: a running bot against the fake Slack, with a fresh database per test.

The database is a SQLite file in the test's temporary folder, or, when ``WARROOM_TEST_POSTGRES`` holds the URL of
a PostgreSQL server (``.ci/postgres`` starts one), a database of its own on that server, created per test from a
migrated template. Tests that are about SQLite itself (WAL, the file on disk, the process's write lock) are marked
``sqlite_only`` and skipped on PostgreSQL.
"""

from __future__ import annotations

import os

import pytest

for proxy in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(proxy, None)
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

# Import every module that defines pydantic/SQLModel classes before any test freezes time: classes first
# built under freezegun would see its FakeDatetime instead of datetime. The same holds for matplotlib's
# date converters, which the bot loads on the first report only.
import matplotlib.dates  # noqa: E402,F401

import app.reminders  # noqa: E402
import app.sandbox.harness  # noqa: E402,F401
import app.server  # noqa: E402,F401
import app.wiring  # noqa: E402,F401
from tests.postgres import PostgresServer  # noqa: E402

app.reminders.register_all()

POSTGRES = PostgresServer(os.environ["WARROOM_TEST_POSTGRES"]) if os.environ.get("WARROOM_TEST_POSTGRES") else None


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): about SQLite itself; skipped when tests run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only(reason): needs PostgreSQL; skipped when tests run on SQLite")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if POSTGRES is not None and (marker := item.get_closest_marker("sqlite_only")):
            item.add_marker(pytest.mark.skip(reason="SQLite only: " + (marker.args[0] if marker.args else "")))
        if POSTGRES is None and (marker := item.get_closest_marker("postgres_only")):
            item.add_marker(pytest.mark.skip(reason="needs WARROOM_TEST_POSTGRES (run under .ci/postgres): "
                                             + (marker.args[0] if marker.args else "")))


def pytest_sessionfinish(session, exitstatus):
    if POSTGRES is not None:
        POSTGRES.close()


@pytest.fixture
def new_database(tmp_path):
    """A factory of fresh, empty test databases: ``new_database("name")`` returns its SQLAlchemy URL.

    Migrated to the newest schema unless ``migrated=False`` (for tests of the migrations themselves). On SQLite
    the file ``<tmp>/<name>.db``, not created yet (the app creates and migrates it); the same name gives the same
    database within a test.
    """
    made: dict[str, str] = {}

    def make(name: str = "warroom", *, migrated: bool = True) -> str:
        if name not in made:
            made[name] = (POSTGRES.create(migrated=migrated) if POSTGRES is not None
                          else f"sqlite:///{tmp_path / (name + '.db')}")
        return made[name]

    yield make
    if POSTGRES is not None:
        for url in made.values():
            POSTGRES.drop(url)


@pytest.fixture
def database_url(new_database):
    """The URL of this test's database (a SQLite file, or a PostgreSQL database of its own)."""
    return new_database()


def _database_of(name: str, new_database) -> dict:
    """A sandbox's database: on SQLite the harness's own file in its folder, on PostgreSQL a database per name."""
    return {} if POSTGRES is None else {"database_url": new_database(f"box-{name}")}


@pytest.fixture
def sandbox(tmp_path, new_database):
    """The whole bot served on loopback: ``sandbox.driver`` acts as Slack, ``sandbox.fake`` is the Web API."""
    from app.sandbox.harness import Sandbox

    with Sandbox(tmp_path / "sandbox", **_database_of("sandbox", new_database)) as box:
        yield box


@pytest.fixture
def make_sandbox(tmp_path, new_database):
    """A factory for sandboxes with other settings (e.g. a fake OpenAI server, an announce channel)."""
    from app.sandbox.harness import Sandbox

    boxes = []

    def make(name: str = "custom", **overrides):
        if "database_url" not in overrides:  # a sandbox made again under the same name reopens its database
            overrides.update(_database_of(name, new_database))
        box = Sandbox(tmp_path / name, **overrides)
        boxes.append(box)
        return box

    yield make
    for box in reversed(boxes):
        box.close()


@pytest.fixture
def web_role(tmp_path, new_database):
    """The bot's web role alone on loopback (it acks, stores and rings the workers; nothing follows up until a
    worker runs), on SQLite or on the PostgreSQL server of the run."""
    from app.sandbox.harness import Sandbox, ServerThread
    from app.server import create_app

    box = Sandbox(tmp_path / "web", serve=False, **_database_of("web", new_database))
    box.server = ServerThread(create_app(box.core, role="web"), box.port)
    box.server.start()
    yield box
    box.close()


def social_alert(**overrides) -> dict:
    """A realistic generic alert from a social listening tool."""
    body = {
        "source": "social-listening",
        "kind": "shitstorm",
        "title": "Backlash over the #WinterCampaign ad",
        "description": "Mentions of the brand jumped to 6x the hourly baseline; negative share 58%.",
        "severity": "high",
        "dedup_key": "social:wintercampaign",
        "labels": {"platform": "x", "hashtag": "wintercampaign"},
        "url": "https://listening.example.com/alerts/123",
        "metrics": {"mentions_per_hour": 4200, "negative_share": 0.58},
    }
    body.update(overrides)
    return body


def open_room(box, **alert):
    """A social alert received and its room set up directly on the core (no HTTP server, no listener threads):
    for tests that drive the clock with freezegun."""
    from sqlmodel import Session

    from app.alerts.flows import receive
    from app.alerts.parsers import parse_generic
    from app.incidents.models import Incident
    from app.incidents.setup import run_setup

    result = receive(box.core, parse_generic(social_alert(**alert)))
    assert run_setup(box.core, result.incident_id)
    with Session(box.core.engine) as session:
        return session.get(Incident, result.incident_id)
