"""responsibility exceptions with consent, label records (issue 12)

An exception to the §1 matrix now has a state and each concerned party's answer. Overrides in
force before this revision stay in force (state ``in_force``), with the answers of the parties
they name and of who recorded them kept as ``migrated``; withdrawn ones become ``withdrawn``.
A cluster's label set through its profile becomes a label record issued by ``migrated``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 15:30:00
"""

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ids(value: object) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value or []]


def upgrade() -> None:
    with op.batch_alter_table("responsibility_overrides", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), nullable=False, server_default="in_force")
        )
        batch_op.add_column(sa.Column("supersedes_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("in_force_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_responsibility_overrides_state"), ["state"], unique=False
        )
    op.create_table(
        "responsibility_override_answers",
        sa.Column("override_id", sa.String(length=36), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["override_id"],
            ["responsibility_overrides.id"],
            name=op.f("fk_responsibility_override_answers_override_id_responsibility_overrides"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "override_id", "party_id", name=op.f("pk_responsibility_override_answers")
        ),
    )
    with op.batch_alter_table("responsibility_override_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_responsibility_override_answers_party_id"), ["party_id"], unique=False
        )
    op.create_table(
        "cluster_labels",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_cluster_labels_cluster_id_clusters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_labels")),
    )
    with op.batch_alter_table("cluster_labels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cluster_labels_cluster_id"), ["cluster_id"], unique=False
        )

    bind = op.get_bind()
    overrides = sa.table(
        "responsibility_overrides",
        sa.column("id", sa.String),
        sa.column("primary", sa.JSON),
        sa.column("also", sa.JSON),
        sa.column("recorded_by", sa.String),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.column("state", sa.String),
        sa.column("in_force_at", sa.DateTime(timezone=True)),
    )
    answers = sa.table(
        "responsibility_override_answers",
        sa.column("override_id", sa.String),
        sa.column("party_id", sa.String),
        sa.column("role", sa.String),
        sa.column("answer", sa.String),
        sa.column("answered_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(
            overrides.c.id,
            overrides.c.primary,
            overrides.c.also,
            overrides.c.recorded_by,
            overrides.c.recorded_at,
            overrides.c.withdrawn_at,
        )
    ).all()
    for oid, primary, also, recorded_by, recorded_at, withdrawn_at in rows:
        bind.execute(
            overrides.update()
            .where(overrides.c.id == oid)
            .values(
                state="withdrawn" if withdrawn_at is not None else "in_force",
                in_force_at=recorded_at,
            )
        )
        parties = dict.fromkeys([*_ids(primary), *_ids(also), recorded_by])
        bind.execute(
            answers.insert(),
            [
                {
                    "override_id": oid,
                    "party_id": p,
                    "role": "named",
                    "answer": "migrated",
                    "answered_at": recorded_at,
                }
                for p in parties
            ],
        )

    clusters = sa.table(
        "clusters",
        sa.column("id", sa.String),
        sa.column("label_level", sa.String),
        sa.column("label_valid_until", sa.Date),
    )
    labels = sa.table(
        "cluster_labels",
        sa.column("id", sa.String),
        sa.column("cluster_id", sa.String),
        sa.column("level", sa.String),
        sa.column("issued_on", sa.Date),
        sa.column("valid_until", sa.Date),
        sa.column("evidence_url", sa.String),
        sa.column("issued_by", sa.String),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
    )
    labelled = bind.execute(
        sa.select(clusters.c.id, clusters.c.label_level, clusters.c.label_valid_until).where(
            clusters.c.label_level.is_not(None), clusters.c.label_valid_until.is_not(None)
        )
    ).all()
    now = datetime.now(UTC)
    if labelled:
        bind.execute(
            labels.insert(),
            [
                {
                    "id": str(uuid.uuid4()),
                    "cluster_id": cid,
                    "level": level,
                    "issued_on": None,
                    "valid_until": valid_until,
                    "evidence_url": None,
                    "issued_by": "migrated",
                    "recorded_at": now,
                }
                for cid, level, valid_until in labelled
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("cluster_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_labels_cluster_id"))
    op.drop_table("cluster_labels")
    with op.batch_alter_table("responsibility_override_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responsibility_override_answers_party_id"))
    op.drop_table("responsibility_override_answers")
    with op.batch_alter_table("responsibility_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responsibility_overrides_state"))
        batch_op.drop_column("in_force_at")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("state")
