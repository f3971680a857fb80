"""Webhook receivers: one module per provider, verified, deduplicated, kept for reprocessing."""
