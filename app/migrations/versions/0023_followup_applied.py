"""accepted_requests: when a follow-up's change was committed, and when its person was answered

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accepted_requests") as batch:
        batch.add_column(sa.Column("applied_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accepted_requests") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("applied_at")
