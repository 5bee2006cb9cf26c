"""monitoring: the per-minute rollups count the negative posts that carry a risk term, so that the negative
posts' change detector weights them as the one on all mentions does

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mention_rollups") as batch:
        batch.add_column(sa.Column("risky_negative", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("mention_rollups") as batch:
        batch.drop_column("risky_negative")
