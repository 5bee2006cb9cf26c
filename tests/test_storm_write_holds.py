"""Traced runs (``WARROOM_STAGE_TIMES``) note how long each transaction held SQLite's write lock and which code
began it: the intake's and the acks' tails wait exactly that long."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

TRACED = """
import sys

import pytest
from sqlalchemy import text
from app import migrate
from app.db import make_engine, transaction
from app.inbound import stages
engine = make_engine(sys.argv[1])
migrate.upgrade(engine)
with transaction(engine) as session:
    session.execute(text("SELECT 1"))  # a read-only transaction holds no write lock
stages.flush()
"""


def test_write_holds_are_noted_with_the_code_that_began_them(tmp_path):
    out = tmp_path / "stages.jsonl"
    env = {**os.environ, "WARROOM_STAGE_TIMES": str(out)}
    done = subprocess.run([sys.executable, "-c", TRACED, f"sqlite:///{tmp_path / 'bot.db'}"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    holds = [r for r in records if r["kind"] == "write-hold"]
    assert holds, records
    assert all(r["pid"] > 0 and r["ms"] >= 0 for r in holds)
    assert any(r["where"].startswith("migrations/env.run_migrations") for r in holds)  # who wrote, named
    assert len(holds) == 1  # the read-only transaction is not among them


def test_untraced_engines_time_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "WARROOM_STAGE_TIMES"}
    code = ("import sys; from app.db import make_engine; "
            "e = make_engine(sys.argv[1]); print(len(e.dispatch.commit), len(e.dispatch.before_cursor_execute))")
    done = subprocess.run([sys.executable, "-c", code, f"sqlite:///{tmp_path / 'bot.db'}"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]  # nothing timed on the writers' path


def test_a_write_alone_is_committed_within_its_statement(tmp_path):
    import sqlite3

    from sqlalchemy import text

    from app.db import make_engine, transaction, write_alone

    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with transaction(engine) as session:
        session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"))
        session.execute(text("INSERT INTO t VALUES (1, 0)"))
    other = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
    assert write_alone(engine, text("UPDATE t SET v = v + 1 WHERE id = 1")) == 1
    # Committed and the lock free as soon as it returned: another process's writer gets it at once.
    other.execute("BEGIN IMMEDIATE")
    assert other.execute("SELECT v FROM t").fetchone() == (1,)
    other.execute("COMMIT")
    with pytest.raises(Exception, match="NOT NULL"):  # a failed statement leaves nothing written
        write_alone(engine, text("UPDATE t SET v = NULL WHERE id = 1"))
    other.execute("BEGIN IMMEDIATE")
    assert other.execute("SELECT v FROM t").fetchone() == (1,)
    other.execute("ROLLBACK")
    other.close()
    engine.dispose()
