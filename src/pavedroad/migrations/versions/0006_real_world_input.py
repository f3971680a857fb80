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
        batch_op.add_column(
            sa.Column("snapshot_at", pavedroad.db.UTCDateTime(timezone=True), nullable=True)
        )
        # An incident first seen acknowledged or resolved has no known start until filled.
        batch_op.alter_column(
            "started_at", existing_type=pavedroad.db.UTCDateTime(timezone=True), nullable=True
        )
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queued_at", pavedroad.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "webhook_repositories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_seen_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_repositories")),
        sa.UniqueConstraint("full_name", name=op.f("uq_webhook_repositories_full_name")),
    )
    with op.batch_alter_table("webhook_repositories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_repositories_name"), ["name"], unique=False)
    # Developers are keyed by identity (email, or a Backstage entity ref); email may be missing
    # or shared, as Backstage allows.
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity", sa.String(length=400), nullable=True))
    op.execute("UPDATE developers SET identity = email")
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.alter_column("identity", existing_type=sa.String(length=400), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_developers_identity"), ["identity"])
        batch_op.drop_constraint(batch_op.f("uq_developers_email"), type_="unique")
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=True)
        batch_op.create_index(batch_op.f("ix_developers_email"), ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_repositories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_repositories_name"))
    op.drop_table("webhook_repositories")
    # A missing or repeated email takes the identity, so the old unique email column holds.
    op.execute(
        "UPDATE developers SET email = identity WHERE email IS NULL OR id NOT IN "
        "(SELECT min(id) FROM developers WHERE email IS NOT NULL GROUP BY email)"
    )
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_developers_email"))
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_developers_email"), ["email"])
        batch_op.drop_constraint(batch_op.f("uq_developers_identity"), type_="unique")
        batch_op.drop_column("identity")
    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
    # An incident whose start is still unknown starts, for the old schema, when it was seen.
    op.execute(
        "UPDATE incidents SET started_at = coalesce(resolved_at, snapshot_at) "
        "WHERE started_at IS NULL"
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column(
            "started_at", existing_type=pavedroad.db.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.drop_column("snapshot_at")
