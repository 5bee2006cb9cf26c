"""room set-up: retry times, stored notices, excluded people

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("setup_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    op.create_table(
        "setup_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fallback_channel", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("setup_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setup_notices_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "incident_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("excluded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("excluded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident_exclusions", schema=None) as batch_op:
        batch_op.create_index("uq_incident_exclusions_person", ["incident_id", "user_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("incident_exclusions", schema=None) as batch_op:
        batch_op.drop_index("uq_incident_exclusions_person")
    op.drop_table("incident_exclusions")
    with op.batch_alter_table("setup_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_setup_notices_incident_id"))
    op.drop_table("setup_notices")
    with op.batch_alter_table("setup_steps", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
