"""The deterministic demo company that tells the practice's war story (docs/index.md)."""
