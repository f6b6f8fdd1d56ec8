"""trailsim's exceptions: one base, one subclass per kind of failure.

Every subclass says in its docstring when it is raised, keeps the fields that say *where* it went
wrong (a JSON path, a file and line, a rule, a hop), builds its message from those fields, pickles
(replay's process pool sends errors across processes) and never holds a secret.  The CLI prints a
``SimulatorError`` as one line and exits 2, with no traceback.
"""

from __future__ import annotations

from typing import Any


class SimulatorError(Exception):
    """Base class of every error trailsim raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._reduce_args())

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.message,)

    def __str__(self) -> str:
        return self.message


class ConfigError(SimulatorError):
    """Raised when a command-line flag, option or setting has a value trailsim cannot use."""

    def __init__(self, option: str, value: object, expected: str) -> None:
        self.option, self.value, self.expected = option, value, expected
        super().__init__(f"{option}={value!r}: expected {expected}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.option, self.value, self.expected)


class ScenarioError(SimulatorError, ValueError):
    """Raised when a generator argument (scenario, near miss, share, count...) is not valid."""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument, self.value, self.expected = argument, value, expected
        super().__init__(f"{argument}={value!r} {expected}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.argument, self.value, self.expected)


class InputError(SimulatorError):
    """Raised when an input file (events, fixtures, templates, logs) cannot be read as expected.

    ``location`` is ``file``, ``file:line`` or ``file:line:column``; ``path`` is a JSON path when
    the problem is inside a document.
    """

    def __init__(self, location: str, problem: str, path: str = "") -> None:
        self.location, self.problem, self.path = location, problem, path
        where = f"{location} at {path}" if path else location
        super().__init__(f"{where}: {problem}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.location, self.problem, self.path)


class EventValidationError(SimulatorError):
    """Raised when an event, record or log file does not validate against trailsim's schemas."""

    def __init__(self, kind: str, problems: list[str]) -> None:
        self.kind, self.problems = kind, list(problems)
        first = problems[0] if problems else "invalid"
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"not a valid {kind}: {first}{more}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.kind, self.problems)


class PatternError(SimulatorError):
    """Raised when EventBridge would reject a pattern; carries its JSON path and position.

    ``aws_message`` is AWS's complete InvalidEventPatternException text, including Jackson's
    ``at [Source: ...; line: N, column: M]`` location line(s) where AWS adds them.
    """

    def __init__(
        self,
        reason: str,
        path: str = "",
        line: int | None = None,
        column: int | None = None,
        aws_message: str = "",
    ) -> None:
        self.reason, self.path, self.line, self.column = reason, path, line, column
        super().__init__(f"Event pattern is not valid. Reason: {reason}")
        self.aws_message = aws_message or self.message

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.reason, self.path, self.line, self.column, self.aws_message)


class InvalidEventError(SimulatorError):
    """Raised when TestEventPattern would reject the event itself (AWS's ValidationException)."""

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason, self.path = reason, path
        super().__init__(reason)

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.reason, self.path)


class AwsError(SimulatorError):
    """Raised when an AWS (or local cloud) call fails in a way trailsim cannot recover from."""

    def __init__(self, operation: str, code: str, detail: str) -> None:
        self.operation, self.code, self.detail = operation, code, detail
        super().__init__(f"{operation} failed: {code}: {detail}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.operation, self.code, self.detail)


class LocalCloudError(SimulatorError):
    """Raised when the local cloud cannot start, or re-raised when its server thread failed."""


class SlackError(SimulatorError):
    """Raised when a Slack Web API call fails; names the method and channel, never the token."""

    def __init__(self, method: str, channel: str, error: str) -> None:
        self.method, self.channel, self.error = method, channel, error
        super().__init__(f"Slack {method} on channel {channel or '-'} failed: {error}")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.method, self.channel, self.error)


class CleanupError(SimulatorError):
    """Raised when a resource trailsim created could not be deleted; names the resource."""

    def __init__(self, resource: str, detail: str) -> None:
        self.resource, self.detail = resource, detail
        super().__init__(f"could not delete {resource}: {detail}; run 'trailsim sweep'")

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.resource, self.detail)


__all__ = [
    "AwsError",
    "CleanupError",
    "ConfigError",
    "EventValidationError",
    "InputError",
    "InvalidEventError",
    "LocalCloudError",
    "PatternError",
    "ScenarioError",
    "SimulatorError",
    "SlackError",
]
