"""Shapes of the comms domain, one module per part; the `Out` shapes are the `--json` contracts."""
