"""Placeholder: the `e2e` subcommands are being written; it registers nothing yet."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add this module's subcommands to `trailsim`."""
