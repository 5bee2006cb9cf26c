"""The bot creates its SQLite file once, at start, and never again: a file that went away is an error, not a new
empty database the bot would go on writing to while the team's records sit elsewhere."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import make_engine, open_sqlite, transaction


def test_a_new_database_file_is_created_at_start(tmp_path):
    path = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{path}")
    assert path.exists()
    with transaction(engine) as session:
        session.execute(text("CREATE TABLE kept (body TEXT)"))
        session.execute(text("INSERT INTO kept VALUES ('decision 1')"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("SELECT body FROM kept")).scalar_one() == "decision 1"
    engine.dispose()


def test_a_database_file_moved_away_is_an_error_and_is_not_created_again(tmp_path):
    path = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{path}")
    with transaction(engine) as session:
        session.execute(text("CREATE TABLE kept (body TEXT)"))
        session.execute(text("INSERT INTO kept VALUES ('decision 1')"))
    engine.dispose()  # the pool's connections are gone: the next one opens the file afresh
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.move(path, tmp_path / "elsewhere.db")

    with pytest.raises(OperationalError, match="unable to open database file"), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with pytest.raises(sqlite3.OperationalError, match="unable to open database file"):
        open_sqlite(str(path), timeout=0, autocommit=True)
    assert not path.exists()

    shutil.move(tmp_path / "elsewhere.db", path)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM kept")).scalar_one() == "decision 1"
    engine.dispose()
