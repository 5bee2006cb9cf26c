"""SQLite's checkpoints run beside the writers, not inside the commit that an alert's answer waits for."""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from app.db import AUTOCHECKPOINT_PAGES, Checkpointer, make_engine, transaction

ROWS = 5000  # about 5 MB: past SQLite's own checkpoint threshold (1,000 pages of 4 KiB)


def _fill(engine) -> None:
    with transaction(engine) as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS filler (body TEXT)"))
        session.execute(text("INSERT INTO filler (body) VALUES (:body)"), [{"body": "x" * 1000}] * ROWS)


def test_a_commit_leaves_the_checkpoint_to_the_checkpointer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == AUTOCHECKPOINT_PAGES
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
    _fill(engine)
    assert os.path.getsize(tmp_path / "bot.db-wal") > 1 << 20
    checkpointer = Checkpointer(threshold=1 << 20)
    checkpointer.watch(engine)
    checkpointer.checkpoint_due()
    assert os.path.getsize(tmp_path / "bot.db") > ROWS * 1000  # the rows are in the database file now
    with transaction(engine) as session:
        assert session.execute(text("SELECT count(*) FROM filler")).scalar_one() == ROWS
    engine.dispose()


def test_the_process_checkpoints_on_its_own(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    _fill(engine)
    deadline = time.monotonic() + 10
    while os.path.getsize(tmp_path / "bot.db") <= ROWS * 1000:  # a bounded wait for the thread's next turn
        assert time.monotonic() < deadline, "the log was not checkpointed within 10 s"
        time.sleep(0.05)
    engine.dispose()


def test_a_small_log_and_a_removed_file_are_left_alone(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    with transaction(engine) as session:
        session.execute(text("CREATE TABLE filler (body TEXT)"))
    checkpointer = Checkpointer(threshold=1 << 20)
    checkpointer.watch(engine)
    assert checkpointer.checkpoint_due() == []  # a log below the threshold
    engine.dispose()
    for name in ("bot.db", "bot.db-wal", "bot.db-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    (tmp_path / "bot.db-wal").write_bytes(b"\0" * (2 << 20))  # a log past the threshold, its database gone
    assert checkpointer.checkpoint_due() == []
    assert not (tmp_path / "bot.db").exists()  # not created again by the checkpointer


def test_memory_and_server_databases_are_not_watched():
    checkpointer = Checkpointer()
    checkpointer.watch(make_engine("sqlite://"))
    assert checkpointer.checkpoint_due() == []
