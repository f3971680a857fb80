"""pavedroad: run an internal platform as a product."""

__version__ = "0.1.0"
