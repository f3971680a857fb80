"""Lean event indexes: keep each event table's key and time index, drop the rest.

The metrics engine reads event tables by time window (and, on SQLite, through its DuckDB
mirror); nothing reads them by run, service or team. Every extra index cost file imports a
third of their write speed.

Revision ID: 0005_lean_event_indexes
Revises: 0004_decide_plan_metrics
Create Date: 2026-11-23 15:19:03.461853
"""

from __future__ import annotations

from alembic import op

revision = "0005_lean_event_indexes"
down_revision = "0004_decide_plan_metrics"
branch_labels = None
depends_on = None


# Kept on PostgreSQL only (see `db.postgres_index`): the metrics engine reads them in SQL there.
POSTGRES_ONLY = {
    "deployments": ("finished_at",),
    "changes": ("deployment_id",),
    "ci_runs": ("finished_at",),
    "incidents": ("started_at", "caused_by_deployment_id"),
    "tickets": ("opened_at",),
    "survey_responses": ("submitted_at",),
    "usage_events": ("at",),
    "onboarding": ("first_deploy_at",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table, columns in POSTGRES_ONLY.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column in columns:
                    batch_op.drop_index(f"ix_{table}_{column}")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_run_id"))
        batch_op.drop_index(batch_op.f("ix_changes_service"))

    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ci_runs_run_id"))
        batch_op.drop_index(batch_op.f("ix_ci_runs_service"))

    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deployments_run_id"))
        batch_op.drop_index(batch_op.f("ix_deployments_service"))
        batch_op.drop_index(batch_op.f("ix_deployments_team"))

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_run_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_service"))
        batch_op.drop_index(batch_op.f("ix_incidents_team"))

    with op.batch_alter_table("onboarding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_run_id"))
        batch_op.drop_index(batch_op.f("ix_onboarding_team"))

    with op.batch_alter_table("org_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_facts_run_id"))

    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_run_id"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_team"))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_run_id"))
        batch_op.drop_index(batch_op.f("ix_tickets_team"))

    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_events_run_id"))
        batch_op.drop_index(batch_op.f("ix_usage_events_team"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table, columns in POSTGRES_ONLY.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column in columns:
                    batch_op.create_index(f"ix_{table}_{column}", [column], unique=False)
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_events_team"), ["team"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_events_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tickets_team"), ["team"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_responses_team"), ["team"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("org_facts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_facts_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("onboarding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_team"), ["team"], unique=False)
        batch_op.create_index(batch_op.f("ix_onboarding_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_team"), ["team"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deployments_team"), ["team"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployments_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployments_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("ci_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ci_runs_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_ci_runs_run_id"), ["run_id"], unique=False)

    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_changes_run_id"), ["run_id"], unique=False)
