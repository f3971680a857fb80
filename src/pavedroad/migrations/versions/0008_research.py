"""Research: platform capabilities, shadowing, interviews, hosted surveys, rules, insights.

Revision ID: 0008_research
Revises: 0007_data_versions
Create Date: 2026-12-02 17:07:10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pavedroad.db

revision = "0008_research"
down_revision = "0007_data_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "category_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("patterns", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_rules")),
        sa.UniqueConstraint("ruleset", "position", name=op.f("uq_category_rules_ruleset")),
    )
    op.create_table(
        "interview_scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_scripts")),
        sa.UniqueConstraint("name", name=op.f("uq_interview_scripts_name")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("name", name=op.f("uq_surveys_name")),
    )
    op.create_table(
        "ticket_labels",
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("labelled_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_labels")),
    )
    with op.batch_alter_table("ticket_labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_labels_category"), ["category"], unique=False)

    op.create_table(
        "capabilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("launched_at", pavedroad.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("owner_team_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_team_id"],
            ["teams.id"],
            name=op.f("fk_capabilities_owner_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capabilities")),
        sa.UniqueConstraint("name", name=op.f("uq_capabilities_name")),
    )
    with op.batch_alter_table("capabilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capabilities_owner_team_id"), ["owner_team_id"], unique=False
        )

    op.create_table(
        "insights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("figure", sa.String(length=200), nullable=True),
        sa.Column("source_kind", sa.String(length=30), nullable=False),
        sa.Column("source_ref", sa.String(length=300), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("persona_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=320), nullable=True),
        sa.Column("framing", sa.String(length=20), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["personas.id"],
            name=op.f("fk_insights_persona_id_personas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_insights_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights")),
    )
    with op.batch_alter_table("insights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insights_observed_on"), ["observed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_insights_persona_id"), ["persona_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_insights_source_kind"), ["source_kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_insights_team_id"), ["team_id"], unique=False)

    op.create_table(
        "interview_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["interview_scripts.id"],
            name=op.f("fk_interview_questions_script_id_interview_scripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_questions")),
    )
    with op.batch_alter_table("interview_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_questions_script_id"), ["script_id"], unique=False
        )

    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(length=64), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("developer", sa.String(length=320), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("script_id", sa.Integer(), nullable=True),
        sa.Column("interviewer", sa.String(length=320), nullable=True),
        sa.Column("talk_ratio", sa.Float(), nullable=True),
        sa.Column("transcript_seconds", sa.Float(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("quotes", sa.JSON(), nullable=False),
        sa.Column("pain_points", sa.JSON(), nullable=False),
        sa.Column("surprises", sa.JSON(), nullable=False),
        sa.Column("assumptions", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["interview_scripts.id"],
            name=op.f("fk_interviews_script_id_interview_scripts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_interviews_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_interviews_natural_key")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interviews_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_interviews_script_id"), ["script_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interviews_team_id"), ["team_id"], unique=False)

    op.create_table(
        "shadowing_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(length=64), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("developer", sa.String(length=320), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("workflow", sa.String(length=500), nullable=False),
        sa.Column("tools", sa.JSON(), nullable=False),
        sa.Column("friction_points", sa.JSON(), nullable=False),
        sa.Column("wishes", sa.JSON(), nullable=False),
        sa.Column("stated_context_switches", sa.Integer(), nullable=True),
        sa.Column("stated_waiting_min", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("created_at", pavedroad.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_shadowing_sessions_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadowing_sessions")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_shadowing_sessions_natural_key")),
    )
    with op.batch_alter_table("shadowing_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shadowing_sessions_observed_on"), ["observed_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_shadowing_sessions_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "survey_waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_waves_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_waves")),
        sa.UniqueConstraint("survey_id", "name", name=op.f("uq_survey_waves_survey_id")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_waves_token")),
    )
    with op.batch_alter_table("survey_waves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_waves_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "insight_problems",
        sa.Column("insight_id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["insight_id"],
            ["insights.id"],
            name=op.f("fk_insight_problems_insight_id_insights"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_insight_problems_problem_id_problems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("insight_id", "problem_id", name=op.f("pk_insight_problems")),
    )
    op.create_table(
        "shadowing_log_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("offset_s", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["shadowing_sessions.id"],
            name=op.f("fk_shadowing_log_entries_session_id_shadowing_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadowing_log_entries")),
    )
    with op.batch_alter_table("shadowing_log_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shadowing_log_entries_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["survey_waves.id"],
            name=op.f("fk_survey_questions_wave_id_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questions")),
        sa.UniqueConstraint("wave_id", "key", name=op.f("uq_survey_questions_wave_id")),
    )
    with op.batch_alter_table("survey_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_questions_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "survey_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["survey_waves.id"],
            name=op.f("fk_survey_receipts_wave_id_survey_waves"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_receipts")),
        sa.UniqueConstraint("wave_id", "receipt_hash", name=op.f("uq_survey_receipts_wave_id")),
    )
    with op.batch_alter_table("survey_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_receipts_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=200), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["survey_questions.id"],
            name=op.f("fk_survey_answers_question_id_survey_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint(
            "response_id", "question_id", name=op.f("uq_survey_answers_response_id")
        ),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_answers_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_survey_answers_response_id"), ["response_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answers_response_id"))
        batch_op.drop_index(batch_op.f("ix_survey_answers_question_id"))

    op.drop_table("survey_answers")
    with op.batch_alter_table("survey_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_receipts_wave_id"))

    op.drop_table("survey_receipts")
    with op.batch_alter_table("survey_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_questions_wave_id"))

    op.drop_table("survey_questions")
    with op.batch_alter_table("shadowing_log_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadowing_log_entries_session_id"))

    op.drop_table("shadowing_log_entries")
    op.drop_table("insight_problems")
    with op.batch_alter_table("survey_waves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_waves_survey_id"))

    op.drop_table("survey_waves")
    with op.batch_alter_table("shadowing_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shadowing_sessions_team_id"))
        batch_op.drop_index(batch_op.f("ix_shadowing_sessions_observed_on"))

    op.drop_table("shadowing_sessions")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interviews_team_id"))
        batch_op.drop_index(batch_op.f("ix_interviews_script_id"))
        batch_op.drop_index(batch_op.f("ix_interviews_held_on"))

    op.drop_table("interviews")
    with op.batch_alter_table("interview_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_questions_script_id"))

    op.drop_table("interview_questions")
    with op.batch_alter_table("insights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insights_team_id"))
        batch_op.drop_index(batch_op.f("ix_insights_source_kind"))
        batch_op.drop_index(batch_op.f("ix_insights_persona_id"))
        batch_op.drop_index(batch_op.f("ix_insights_observed_on"))

    op.drop_table("insights")
    with op.batch_alter_table("capabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_capabilities_owner_team_id"))

    op.drop_table("capabilities")
    with op.batch_alter_table("ticket_labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_labels_category"))

    op.drop_table("ticket_labels")
    op.drop_table("surveys")
    op.drop_table("interview_scripts")
    op.drop_table("category_rules")
