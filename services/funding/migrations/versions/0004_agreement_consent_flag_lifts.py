"""agreement consent, dialogue omissions, flag ids and lifts (issue 12)

Existing agreements stay in force: each named party's confirmation is recorded as
``migrated`` (they were recorded before consent existed).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 15:20:00.000000
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), nullable=False, server_default="in_force")
        )
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("in_force_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_agreements_state"), ["state"], unique=False)

    agreements = sa.table(
        "agreements",
        sa.column("id", sa.String),
        sa.column("party_ids", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("answers", sa.JSON),
        sa.column("in_force_since", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    now = datetime.now(UTC).isoformat()
    for row in conn.execute(
        sa.select(agreements.c.id, agreements.c.party_ids, agreements.c.created_at)
    ):
        party_ids = row.party_ids if isinstance(row.party_ids, list) else json.loads(row.party_ids)
        answers = [
            {"party_id": p, "answer": "migrated", "answered_at": now, "reason": None}
            for p in party_ids
        ]
        conn.execute(
            agreements.update()
            .where(agreements.c.id == row.id)
            .values(answers=answers, in_force_since=row.created_at)
        )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.alter_column("answers", existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dialogue_omissions", sa.JSON(), nullable=True))

    with op.batch_alter_table("funding_cluster_flags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flag_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lift_reason", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_funding_cluster_flags_flag_id"), ["flag_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("funding_cluster_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_cluster_flags_flag_id"))
        batch_op.drop_column("lift_reason")
        batch_op.drop_column("lifted_at")
        batch_op.drop_column("flag_id")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("dialogue_omissions")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreements_state"))
        batch_op.drop_column("ended_at")
        batch_op.drop_column("in_force_since")
        batch_op.drop_column("answers")
        batch_op.drop_column("state")
