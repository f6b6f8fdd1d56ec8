"""``compile_pattern``, ``check_pattern`` and ``CompiledPattern``: compile once, match many."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.errors import InvalidEventError, PatternError
from simulator.patterns import limits
from simulator.patterns import operators as ops
from simulator.patterns.canonical import canonical_text
from simulator.patterns.compiler import Branch, CompileFailure, compile_text
from simulator.patterns.events import parse_event
from simulator.patterns.fastpath import build_fast_matcher
from simulator.patterns.jsonparse import line_and_column, location_line
from simulator.patterns.matcher import BranchMatcher, Mismatch
from simulator.patterns.prefilter import BytesPrefilter

PREFIX = "Event pattern is not valid. Reason: "


# The full AWS message now lives on PatternError itself; the old name stays for callers.
EventPatternError = PatternError


class PatternTooLongError(EventPatternError):
    """The pattern is longer than the API accepts (a ValidationException, not a pattern reason)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"pattern has {length} characters; the limit is {limit}")
        self.length, self.limit = length, limit
        self.message = limits.LENGTH_MESSAGE.format(limit=limit)
        self.aws_message = self.message

    def _reduce_args(self) -> tuple[Any, ...]:
        return (self.length, self.limit)


@dataclass(frozen=True)
class PatternProblem:
    """Why EventBridge would reject a pattern: AWS's reason, where, and its full message."""

    reason: str
    path: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        position = f" line {self.line}, column {self.column}" if self.line is not None else ""
        return f"{PREFIX}{self.reason}{where}{position}"


def pattern_text(pattern: object) -> str:
    """The text EventBridge would receive: strings as given, objects as ``json.dumps`` sends them."""
    if isinstance(pattern, str):
        return pattern
    if isinstance(pattern, (bytes, bytearray)):
        try:
            return bytes(pattern).decode("utf-8")
        except UnicodeDecodeError as error:
            byte = pattern[error.start]
            raise EventPatternError(f"Invalid UTF-8 start byte 0x{byte:x}") from None
    try:
        return json.dumps(pattern, default=_mapping_default)
    except (TypeError, ValueError) as error:
        raise EventPatternError(f"pattern is not JSON: {error}") from None


def _mapping_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_from_failure(text: str, failure: CompileFailure) -> EventPatternError:
    message = PREFIX + failure.reason
    line = column = None
    if failure.offset is not None:
        line, column = line_and_column(text, failure.offset)
        message += "\n" + location_line(text, failure.offset)
        if failure.outer_offset is not None:
            message += "\n" + location_line(text, failure.outer_offset)
    return EventPatternError(failure.reason, failure.path, line, column, message)


def compile_pattern(
    pattern: str | bytes | Mapping[str, Any],
    *,
    max_length: int = limits.TEST_EVENT_PATTERN_MAX_LENGTH,
) -> CompiledPattern:
    """Validate ``pattern`` as EventBridge does and compile it; raises PatternError if invalid."""
    text = pattern_text(pattern)
    if len(text) > max_length:
        raise PatternTooLongError(len(text), max_length)
    try:
        branches = compile_text(text)
    except CompileFailure as failure:
        raise _error_from_failure(text, failure) from None
    warnings = _check_complexity(branches)
    _mark_numeric_fields(branches)
    return CompiledPattern(text, branches, warnings)


def _mark_numeric_fields(branches: list[Branch]) -> None:
    """event-ruler matches a number on a field either numerically (when the field has numeric
    patterns) or by its text, never both (``ByteMachine.transitionOn``); only the text walk can
    reach a CIDR range, so range elements of numeric fields skip it."""
    numeric_paths = {
        path
        for branch in branches
        for path, leaf in branch.items()
        for element in leaf
        if (isinstance(element, ops.ExactNumber) and element.key is not None)
        or isinstance(element, ops.NumericRange)
        or (isinstance(element, ops.AnythingBut) and element.numbers)
    }
    for branch in branches:
        for path in numeric_paths & branch.keys():
            for element in branch[path]:
                if isinstance(element, (ops.CidrRange, ops.ExactIp)):
                    element.walk_numbers = False


def check_pattern(pattern: object) -> list[PatternProblem]:
    """Every reason EventBridge would give for rejecting ``pattern`` (at most one: AWS stops at
    the first); empty when it is valid.  Never raises."""
    try:
        compile_pattern(pattern)  # type: ignore[arg-type]
    except EventPatternError as error:
        return [
            PatternProblem(error.reason, error.path, error.line, error.column, error.aws_message)
        ]
    except PatternError as error:  # pragma: no cover - every error above is an EventPatternError
        return [PatternProblem(error.reason, error.path, error.line, error.column, str(error))]
    return []


