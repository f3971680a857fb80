"""Connections: the provider APIs history is backfilled from, with their cursors and locks;
and each service's code repository (from Backstage), which maps a repository to its service.

Revision ID: 0011_connections
Revises: 0010_kpi_baseline
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pavedroad.db

revision = "0011_connections"
down_revision = "0010_kpi_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("token_env", sa.String(length=100), nullable=True),
        sa.Column("token_encrypted", sa.Text(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=True),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("lock_owner", sa.String(length=200), nullable=True),
        sa.Column("lock_until", pavedroad.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["ingest_runs.id"],
            name=op.f("fk_connections_last_run_id_ingest_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )

    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("repository", sa.String(length=300), nullable=True))
        batch.create_index(batch.f("ix_services_repository"), ["repository"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_index(batch.f("ix_services_repository"))
        batch.drop_column("repository")
    op.drop_table("connections")
