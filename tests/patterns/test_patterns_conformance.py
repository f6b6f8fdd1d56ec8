"""Every AWS-recorded TestEventPattern case: same verdict, same reason, same location line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.errors import InvalidEventError, PatternError
from simulator.patterns import compile_pattern, validate_test_event

SHARED = Path(__file__).resolve().parents[3] / "shared"
CASES_FILE = SHARED / "conformance" / "aws-recorded.jsonl"
if not CASES_FILE.exists():
    pytest.skip(f"{CASES_FILE} is absent (the shared reference checkout)", allow_module_level=True)

CASES: list[dict[str, Any]] = [json.loads(line) for line in CASES_FILE.read_text().splitlines()]
pytestmark = pytest.mark.conformance

# Recording placeholders that AWS actually echoed as these values (semantics.md §3.1).
PLACEHOLDERS = {"<partition>": "aws", "<region>": "us-east-1"}


def _text(case: dict[str, Any], key: str) -> str:
    value = case[key]
    return value if case.get(f"{key}_raw") else json.dumps(value)


def _verdict(case: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(expected class, first line of the message, full message) as trailsim answers."""
    try:
        validate_test_event(_text(case, "event"))
    except InvalidEventError as error:
        return "invalid_event", str(error), str(error)
    try:
        compiled = compile_pattern(_text(case, "pattern"))
    except PatternError as error:
        return "invalid_pattern", str(error), getattr(error, "aws_message", str(error))
    matched = compiled.matches(_text(case, "event"))
    return ("match" if matched else "no_match"), None, None


def _raw(case: dict[str, Any]) -> str | None:
    raw: str | None = case.get("aws_error_raw")
    if raw is not None:
        for placeholder, value in PLACEHOLDERS.items():
            raw = raw.replace(placeholder, value)
    return raw


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_agrees_with_aws(case: dict[str, Any]) -> None:
    expected_class, message, full = _verdict(case)
    assert expected_class == case["expected"]
    assert message == case["aws_error"]
    if _raw(case) is not None:
        assert full == _raw(case)


def test_every_case_is_counted() -> None:
    assert len(CASES) == 182