def _check_complexity(branches: list[Branch]) -> tuple[str, ...]:
    by_path: dict[str, dict[str, list[str | None]]] = {}
    for branch in branches:
        for path, leaf in branch.items():
            for element in leaf:
                for operand in _wildcard_operands(element):
                    by_path.setdefault(path, {})[operand] = ops.parse_wildcard(operand)
    warnings = [
        f"{path}: anything-but {element.kind} [] excludes nothing here; event-ruler crashes on "
        "it and AWS's answer is unrecorded (semantics.md §3.3, §5.13)"
        for branch in branches
        for path, leaf in branch.items()
        for element in leaf
        if isinstance(element, ops.AnythingBut) and element.kind != "plain" and not element.strings
    ]
    for path, wildcards in by_path.items():
        score = limits.wildcard_complexity(list(wildcards.values()))
        if score > limits.MAX_WILDCARD_COMPLEXITY:
            raise EventPatternError(limits.TOO_COMPLEX, path)
        if score >= limits.UNVERIFIED_COMPLEXITY:
            warnings.append(
                f"{path}: wildcard complexity {score} is accepted here, but AWS's threshold "
                "(above 7, at most 11) is unrecorded"
            )
    return tuple(warnings)


def _wildcard_operands(element: ops.Element) -> list[str]:
    if isinstance(element, ops.StringTest) and element.operator == "wildcard":
        return [element.operand]
    if isinstance(element, ops.AnythingBut) and element.kind == "wildcard":
        return sorted(element.strings)
    return []


class CompiledPattern:
    """A validated pattern: ``matches``, ``explain`` and the raw-line prefilter."""

    def __init__(self, source: str, branches: list[Branch], warnings: tuple[str, ...] = ()) -> None:
        self.source = source
        self.branches = tuple(BranchMatcher(branch) for branch in branches)
        self.canonical = canonical_text(branches)
        self.warnings = warnings
        self.needs_number_text = any(
            isinstance(element, (ops.ExactNumber, ops.NumericRange, ops.AnythingBut))
            for branch in branches
            for leaf in branch.values()
            for element in leaf
        )
        self._prefilter = BytesPrefilter(branches)
        self._could_match = self._prefilter.could_match
        self._fast = build_fast_matcher(self.branches, self._event)
        # The generated matcher takes events and text itself: no extra call per event.
        self.matches = self._fast  # type: ignore[method-assign, assignment]
        self.paths = tuple(sorted({path for branch in branches for path in branch}))

    def __repr__(self) -> str:
        return f"CompiledPattern({self.canonical})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Generated matchers do not pickle; rebuild from the source (replay's process pool).
        return (_rebuild, (self.source,))

    def _event(self, event: object) -> object:
        if isinstance(event, (str, bytes, bytearray, memoryview)):
            return parse_event(event, number_text=self.needs_number_text)
        return event

    def matches(self, event: Mapping[str, Any] | str | bytes | object) -> bool:
        """True when EventBridge would deliver ``event`` to a rule with this pattern."""
        return self._fast(event)

    def explain(self, event: Mapping[str, Any] | str | bytes | object) -> list[Mismatch]:
        """Every field that failed, for the nearest branch; empty exactly when ``matches``."""
        parsed = self._event(event)
        best: list[Mismatch] | None = None
        for branch in self.branches:
            problems = branch.explain(parsed)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def could_match_bytes(self, line: bytes) -> bool:
        """False only when the raw JSON line cannot match (a required literal is absent)."""
        return self._could_match(line)

    def candidate_lines(self, chunk: bytes) -> list[tuple[int, bytes]]:
        """(index, line) for the lines of a JSON Lines ``chunk`` that could match; no other can."""
        return self._prefilter.candidates(chunk)

    def matching_lines(self, chunk: bytes) -> list[int]:
        """0-based indexes of the lines of ``chunk`` that match (lines that are not JSON never
        do): the fast path for replaying JSON Lines."""
        found = []
        for index, line in self._prefilter.candidates(chunk):
            if self.matches_bytes(line):
                found.append(index)
        return found

    def matching_offsets(self, chunk: bytes) -> list[int]:
        """Byte offsets of the matching lines of ``chunk`` (like ``matching_lines``, without
        counting newlines: for verdict counts, or when the caller numbers lines itself)."""
        found = []
        for start, line in self._prefilter.candidates(chunk, numbered=False):
            if self.matches_bytes(line):
                found.append(start)
        return found

    def matches_bytes(self, line: bytes) -> bool:
        """Prefilter, then parse and match: the fast path for replaying JSON Lines.  A line that
        is not JSON never matches."""
        if not self._could_match(line):
            return False
        try:
            return self._fast(parse_event(line, number_text=self.needs_number_text))
        except InvalidEventError:
            return False


def _rebuild(source: str) -> CompiledPattern:
    branches = compile_text(source)
    _mark_numeric_fields(branches)
    return CompiledPattern(source, branches, _check_complexity(branches))
