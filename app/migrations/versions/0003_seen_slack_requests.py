"""signatures of handled Slack requests, for replay protection

Revision ID: 0003
Revises: 9a378de3d046 (the initial schema, file 0001)
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_slack_requests",
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("timestamp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
    op.create_index(op.f("ix_seen_slack_requests_timestamp"), "seen_slack_requests", ["timestamp"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_slack_requests_timestamp"), table_name="seen_slack_requests")
    op.drop_table("seen_slack_requests")
