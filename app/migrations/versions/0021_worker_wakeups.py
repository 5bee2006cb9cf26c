"""worker wake-ups: PostgreSQL notifies the workers when an incident or an accepted request is stored, and a
worker's heartbeat row says where it takes a local wake-up (SQLite, one machine)

The notification is sent by a statement trigger, so it belongs to the transaction that stores the row and is
delivered only when that commits, whichever process or code path stored it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# The channel a worker listens on for each table (app/workers/wakeup.py names the same ones).
CHANNELS = {"incidents": "warroom_incidents", "accepted_requests": "warroom_requests"}


def upgrade() -> None:
    with op.batch_alter_table("worker_heartbeats") as batch:
        batch.add_column(sa.Column("wake_port", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE OR REPLACE FUNCTION warroom_notify_workers() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN PERFORM pg_notify(TG_ARGV[0], ''); RETURN NULL; END $$")
    for table, channel in CHANNELS.items():
        op.execute(f"CREATE TRIGGER {table}_notify_workers AFTER INSERT ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION warroom_notify_workers('{channel}')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in CHANNELS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_workers ON {table}")
        op.execute("DROP FUNCTION IF EXISTS warroom_notify_workers()")
    with op.batch_alter_table("worker_heartbeats") as batch:
        batch.drop_column("wake_port")
