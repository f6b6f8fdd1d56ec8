"""Argument types shared by the subcommands: a bad value becomes argparse's one-line error, exit 2."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers >= `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= {minimum}")
        return value

    return parse


def number_between(low: float, high: float, what: str = "a number") -> Callable[[str], float]:
    """An argparse ``type`` accepting numbers from `low` to `high`, both included."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: expected {what} from {low:g} to {high:g}")
        return value

    return parse
