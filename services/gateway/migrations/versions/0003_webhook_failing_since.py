"""webhook subscriptions: the start of their run of failures (issue 14)

``webhook_subscriptions.failing_since``: the first failed attempt since the last success; a
subscription failing for ``GATEWAY_WEBHOOK_DISABLE_AFTER`` (5 days) is disabled. Existing
rows start with none: a subscription failing at the upgrade starts its run at its next
failed attempt (later rather than sooner); disabled ones stay disabled with their reason.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
