"""statements: a kind (holding statement or pack), one open statement per incident and kind as a partial unique
index, and one sign-off per role of a step (a group step is signed once by each of its roles)

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OPEN = "status IN ('drafting', 'pending', 'changes_requested')"


def upgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                   server_default="holding"))
    # Before the index: drafts a stopped process left behind that a newer open statement replaced.
    op.execute(f"DELETE FROM statements WHERE status = 'drafting' AND current_version = 0 AND id NOT IN "
               f"(SELECT MAX(id) FROM statements WHERE {OPEN} GROUP BY incident_id, kind)")
    with op.batch_alter_table("statements") as batch:
        batch.create_index("uq_statements_open_kind", ["incident_id", "kind"], unique=True,
                           sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    with op.batch_alter_table("approvals") as batch:
        batch.drop_index("uq_approvals_signed_step")
        batch.create_index("uq_approvals_signed_role", ["version_id", "step", "role"], unique=True,
                           sqlite_where=sa.text("decision = 'approved'"),
                           postgresql_where=sa.text("decision = 'approved'"))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_index("uq_approvals_signed_role")
        batch.create_index("uq_approvals_signed_step", ["version_id", "step"], unique=True,
                           sqlite_where=sa.text("decision = 'approved'"),
                           postgresql_where=sa.text("decision = 'approved'"))
    with op.batch_alter_table("statements") as batch:
        batch.drop_index("uq_statements_open_kind")
        batch.drop_column("kind")
