"""Real-world input: each incident row keeps the event time of the snapshot that wrote it, and
a CI run keeps when it was queued, so queue time is its own figure.

Revision ID: 0006_real_world_input
Revises: 0005_lean_event_indexes
Create Date: 2026-12-02 04:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pavedroad.db

revision = "0006_real_world_input"
down_revision = "0005_lean_event_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_at", pavedroad.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", pavedroad.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("snapshot_at")
