"""`python -m pavedroad` runs the command line."""

from pavedroad.cli.main import run

run()
