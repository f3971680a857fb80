"""The KPI baseline: the day progress is measured from (the home page, "since the baseline").

Revision ID: 0010_kpi_baseline
Revises: 0009_comms
Create Date: 2026-12-04 19:46:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pavedroad.db

revision = "0010_kpi_baseline"
down_revision = "0009_comms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_baselines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=320), nullable=False),
        sa.Column("set_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_baselines")),
    )


def downgrade() -> None:
    op.drop_table("kpi_baselines")
