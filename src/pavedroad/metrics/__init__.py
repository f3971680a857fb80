"""The metrics engine: every platform KPI as a definition, computed on DuckDB or PostgreSQL."""
