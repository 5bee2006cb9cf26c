"""Test databases on a PostgreSQL server: one fresh database per test, copied from a migrated template.

Each pytest process (each xdist worker) migrates its own template once, so workers never wait on each other
and ``CREATE DATABASE ... TEMPLATE`` (which needs the template unused) never meets another session.
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from app.db import make_engine, postgres_url
from app.migrate import upgrade


class PostgresServer:
    """Creates and drops databases on the server at ``url`` (a URL to any database the user may connect to)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(postgres_url(url))
        self.prefix = f"wr_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}"
        self._admin: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
        self._names = itertools.count()
        self._template: str | None = None
        self._lock = threading.Lock()

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(sql))

    def _migrated_template(self) -> str:
        if self._template is None:
            name = f"{self.prefix}_template"
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            engine = make_engine(self.url_of(name))
            try:
                upgrade(engine)
            finally:
                engine.dispose()
            self._template = name
        return self._template

    def create(self, *, migrated: bool = True) -> str:
        """A new database (migrated to the newest schema, or empty); returns its URL."""
        with self._lock:
            template = self._migrated_template() if migrated else "template0"
            name = f"{self.prefix}_{next(self._names)}"
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url_of(name)

    def drop(self, url: str) -> None:
        """Drop a database made by ``create``, ending any connection a test left open to it."""
        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        if self._template is not None:
            self._execute(f'DROP DATABASE IF EXISTS "{self._template}" WITH (FORCE)')
        self._admin.dispose()
