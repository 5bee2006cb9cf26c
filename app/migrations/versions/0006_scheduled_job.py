"""scheduled jobs as rows: the scheduled_job table replaces APScheduler's job store

Pending jobs of the old store (apscheduler_jobs) are carried over with their due times and arguments;
the old table is dropped once all of them are carried over (any that cannot be read are left in it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import logging
import pickle
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
OLD = "apscheduler_jobs"


def upgrade() -> None:
    op.create_table(
        "scheduled_job",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scheduled_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_job_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_job_incident_id"), ["incident_id"], unique=False)
    _carry_over_old_jobs()


def _carry_over_old_jobs() -> None:
    bind = op.get_bind()
    if OLD not in sa.inspect(bind).get_table_names():
        return
    now = datetime.now(UTC)
    rows, unreadable = [], []
    for job_id, next_run_time, state in bind.execute(sa.text(f"SELECT id, next_run_time, job_state FROM {OLD}")):
        try:
            kwargs = dict(pickle.loads(state)["kwargs"])  # noqa: S301 - the bot's own rows, written by APScheduler
            kind = kwargs.pop("kind")
        except Exception as exc:  # noqa: BLE001 - keep the row, say which
            unreadable.append(job_id)
            log.warning("scheduled job %s could not be read (%s); it stays in %s", job_id, exc, OLD)
            continue
        due = datetime.fromtimestamp(next_run_time, UTC) if next_run_time is not None else now
        incident_id = kwargs.get("incident_id")
        rows.append({"id": job_id, "kind": kind, "incident_id": incident_id if isinstance(incident_id, int) else None,
                     "due_at": due, "payload": kwargs, "attempts": 0})
    table = sa.table("scheduled_job", sa.column("id"), sa.column("kind"), sa.column("incident_id"),
                     sa.column("due_at", sqlmodel.sql.sqltypes.UTCDateTime()), sa.column("payload", sa.JSON()),
                     sa.column("attempts"))
    if rows:
        op.bulk_insert(table, rows)
    if unreadable:
        old = sa.table(OLD, sa.column("id"))
        bind.execute(old.delete().where(old.c.id.in_([r["id"] for r in rows])))
    else:
        op.drop_table(OLD)


def downgrade() -> None:
    # Pending jobs are not written back into APScheduler's store: they are dropped with the table.
    with op.batch_alter_table("scheduled_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_job_incident_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_job_due_at"))
    op.drop_table("scheduled_job")
