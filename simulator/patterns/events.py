"""Event text as TestEventPattern reads it, and its event validation (semantics.md §3.5).

AWS answers ``ValidationException: Parameter Event is not valid.`` when the event is not JSON, is
JSON but not an object, or lacks an envelope field (recorded ``test_plain_string_payload``,
``test_array_event_payload``, ``test_invalid_event_payload``).  The API reference lists
``resources`` as required too, but 157 recorded events without it were accepted, so only the six
fields below are required (§3.5, §5.12).  Which field fails first, field types and the ``time``
format are unrecorded and not checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from simulator.errors import InvalidEventError
from simulator.patterns.operators import NumberText

INVALID_EVENT = "Parameter Event is not valid."
REQUIRED_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def _reject_constant(name: str) -> object:
    raise ValueError(f"non-standard number {name}")


def parse_event(data: str | bytes | bytearray | memoryview, *, number_text: bool = False) -> Any:
    """Parse one event's JSON text; ``number_text`` keeps each float's text (``NumberText``).

    Raises InvalidEventError (AWS's "Parameter Event is not valid.") when it is not JSON.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()
    if not number_text:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # integers beyond 64 bits, lone surrogates: let the standard library decide
    try:
        return json.loads(data, parse_float=NumberText, parse_constant=_reject_constant)
    except (ValueError, TypeError, RecursionError) as error:
        raise InvalidEventError(INVALID_EVENT, _where(error)) from None


def _where(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}, column {error.colno}: {error.msg}"
    return str(error)


def validate_test_event(event: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """TestEventPattern's event check: returns the parsed event or raises InvalidEventError."""
    if isinstance(event, (str, bytes, bytearray)):
        try:
            parsed = json.loads(event, parse_constant=_reject_constant)
        except (ValueError, TypeError, RecursionError) as error:
            raise InvalidEventError(INVALID_EVENT, _where(error)) from None
    else:
        parsed = event
    if not isinstance(parsed, Mapping):
        raise InvalidEventError(INVALID_EVENT, "the event is not a JSON object")
    for name in REQUIRED_FIELDS:
        if name not in parsed:
            raise InvalidEventError(INVALID_EVENT, name)
    return dict(parsed)
