"""Resource policies as AWS evaluates them for a call an AWS service makes (EventBridge -> SNS/KMS).

Pure: the local cloud enforces these verdicts on delivery, and the doctor reads real policies with
the same code, so the two can never disagree.

EventBridge publishes to a topic as the service principal ``events.amazonaws.com``; the call
succeeds only when the topic's access policy (and, for an encrypted topic, the key policy) allows
it and nothing denies it (delivery-path.md §2 items 7-9; IAM user guide, "Policy evaluation
logic": an explicit Deny wins, then an Allow is needed, else the request is implicitly denied).

Conditions are evaluated against the request context EventBridge's call carries: ``aws:SourceArn``
(the rule ARN), ``aws:SourceAccount`` (the rule's account), ``aws:SecureTransport``,
``aws:PrincipalServiceName`` and ``aws:PrincipalIsAWSService``.  A condition trailsim cannot
decide (an unknown operator or key) is *undecided*, and undecided is read conservatively: an
Allow statement with an undecided condition grants nothing, a Deny statement with one denies.
The result is that the local cloud never delivers where AWS might not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

EVENTS_PRINCIPAL = "events.amazonaws.com"
# Keys EventBridge's service call does not carry.  `AWS:SourceOwner` is the key of AWS's default
# topic policy (Principal AWS "*", StringEquals AWS:SourceOwner = the owner): AWS documents that
# this default does not let EventBridge publish (EventBridge troubleshooting guide, "my rule
# fired but the SNS topic received nothing"; delivery-path.md §2 item 7), so it is absent here.
ABSENT_KEYS = frozenset({"aws:sourceowner"})
_STRING_OPERATORS = {
    "stringequals": (False, False, False),  # (negated, ignore case, like)
    "stringnotequals": (True, False, False),
    "stringequalsignorecase": (False, True, False),
    "stringnotequalsignorecase": (True, True, False),
    "stringlike": (False, False, True),
    "stringnotlike": (True, False, True),
    "arnequals": (False, False, True),  # ARN operators take wildcards (IAM condition reference)
    "arnlike": (False, False, True),
    "arnnotequals": (True, False, True),
    "arnnotlike": (True, False, True),
    "bool": (False, True, False),
}


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """A call made by an AWS service principal: who, what, on which resource, with which context."""

    action: str
    resource: str
    source_arn: str
    source_account: str
    principal: str = EVENTS_PRINCIPAL
    extra_context: Mapping[str, str] = field(default_factory=dict)
    as_role: bool = False  # made by a role EventBridge assumed (target RoleArn), not the service

    def context(self) -> dict[str, str]:
        """The request context, keys lower-cased (condition keys are case-insensitive)."""
        if self.as_role:  # a role session's keys (aws:PrincipalArn, ...) are not modelled
            return {"aws:securetransport": "true"} | {
                k.lower(): v for k, v in self.extra_context.items()
            }
        known = {
            "aws:sourcearn": self.source_arn,
            "aws:sourceaccount": self.source_account,
            # Always present (IAM global condition keys); AWS services call each other over TLS.
            "aws:securetransport": "true",
            "aws:principalservicename": self.principal,
            "aws:principalisawsservice": "true",
        }
        known.update({k.lower(): v for k, v in self.extra_context.items()})
        return known


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of evaluating a policy: `allowed`, and in words why (naming the statement)."""

    allowed: bool
    reason: str


def evaluate(
    policy: str | Mapping[str, Any] | None, request: ServiceRequest, *, identity: bool = False
) -> Decision:
    """Allow only when a statement allows `request` and no statement denies it.

    `identity` evaluates an IAM identity policy (no Principal element: it names no one else).
    """
    statements, problem = _statements(policy)
    if problem is not None:
        return Decision(False, problem)
    return evaluate_statements(statements, request, identity=identity)


def evaluate_statements(
    statements: list[Mapping[str, Any]], request: ServiceRequest, *, identity: bool = False
) -> Decision:
    """`evaluate` over statements gathered from one or more policies."""
    allowed_by: str | None = None
    for index, statement in enumerate(statements):
        verdict = statement_applies(statement, request, identity=identity)
        name = _statement_name(statement, index)
        effect = statement.get("Effect")
        if effect == "Deny" and verdict is not False:
            why = "" if verdict else " (its condition could not be evaluated, read as applying)"
            return Decision(False, f"statement {name} explicitly denies {request.action}{why}")
        if effect == "Allow" and verdict is True and allowed_by is None:
            allowed_by = name
    if allowed_by is None:
        return Decision(
            False,
            f"no statement allows {request.principal} to call {request.action} on "
            f"{request.resource}",
        )
    return Decision(True, f"statement {allowed_by} allows {request.action}")


