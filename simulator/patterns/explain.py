"""Human-readable explanations of mismatches, for the CLI and test assertions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simulator.patterns.matcher import MISSING, Mismatch
from simulator.patterns.operators import dumps


def _short(value: Any, limit: int = 80) -> str:
    text = "missing" if value is MISSING else dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(mismatch: Mismatch) -> str:
    """One line: ``detail.eventName: expected equals ["CreateAccessKey"], got "DeleteUser"``."""
    return (
        f"{mismatch.path}: expected {mismatch.operator} {_short(mismatch.expected)}, "
        f"got {_short(mismatch.actual)}"
    )


def describe_all(mismatches: Sequence[Mismatch]) -> list[str]:
    return [describe(mismatch) for mismatch in mismatches]


def mismatch_json(mismatch: Mismatch) -> dict[str, Any]:
    actual = None if mismatch.actual is MISSING else mismatch.actual
    return {
        "path": mismatch.path,
        "operator": mismatch.operator,
        "expected": mismatch.expected,
        "actual": actual,
        "missing": mismatch.actual is MISSING,
    }


def ruleset_report(explanations: Mapping[str, Sequence[Mismatch]]) -> list[str]:
    """Every rule with its reasons, nearest first (fewest failed fields)."""
    lines = []
    for name, mismatches in sorted(explanations.items(), key=lambda item: (len(item[1]), item[0])):
        if not mismatches:
            lines.append(f"{name}: matches")
            continue
        lines.append(f"{name}: {len(mismatches)} field(s) differ")
        lines.extend(f"  {describe(mismatch)}" for mismatch in mismatches)
    return lines
