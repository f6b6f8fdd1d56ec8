"""EventBridge event patterns, AWS-exact: validate, compile, match, explain.

    from simulator.patterns import compile_pattern, SEED_PATTERN
    rule = compile_pattern(SEED_PATTERN)
    rule.matches(event)          # True / False, as EventBridge decides
    rule.explain(event)          # [Mismatch(path, operator, expected, actual), ...]
    rule.could_match_bytes(line) # raw JSON line prefilter: False only if it cannot match
    rule.matching_lines(chunk)   # JSON Lines chunk -> indexes of matching lines (fast replay)

Semantics follow the AWS-recorded cases and, where AWS has not been recorded, aws/event-ruler;
every choice is documented in the module that makes it (see ``matcher`` for array consistency,
``compiler`` for validation order, ``limits`` for service-side limits).
"""

from __future__ import annotations

from typing import Any

from simulator.patterns.events import INVALID_EVENT, parse_event, validate_test_event
from simulator.patterns.explain import describe, describe_all
from simulator.patterns.matcher import MISSING, Mismatch
from simulator.patterns.pattern import (
    CompiledPattern,
    EventPatternError,
    PatternProblem,
    PatternTooLongError,
    check_pattern,
    compile_pattern,
)
from simulator.patterns.ruleset import RuleSet

# The users' rule: CloudTrail's record of iam:CreateAccessKey, as EventBridge delivers it.
SEED_PATTERN: dict[str, Any] = {
    "source": ["aws.iam"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["iam.amazonaws.com"], "eventName": ["CreateAccessKey"]},
}

__all__ = [
    "INVALID_EVENT",
    "MISSING",
    "SEED_PATTERN",
    "CompiledPattern",
    "EventPatternError",
    "Mismatch",
    "PatternProblem",
    "PatternTooLongError",
    "RuleSet",
    "check_pattern",
    "compile_pattern",
    "describe",
    "describe_all",
    "parse_event",
    "validate_test_event",
]
