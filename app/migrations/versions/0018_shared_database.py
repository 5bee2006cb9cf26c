"""several processes on one database: channel names reserved per incident; job ids in binary order

Revision ID: 0018
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_names",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("channel_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_names_incident_id"), ["incident_id"], unique=False)
    # The rooms made so far keep their names.
    op.execute("INSERT INTO channel_names (name, incident_id, reserved_at) "
               "SELECT channel_name, MIN(id), MIN(created_at) FROM incidents "
               "WHERE channel_name IS NOT NULL GROUP BY channel_name")
    if op.get_bind().dialect.name == "postgresql":
        # Reminders are cancelled by an id prefix, a range on the key: it needs binary order, as SQLite has.
        op.alter_column("scheduled_job", "id", type_=sa.String(collation="C"), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("scheduled_job", "id", type_=sqlmodel.sql.sqltypes.AutoString(), existing_nullable=False)
    with op.batch_alter_table("channel_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_names_incident_id"))
    op.drop_table("channel_names")
