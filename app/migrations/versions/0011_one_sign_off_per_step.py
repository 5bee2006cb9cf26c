"""approvals: one sign-off per step of a version, enforced by the database across processes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.create_index("uq_approvals_signed_step", ["version_id", "step"], unique=True,
                           sqlite_where=sa.text("decision = 'approved'"),
                           postgresql_where=sa.text("decision = 'approved'"))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_index("uq_approvals_signed_step")
