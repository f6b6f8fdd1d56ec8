"""`python -m simulator` runs the trailsim command line."""

from simulator.cli import run

run()
