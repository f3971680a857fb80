"""The `pavedroad` command line: one module per command group, nothing but parsing and printing."""
