"""The local EventBridge's state: buses, rules and targets, per account and region.

Plain Python with no HTTP, so tests can drive it directly.  Rule matching goes through
`simulator.patterns.RuleSet`, which holds only the rules that receive events (state not DISABLED,
with an event pattern); a rule's pattern is compiled once, when it is put.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.local import eventbridge_errors as errs
from simulator.patterns import RuleSet

DEFAULT_BUS = "default"
RULE_STATES = ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
# botocore events model: RuleName / TargetId / EventBusName patterns and lengths.
NAME_RE = re.compile(r"[\.\-_A-Za-z0-9]+")
BUS_NAME_RE = re.compile(r"[/\.\-_A-Za-z0-9]+")
BUS_ARN_RE = re.compile(
    r"arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus/(?P<name>.+)"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """The account and region a request acts in (from its credentials and SigV4 scope)."""

    account: str
    region: str

    def arn(self, resource: str) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:{resource}"


@dataclass
class Rule:
    name: str
    bus: str
    arn: str
    event_pattern: str | None
    schedule: str | None
    state: str
    description: str | None
    role_arn: str | None
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def receives_events(self) -> bool:
        return self.state != "DISABLED" and self.event_pattern is not None

    def describe(self, account: str) -> dict[str, Any]:
        described = {
            "Name": self.name,
            "Arn": self.arn,
            "EventPattern": self.event_pattern,
            "ScheduleExpression": self.schedule,
            "State": self.state,
            "Description": self.description,
            "RoleArn": self.role_arn,
            "EventBusName": self.bus,
            "CreatedBy": account,
        }
        return {key: value for key, value in described.items() if value is not None}


@dataclass
class Bus:
    name: str
    arn: str
    description: str | None = None
    rules: dict[str, Rule] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    ruleset: RuleSet = field(default_factory=RuleSet)

    def describe(self) -> dict[str, Any]:
        described = {"Name": self.name, "Arn": self.arn, "Description": self.description}
        return {key: value for key, value in described.items() if value is not None}

    def index(self, rule: Rule) -> None:
        """Keep the RuleSet equal to the rules that receive events."""
        if rule.name in self.ruleset.names:
            self.ruleset.remove(rule.name)
        if rule.receives_events and rule.event_pattern is not None:
            self.ruleset.add(rule.name, rule.event_pattern)

    def unindex(self, name: str) -> None:
        if name in self.ruleset.names:
            self.ruleset.remove(name)


class RegionState:
    """The buses of one account in one region; the default bus always exists."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.buses: dict[str, Bus] = {}
        self.add_bus(DEFAULT_BUS)

    def add_bus(self, name: str, description: str | None = None) -> Bus:
        bus = Bus(name, self.scope.arn(f"event-bus/{name}"), description)
        self.buses[name] = bus
        return bus

    def bus(self, name_or_arn: object) -> Bus:
        name = bus_name(name_or_arn)
        found = self.buses.get(name)
        if found is None:
            raise errs.bus_not_found(name)
        return found

    def rule(self, params: Mapping[str, Any], key: str = "Name") -> tuple[Bus, Rule]:
        bus = self.bus(params.get("EventBusName"))
        name = params.get(key)
        if not isinstance(name, str):
            raise errs.missing(key[0].lower() + key[1:])
        found = bus.rules.get(name)
        if found is None:
            raise errs.rule_not_found(name, bus.name)
        return bus, found

    def rule_arn(self, bus: str, name: str) -> str:
        # AWS: rules on the default bus are "rule/<name>", on a custom bus "rule/<bus>/<name>".
        return self.scope.arn(f"rule/{name}" if bus == DEFAULT_BUS else f"rule/{bus}/{name}")


def bus_name(name_or_arn: object) -> str:
    """The bus named by an EventBusName parameter (a name or an event-bus ARN; absent = default)."""
    if name_or_arn is None:
        return DEFAULT_BUS
    if not isinstance(name_or_arn, str) or not name_or_arn:
        raise errs.constraint(
            name_or_arn, "eventBusName", "Member must have length greater than or equal to 1"
        )
    arn = BUS_ARN_RE.fullmatch(name_or_arn)
    if arn is not None:
        return arn.group("name")
    if not BUS_NAME_RE.fullmatch(name_or_arn):
        raise errs.constraint(
            name_or_arn,
            "eventBusName",
            "Member must satisfy regular expression pattern: "
            r"(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/\.\-_A-Za-z0-9]+",
        )
    return name_or_arn


def check_name(value: object, member: str) -> str:
    """A RuleName/TargetId: 1-64 characters of ``[.\\-_A-Za-z0-9]`` (botocore events model)."""
    if value is None:
        raise errs.missing(member)
    if not isinstance(value, str) or len(value) > 64 or not NAME_RE.fullmatch(value):
        constraint = (
            "Member must have length less than or equal to 64"
            if isinstance(value, str) and len(value) > 64
            else r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"
        )
        raise errs.constraint(value, member, constraint)
    return value
