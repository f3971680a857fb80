"""Ship and tell: changelog, translation table and pitches, launch plans, champions, the
marketing calendar, ROI assumptions; tickets get `answered_by`.

Revision ID: 0009_comms
Revises: 0008_research
Create Date: 2026-12-04 18:36:03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pavedroad.db

revision = "0009_comms"
down_revision = "0008_research"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roi_assumptions",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("updated_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_roi_assumptions")),
    )
    op.create_table(
        "translation_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pain", sa.String(length=300), nullable=False),
        sa.Column("consequence", sa.String(length=500), nullable=False),
        sa.Column("business_outcome", sa.String(length=500), nullable=False),
        sa.Column("kpi_id", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_rows")),
        sa.UniqueConstraint("pain", name=op.f("uq_translation_rows_pain")),
    )
    op.create_table(
        "champions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("developer", sa.String(length=320), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("early_access", sa.JSON(), nullable=False),
        sa.Column("design_reviews", sa.JSON(), nullable=False),
        sa.Column("recognition", sa.JSON(), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_champions_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_champions")),
        sa.UniqueConstraint("developer", name="uq_champions_developer"),
    )
    with op.batch_alter_table("champions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_champions_team_id"), ["team_id"], unique=False)

    op.create_table(
        "changelog_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("capability_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_id"],
            ["capabilities.id"],
            name=op.f("fk_changelog_entries_capability_id_capabilities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_changelog_entries_initiative_id_initiatives"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changelog_entries")),
    )
    with op.batch_alter_table("changelog_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_changelog_entries_capability_id"), ["capability_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_changelog_entries_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_changelog_entries_published_on"), ["published_on"], unique=False
        )

    op.create_table(
        "launch_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feature", sa.String(length=200), nullable=False),
        sa.Column("capability_id", sa.Integer(), nullable=True),
        sa.Column("launch_date", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=True),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["capability_id"],
            ["capabilities.id"],
            name=op.f("fk_launch_plans_capability_id_capabilities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_plans")),
        sa.UniqueConstraint("feature", name=op.f("uq_launch_plans_feature")),
    )
    with op.batch_alter_table("launch_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_launch_plans_capability_id"), ["capability_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_launch_plans_launch_date"), ["launch_date"], unique=False
        )

    op.create_table(
        "pitches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("translation_id", sa.Integer(), nullable=True),
        sa.Column("constraint_note", sa.Text(), nullable=False),
        sa.Column("updated_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_pitches_initiative_id_initiatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["translation_id"],
            ["translation_rows.id"],
            name=op.f("fk_pitches_translation_id_translation_rows"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pitches")),
        sa.UniqueConstraint("initiative_id", name=op.f("uq_pitches_initiative_id")),
    )
    op.create_table(
        "launch_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("comparator", sa.String(length=2), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["launch_plans.id"],
            name=op.f("fk_launch_criteria_plan_id_launch_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_criteria")),
    )
    with op.batch_alter_table("launch_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launch_criteria_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "launch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["launch_plans.id"],
            name=op.f("fk_launch_items_plan_id_launch_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launch_items")),
    )
    with op.batch_alter_table("launch_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launch_items_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "marketing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("attendance", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("launch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launch_plans.id"],
            name=op.f("fk_marketing_events_launch_id_launch_plans"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_events")),
    )
    with op.batch_alter_table("marketing_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marketing_events_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_marketing_events_launch_id"), ["launch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_marketing_events_starts_at"), ["starts_at"], unique=False
        )

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_by", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("answered_by")

    with op.batch_alter_table("marketing_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketing_events_starts_at"))
        batch_op.drop_index(batch_op.f("ix_marketing_events_launch_id"))
        batch_op.drop_index(batch_op.f("ix_marketing_events_kind"))

    op.drop_table("marketing_events")
    with op.batch_alter_table("launch_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_launch_items_plan_id"))

    op.drop_table("launch_items")
    with op.batch_alter_table("launch_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_launch_criteria_plan_id"))

    op.drop_table("launch_criteria")
    op.drop_table("pitches")
    with op.batch_alter_table("launch_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_launch_plans_launch_date"))
        batch_op.drop_index(batch_op.f("ix_launch_plans_capability_id"))

    op.drop_table("launch_plans")
    with op.batch_alter_table("changelog_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changelog_entries_published_on"))
        batch_op.drop_index(batch_op.f("ix_changelog_entries_initiative_id"))
        batch_op.drop_index(batch_op.f("ix_changelog_entries_capability_id"))

    op.drop_table("changelog_entries")
    with op.batch_alter_table("champions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_champions_team_id"))

    op.drop_table("champions")
    op.drop_table("translation_rows")
    op.drop_table("roi_assumptions")
