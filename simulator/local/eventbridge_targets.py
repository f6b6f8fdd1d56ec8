"""PutTargets' checks: each target's members, and the five-targets-per-rule quota.

Messages are AWS's: "Parameter <arn> is not valid. Reason: Provided Arn is not in correct
format."; the quota answers ``LimitExceededException`` "The requested resource exceeds the maximum
number allowed." (observed from AWS in aws-cloudformation/cfn-lint#306, 18F/identity-terraform#121;
quota "Targets per rule: 5", EventBridge user guide eb-quota).  `RetryPolicy` and
`DeadLetterConfig` are stored as given and echoed by ListTargetsByRule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simulator.local import eventbridge_errors as errs
from simulator.local.eventbridge_model import Rule, check_name
from simulator.local.transformer import check_transformer

MAX_TARGETS_PER_RULE = 5
MAX_TARGETS_PER_REQUEST = 10  # botocore events model: PutTargets Targets, max 10
ARN_RE = re.compile(r"arn:aws[\w-]*:[a-z0-9\-]+:[a-z0-9\-]*:\d{0,12}:.+")
# botocore events model: RetryPolicy members and their ranges.
RETRY_LIMITS = {"MaximumRetryAttempts": (0, 185), "MaximumEventAgeInSeconds": (60, 86400)}


def put_into(rule: Rule, targets: object) -> None:
    """Check `targets` and add them to `rule` (replacing same-Id targets), or change nothing."""
    if not isinstance(targets, list) or not targets:
        raise errs.missing("targets")
    if len(targets) > MAX_TARGETS_PER_REQUEST:
        raise errs.constraint(
            "[Target]", "targets", "Member must have length less than or equal to 10"
        )
    checked = [check_target(t) for t in targets]
    ids = set(rule.targets) | {t["Id"] for t in checked}
    if len(ids) > MAX_TARGETS_PER_RULE:
        raise errs.EventsApiError(
            "LimitExceededException", "The requested resource exceeds the maximum number allowed."
        )
    for target in checked:
        rule.targets[target["Id"]] = target


def check_target(target: object) -> dict[str, Any]:
    """PutTargets' checks of one target (AWS's messages); returns it as stored."""
    if not isinstance(target, Mapping):
        raise errs.serialization("Target must be a structure")
    target_id = check_name(target.get("Id"), "targets.member.id")
    arn = target.get("Arn")
    if not isinstance(arn, str) or not arn:
        raise errs.missing("targets.member.arn")
    if not ARN_RE.fullmatch(arn):
        raise errs.validation(
            f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
        )
    for key in ("Input", "InputPath"):
        if target.get(key) is not None and not isinstance(target[key], str):
            raise errs.serialization(f"{key} must be a string")
    inputs = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(inputs) > 1:
        raise errs.validation(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}."
        )
    transformer = target.get("InputTransformer")
    if transformer is not None:
        check_transformer(target_id, transformer)
    check_retry_policy(target.get("RetryPolicy"))
    check_dead_letter_config(target.get("DeadLetterConfig"))
    return dict(target)


def check_retry_policy(policy: object) -> None:
    """RetryPolicy: 0-185 attempts, 60-86400 seconds (either may be absent)."""
    if policy is None:
        return
    if not isinstance(policy, Mapping):
        raise errs.serialization("RetryPolicy must be a structure")
    for member, (low, high) in RETRY_LIMITS.items():
        value = policy.get(member)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise errs.serialization(f"{member} must be an integer")
        path = f"targets.member.retryPolicy.{member[0].lower()}{member[1:]}"
        if value < low:
            rule = f"Member must have value greater than or equal to {low}"
            raise errs.constraint(value, path, rule)
        if value > high:
            raise errs.constraint(
                value, path, f"Member must have value less than or equal to {high}"
            )


def check_dead_letter_config(config: object) -> None:
    """DeadLetterConfig: an optional Arn of 1-1600 characters (checked again at delivery)."""
    if config is None:
        return
    if not isinstance(config, Mapping):
        raise errs.serialization("DeadLetterConfig must be a structure")
    arn = config.get("Arn")
    if arn is None:
        return
    if not isinstance(arn, str):
        raise errs.serialization("Arn must be a string")
    if not 1 <= len(arn) <= 1600:
        rule = "Member must have length less than or equal to 1600"
        if not arn:
            rule = "Member must have length greater than or equal to 1"
        raise errs.constraint(arn, "targets.member.deadLetterConfig.arn", rule)
