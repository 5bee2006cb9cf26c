"""monitoring: the calm-down suggestion told to a room, once per incident

Revision ID: 0016
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_calm_suggestions",
        sa.Column("incident_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("monitor_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("suggested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("monitor_calm_suggestions")
