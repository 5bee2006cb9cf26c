"""statement_versions.next_update: the next-update time a version's texts promise, re-stamped at approval

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("statement_versions") as batch:
        batch.add_column(sa.Column("next_update", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statement_versions") as batch:
        batch.drop_column("next_update")
