"""EventBridge's error shapes: the code and message AWS answers with, raised by the local backend.

The wire layer turns an ``EventsApiError`` into ``400 {"__type": code, "message": message}``, so
botocore raises the same exception class (``client.exceptions.<code>``) as against AWS.
Messages are AWS's own, from the sources cited beside each builder.
"""

from __future__ import annotations

from typing import Any

from simulator.errors import AwsError


class EventsApiError(AwsError):
    """Raised by the local EventBridge when AWS would answer an error; keeps AWS's code and message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        self.aws_message, self.status = message, status
        super().__init__("EventBridge", code, message)

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.code, self.aws_message, self.status)


def rule_not_found(name: str, bus: str) -> EventsApiError:
    # Observed on AWS: "Rule test-rule does not exist on EventBus default." (steampipe #1591)
    return EventsApiError(
        "ResourceNotFoundException", f"Rule {name} does not exist on EventBus {bus}."
    )


def bus_not_found(name: str) -> EventsApiError:
    return EventsApiError("ResourceNotFoundException", f"Event bus {name} does not exist.")


def validation(message: str) -> EventsApiError:
    return EventsApiError("ValidationException", message)


def constraint(value: object, member: str, rule: str) -> EventsApiError:
    """AWS's JSON-protocol constraint message (the same text for every member)."""
    shown = "null" if value is None else f"'{value}'"
    return validation(
        f"1 validation error detected: Value {shown} at '{member}' failed to satisfy constraint: {rule}"
    )


def missing(member: str) -> EventsApiError:
    return constraint(None, member, "Member must not be null")


def unknown_operation(operation: str) -> EventsApiError:
    return EventsApiError("UnknownOperationException", f"Unknown operation {operation}")


def serialization(message: str) -> EventsApiError:
    return EventsApiError("SerializationException", message)
