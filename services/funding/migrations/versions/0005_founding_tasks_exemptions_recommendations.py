"""founding dates and societal tasks in the cluster read model, grant exemptions and societal
tasks, evaluation recommendations (issue 13)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("funding_clusters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("founded_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("societal_tasks", sa.JSON(), nullable=True))
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exemption_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("societal_task", sa.String(length=60), nullable=True))
    op.create_table(
        "funding_recommendations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("evaluation_id", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("funder_id", sa.String(length=64), nullable=False),
        sa.Column("evaluation_kind", sa.String(length=20), nullable=False),
        sa.Column("recommendation", sa.String(length=20), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acted", sa.String(length=20), nullable=True),
        sa.Column("acted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_recommendations")),
        sa.UniqueConstraint("event_id", name=op.f("uq_funding_recommendations_event_id")),
    )
    with op.batch_alter_table("funding_recommendations", schema=None) as batch_op:
        for column in ("evaluation_id", "grant_id", "cluster_id", "funder_id"):
            batch_op.create_index(
                batch_op.f(f"ix_funding_recommendations_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("funding_recommendations")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_column("societal_task")
        batch_op.drop_column("exemption_reason")
    with op.batch_alter_table("funding_clusters", schema=None) as batch_op:
        batch_op.drop_column("societal_tasks")
        batch_op.drop_column("founded_on")
