"""alerts.delivery_id: a sender's delivery id, unique, so that redeliveries are stored once

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("delivery_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.create_index("uq_alerts_delivery_id", ["delivery_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("uq_alerts_delivery_id")
        batch.drop_column("delivery_id")
