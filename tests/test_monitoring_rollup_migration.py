"""Migration 0022: the per-minute rollups gain the count of negative posts with risk terms; rows stored before it
read 0 there and are kept, both ways (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from app import migrate
from app.db import make_engine
from app.dbtypes import UTCDateTime

MINUTE = datetime(2026, 11, 30, 9, 12, tzinfo=UTC)


def _columns(engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("mention_rollups")}


def test_the_rollups_gain_risky_negative_and_keep_their_rows_both_ways(new_database):
    engine = make_engine(new_database("rollups", migrated=False))
    migrate.upgrade(engine, "0021")
    rollups = sa.table("mention_rollups", sa.column("monitor_id"), sa.column("minute", UTCDateTime()),
                       *(sa.column(name) for name in ("mentions", "scored", "negative", "risky", "reach")))
    with engine.begin() as connection:
        connection.execute(rollups.insert().values(monitor_id="northwind", minute=MINUTE, mentions=7, scored=7,
                                                   negative=3, risky=2, reach=900))
    assert "risky_negative" not in _columns(engine)

    migrate.upgrade(engine, "0022")
    assert "risky_negative" in _columns(engine)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT mentions, negative, risky, risky_negative FROM mention_rollups "
                                         "WHERE monitor_id = 'northwind'")).one()
    assert tuple(row) == (7, 3, 2, 0)

    migrate.downgrade(engine, "0021")
    assert "risky_negative" not in _columns(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT mentions FROM mention_rollups")).scalar_one() == 7
    engine.dispose()
