"""The deterministic demo company that tells the practice's war story (DESIGN.md)."""
