"""trailsim: an event replay and simulation test kit for AWS alerting on IAM access-key creation.

The public API is the names in ``__all__``; everything else is internal, whatever its name.
Names load lazily, so ``import simulator`` (and the CLI's start-up) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from simulator.errors import (
    AwsError,
    CleanupError,
    ConfigError,
    EventValidationError,
    InputError,
    InvalidEventError,
    LocalCloudError,
    PatternError,
    ScenarioError,
    SimulatorError,
    SlackError,
)

__version__ = "0.1.0"

_LAZY = {
    "compile_pattern": "simulator.patterns",
    "check_pattern": "simulator.patterns",
    "CompiledPattern": "simulator.patterns",
    "Mismatch": "simulator.patterns",
    "RuleSet": "simulator.patterns",
    "create_access_key_event": "simulator.events",
    "create_access_key_record": "simulator.events",
    "validate_event": "simulator.schemas",
    "LocalCloud": "simulator.local",
}

__all__ = [
    "AwsError",
    "CleanupError",
    "CompiledPattern",
    "ConfigError",
    "EventValidationError",
    "InputError",
    "InvalidEventError",
    "LocalCloud",
    "LocalCloudError",
    "Mismatch",
    "PatternError",
    "RuleSet",
    "ScenarioError",
    "SimulatorError",
    "SlackError",
    "check_pattern",
    "compile_pattern",
    "create_access_key_event",
    "create_access_key_record",
    "validate_event",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
