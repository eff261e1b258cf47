"""responsibility on clusters, league history, flags lifted (issue 12)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 15:10:00

- ``eval_clusters``: the §1 responsibility (``responsibility_primary``/``_also``/``_rule``),
  empty until the next registry event of the cluster says it.
- ``league_history``: each existing cluster starts its history with its current league from
  its ``registered_at`` (the only league evaluation knew of it).
- ``flags``: ``state`` (every existing flag ``open``), ``lifted_at``, ``lifted_reason``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("eval_clusters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("responsibility_primary", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("responsibility_also", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("responsibility_rule", sa.String(length=60), nullable=True))
    op.create_table(
        "league_history",
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("league", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("cluster_id", "valid_from", name=op.f("pk_league_history")),
    )
    op.execute(
        "INSERT INTO league_history (cluster_id, valid_from, league) "
        "SELECT id, registered_at, league FROM eval_clusters"
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), nullable=False, server_default="open")
        )
        batch_op.add_column(sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lifted_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_column("lifted_reason")
        batch_op.drop_column("lifted_at")
        batch_op.drop_column("state")
    op.drop_table("league_history")
    with op.batch_alter_table("eval_clusters", schema=None) as batch_op:
        batch_op.drop_column("responsibility_rule")
        batch_op.drop_column("responsibility_also")
        batch_op.drop_column("responsibility_primary")
