"""fact visibility: public, internal or private; only public facts reach a statement

Existing private facts stay private; every other existing fact becomes public, so that incidents
recorded before this change draft as they did.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visibility", sa.String(), nullable=False, server_default="public"))
    op.execute("UPDATE facts SET visibility = 'private' WHERE private")


def downgrade() -> None:
    with op.batch_alter_table("facts", schema=None) as batch_op:
        batch_op.drop_column("visibility")