def statements_of(policy: str | Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The statements of a policy document (none when it is absent or malformed)."""
    return _statements(policy)[0]


def _statements(
    policy: str | Mapping[str, Any] | None,
) -> tuple[list[Mapping[str, Any]], str | None]:
    if policy is None or policy == "":
        return [], "the resource has no policy"
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return [], "the policy is not valid JSON"
    if not isinstance(document, Mapping):
        return [], "the policy is not a JSON object"
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return [], "the policy has no Statement list"
    return [s for s in statements if isinstance(s, Mapping)], None


def _statement_name(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"{sid!r}" if isinstance(sid, str) and sid else f"#{index + 1}"


def statement_applies(
    statement: Mapping[str, Any], request: ServiceRequest, *, identity: bool = False
) -> bool | None:
    """True/False when the statement does/doesn't cover `request`; None when undecidable."""
    checks = (
        identity
        or _element(statement, "Principal", lambda v: principal_matches(v, request.principal)),
        _element(statement, "Action", lambda v: _any_glob(v, request.action, ignore_case=True)),
        _element(statement, "Resource", lambda v: _any_glob(v, request.resource)),
    )
    if not all(checks):
        return False
    return condition_holds(statement.get("Condition"), request.context())


def _element(statement: Mapping[str, Any], name: str, matches: Any) -> bool:
    """`Principal`/`NotPrincipal` (and Action, Resource): the element or its negation."""
    if name in statement:
        return bool(matches(statement[name]))
    if f"Not{name}" in statement:
        return not matches(statement[f"Not{name}"])
    return name == "Resource"  # trust policies have no Resource: they are about the role itself


def principal_matches(principal: object, service: str) -> bool:
    """``"*"``, ``{"AWS": "*"}`` or ``{"Service": [..service..]}`` name a service principal."""
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    if "*" in _strings(principal.get("AWS")):
        return True
    return service in _strings(principal.get("Service"))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str)]
    return []


def _any_glob(patterns: object, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character."""
    subject = value.lower() if ignore_case else value
    for pattern in _strings(patterns):
        if fnmatchcase(subject, pattern.lower() if ignore_case else pattern):
            return True
    return False


def condition_holds(condition: object, context: Mapping[str, str]) -> bool | None:
    """AND over operators and keys, OR over each key's values; None when undecidable."""
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        return None
    results = [
        _key_holds(str(operator), str(key), values, context)
        for operator, block in condition.items()
        for key, values in (block.items() if isinstance(block, Mapping) else [(None, None)])
    ]
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True


def _key_holds(
    operator: str, key: str | None, values: object, context: Mapping[str, str]
) -> bool | None:
    if key is None:
        return None
    name = operator.lower()
    if ":" in name:  # ForAnyValue:/ForAllValues: on single-valued keys: not modelled
        return None
    key = key.lower()
    if key not in context and key not in ABSENT_KEYS:
        return None  # a key trailsim does not know EventBridge's context for
    present = context.get(key)
    if name == "null":
        return any((v.lower() == "true") == (present is None) for v in _condition_values(values))
    if_exists = name.endswith("ifexists")
    spec = _STRING_OPERATORS.get(name[: -len("ifexists")] if if_exists else name)
    if spec is None:
        return None
    negated, ignore_case, like = spec
    if present is None:
        return if_exists or negated  # IAM: a missing key fails, except for negated operators
    matched = any(_value_matches(v, present, ignore_case, like) for v in _condition_values(values))
    return not matched if negated else matched


def _condition_values(values: object) -> list[str]:
    """A condition's values as strings: JSON booleans and numbers count as their text."""
    items = values if isinstance(values, list) else [values]
    return [
        ("true" if v else "false") if isinstance(v, bool) else str(v)
        for v in items
        if isinstance(v, (str, bool, int, float))
    ]


def _value_matches(expected: str, actual: str, ignore_case: bool, like: bool) -> bool:
    if ignore_case:
        expected, actual = expected.lower(), actual.lower()
    if like:
        return re.fullmatch(_like_regex(expected), actual) is not None
    return expected == actual


def _like_regex(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
