"""Tags on rules and event buses: PutRule/CreateEventBus ``Tags``, TagResource, UntagResource and
ListTagsForResource, addressed by ARN.

AWS's answers, as recorded against AWS in LocalStack's validated snapshots
(localstack/localstack@80a11b1:tests/aws/services/events/test_events_tags.snapshot.json):
an unknown rule ARN is ``ResourceNotFoundException`` "Rule <name> does not exist on EventBus
<bus>." (the default bus for ``rule/<name>``), an unknown bus "Event bus <name> does not exist.";
untagging a key that is not there succeeds; a rule deleted and put again has no tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simulator.local import eventbridge_errors as errs
from simulator.local.eventbridge_model import DEFAULT_BUS, Bus, RegionState, Rule

RESOURCE_ARN_RE = re.compile(
    r"arn:aws[\w-]*:events:(?P<region>[a-z0-9\-]+):(?P<account>\d{12}):"
    r"(?P<kind>rule|event-bus)/(?P<path>.+)"
)
MAX_KEY, MAX_VALUE = 128, 256  # botocore events model: TagKey 1-128, TagValue 0-256


def check_tags(tags: object, member: str = "tags") -> dict[str, str]:
    """A ``Tags`` list of ``{"Key", "Value"}`` as a dict (a later duplicate key wins)."""
    if not isinstance(tags, list):
        raise errs.serialization("Tags must be a list")
    checked: dict[str, str] = {}
    for tag in tags:
        if not isinstance(tag, Mapping):
            raise errs.serialization("Tag must be a structure")
        key, value = tag.get("Key"), tag.get("Value")
        if key is None:
            raise errs.missing(f"{member}.member.key")
        if value is None:
            raise errs.missing(f"{member}.member.value")
        if not isinstance(key, str) or not isinstance(value, str):
            raise errs.serialization("Tag Key and Value must be strings")
        check_length(key, f"{member}.member.key", 1, MAX_KEY)
        check_length(value, f"{member}.member.value", 0, MAX_VALUE)
        checked[key] = value
    return checked


def check_length(text: str, member: str, low: int, high: int) -> None:
    if len(text) < low:
        rule = f"Member must have length greater than or equal to {low}"
        raise errs.constraint(text, member, rule)
    if len(text) > high:
        raise errs.constraint(text, member, f"Member must have length less than or equal to {high}")


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def tagged_resource(state: RegionState, params: Mapping[str, Any]) -> Rule | Bus:
    """The rule or bus named by ``ResourceARN`` in `state` (the caller's account and region)."""
    arn = params.get("ResourceARN")
    if arn is None:
        raise errs.missing("resourceARN")
    if not isinstance(arn, str):
        raise errs.serialization("ResourceARN must be a string")
    match = RESOURCE_ARN_RE.fullmatch(arn)
    if match is None:
        # trailsim's wording: AWS's text for a malformed ARN here is not recorded.
        raise errs.validation(
            f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
        )
    elsewhere = (match["account"], match["region"]) != (state.scope.account, state.scope.region)
    if match["kind"] == "event-bus":
        bus = None if elsewhere else state.buses.get(match["path"])
        if bus is None:
            raise errs.bus_not_found(match["path"])
        return bus
    bus_name, _, rule_name = match["path"].rpartition("/")
    bus_name = bus_name or DEFAULT_BUS
    found = None if elsewhere else state.buses.get(bus_name)
    rule = found.rules.get(rule_name) if found is not None else None
    if rule is None:
        raise errs.rule_not_found(rule_name, bus_name)
    return rule


def tag_keys(params: Mapping[str, Any]) -> list[str]:
    keys = params.get("TagKeys")
    if keys is None:
        raise errs.missing("tagKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise errs.serialization("TagKeys must be a list of strings")
    for key in keys:
        check_length(key, "tagKeys.member", 1, MAX_KEY)
    return keys
