"""evaluation's flags as received, announced merger hints (issue 13)

``cluster_flags``: ``evaluation.cluster.flagged`` / ``flag_lifted`` as the registry received
them (a §4.4 merger hint skips a flagged partner). ``merger_announcements``: each pair
announced as ``registry.merger.suggested``, so it is announced once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_flags",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("account_year", sa.Integer(), nullable=True),
        sa.Column("flag_id", sa.String(length=64), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_flags")),
        sa.UniqueConstraint("event_id", name=op.f("uq_cluster_flags_event_id")),
    )
    with op.batch_alter_table("cluster_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_flags_cluster_id"), ["cluster_id"])
        batch_op.create_index(batch_op.f("ix_cluster_flags_flag_id"), ["flag_id"])
    op.create_table(
        "merger_announcements",
        sa.Column("small_id", sa.String(length=64), nullable=False),
        sa.Column("larger_id", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("small_id", "larger_id", name=op.f("pk_merger_announcements")),
    )


def downgrade() -> None:
    op.drop_table("merger_announcements")
    with op.batch_alter_table("cluster_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_flags_flag_id"))
        batch_op.drop_index(batch_op.f("ix_cluster_flags_cluster_id"))
    op.drop_table("cluster_flags")
