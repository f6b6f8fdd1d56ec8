"""The names other areas code against (notes/common.md, "Shared interface contract")."""

from __future__ import annotations

import subprocess
import sys

import simulator.events as events
from simulator.events.fixtures import FixtureEvent, load_fixture_events
from simulator.schemas import ValidationProblem, validate_event

CONTRACT = [
    "create_access_key_record",
    "create_access_key_event",
    "record_to_envelope",
    "envelope_to_record",
    "s3_log_file",
    "s3_log_key",
    "SCENARIOS",
    "NEAR_MISSES",
    "near_miss_record",
    "near_miss_event",
    "background_records",
    "CallerIdentity",
    "record_for_api_call",
    "realism_problems",
]


def test_events_contract_names_exist() -> None:
    for name in CONTRACT:
        assert name in events.__all__ and getattr(events, name) is not None, name
    assert sorted(events.__all__) == sorted(set(events.__all__))
    for spec in (*events.SCENARIOS.values(), *events.NEAR_MISSES.values()):
        assert spec.name and spec.description
    assert callable(load_fixture_events) and FixtureEvent.__dataclass_fields__
    assert callable(validate_event) and ValidationProblem("$", "x").path == "$"


def test_events_import_is_light() -> None:
    """Importing the generators loads neither Hypothesis nor jsonschema (CLI start-up)."""
    code = (
        "import sys, simulator.events; "
        "print(sorted(m for m in ('hypothesis', 'jsonschema') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
