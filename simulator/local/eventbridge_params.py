"""Request members of the local EventBridge API, checked as AWS checks them.

Each helper takes the raw JSON member and returns it checked or raises `EventsApiError` with
AWS's code and message (botocore events model for lengths, enums and patterns).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from simulator.errors import PatternError
from simulator.local import eventbridge_errors as errs
from simulator.local.eventbridge_model import DEFAULT_BUS, RULE_STATES
from simulator.patterns import CompiledPattern, PatternTooLongError, compile_pattern

# semantics.md §4: TestEventPattern takes 4096 characters (botocore model); a rule's pattern
# 2048 by default (a quota AWS can raise to 4096).
TEST_PATTERN_MAX_CHARS = 4096
RULE_PATTERN_MAX_CHARS = 2048


def invalid_pattern(err: PatternError) -> errs.EventsApiError:
    """AWS's error for a rejected pattern: the full message, with its location lines."""
    message = str(getattr(err, "aws_message", "") or err)
    if isinstance(err, PatternTooLongError):  # a length constraint, not a pattern reason
        return errs.validation(message)
    return errs.EventsApiError("InvalidEventPatternException", message)


def compile_or_raise(pattern: object, member: str, max_length: int) -> CompiledPattern:
    if not isinstance(pattern, str):
        raise errs.serialization(f"{member} must be a string")
    try:
        return compile_pattern(pattern, max_length=max_length)
    except PatternError as err:
        raise invalid_pattern(err) from err


def check_trigger(params: Mapping[str, Any], bus: str) -> tuple[str | None, str | None]:
    """A rule's (EventPattern, ScheduleExpression), checked as PutRule checks them."""
    pattern, schedule = params.get("EventPattern"), params.get("ScheduleExpression")
    if not pattern and not schedule:
        raise errs.validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if schedule and bus != DEFAULT_BUS:
        raise errs.validation("ScheduleExpression is supported only on the default event bus.")
    if schedule is not None and not isinstance(schedule, str):
        raise errs.serialization("scheduleExpression must be a string")
    if pattern is not None:
        compile_or_raise(pattern, "eventPattern", RULE_PATTERN_MAX_CHARS)
    return pattern, schedule


def check_state(state: object) -> str:
    """A rule State; absent means ENABLED (PutRule replaces every field it is not given)."""
    if state is None:
        return "ENABLED"
    if state not in RULE_STATES:
        enum = ", ".join(RULE_STATES)
        raise errs.constraint(state, "state", f"Member must satisfy enum value set: [{enum}]")
    return str(state)


def string_param(params: Mapping[str, Any], key: str) -> str:
    """An optional string member; a JSON value of another type is a SerializationException."""
    value = params.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise errs.serialization(f"{key} must be a string")
    return value


def page(items: list[dict[str, Any]], key: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """One page of `items` by Limit/NextToken (the token is an opaque offset)."""
    try:
        start = int(params.get("NextToken") or 0)
    except (TypeError, ValueError):
        raise errs.validation("The NextToken provided is invalid.") from None
    limit = params.get("Limit")
    size = limit if isinstance(limit, int) and limit > 0 else 100
    result: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        result["NextToken"] = str(start + size)
    return result


def parse_json_body(body: bytes) -> dict[str, Any]:
    """A JSON 1.1 request body; AWS answers SerializationException when it is not an object."""
    if not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError as err:
        raise errs.serialization("Start of structure or map found where not expected.") from err
    if not isinstance(parsed, dict):
        raise errs.serialization("Start of structure or map found where not expected.")
    return parsed
