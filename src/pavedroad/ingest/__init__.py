"""Ingest: engineering telemetry from files and webhooks into the event tables, as visible runs."""
