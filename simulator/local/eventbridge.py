"""The local EventBridge: rules, targets, PutEvents and TestEventPattern with AWS's semantics.

`EventBridgeBackend` holds state and logic in plain Python; each API operation is a method named
for it in snake_case (``PutRule`` -> ``put_rule``) taking ``(scope, params)`` with the request's
JSON members and returning the reply's.  `eventbridge_wire` is the thin HTTP layer in front.
Where moto differs from AWS (delivery-path.md §5), this follows AWS: DISABLED rules receive
nothing, ``aws.*`` sources are refused, TestEventPattern answers, SNS targets are delivered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from simulator.errors import InvalidEventError
from simulator.local import eventbridge_errors as errs
from simulator.local.eventbridge_events import (
    build_envelope,
    check_entries,
    entry_problem,
    event_json,
    is_read_only_management_event,
)
from simulator.local.eventbridge_model import (
    DEFAULT_BUS,
    Bus,
    RegionState,
    Rule,
    Scope,
    bus_name,
    check_name,
)
from simulator.local.eventbridge_params import (
    RULE_PATTERN_MAX_CHARS,
    TEST_PATTERN_MAX_CHARS,
    check_state,
    check_trigger,
    compile_or_raise,
    page,
    parse_json_body,
    string_param,
)
from simulator.local.eventbridge_tags import check_tags, tag_keys, tag_list, tagged_resource
from simulator.local.eventbridge_targets import put_into
from simulator.patterns import validate_test_event

__all__ = [  # parse_json_body and the pattern limits are re-exported for the wire and tests
    "OPERATIONS",
    "RULE_PATTERN_MAX_CHARS",
    "TEST_PATTERN_MAX_CHARS",
    "Delivery",
    "EventBridgeBackend",
    "parse_json_body",
]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One matched (rule, target, event), handed to the dispatcher."""

    rule_name: str
    rule_arn: str
    target: Mapping[str, Any]
    event: Mapping[str, Any]
    event_json: str
    ingestion_time: datetime


Dispatch = Callable[[Delivery], None]


class EventBridgeBackend:
    """EventBridge state for every account and region, with AWS's rules for each operation."""

    def __init__(self, dispatch: Dispatch | None = None) -> None:
        self._lock = threading.RLock()
        self._regions: dict[Scope, RegionState] = {}
        self.dispatch: Dispatch = dispatch or (lambda delivery: None)

    def reset(self) -> None:
        with self._lock:
            self._regions.clear()

    def region(self, scope: Scope) -> RegionState:
        with self._lock:
            state = self._regions.get(scope)
            if state is None:
                state = self._regions[scope] = RegionState(scope)
            return state

    def call(self, operation: str, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        """Run one API operation by its AWS name (``"PutRule"``)."""
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise errs.unknown_operation(operation)
        with self._lock:
            result: dict[str, Any] = handler(self, scope, params)
            return result

    # -- buses ------------------------------------------------------------------------------
    def create_event_bus(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        name = params.get("Name")
        if not isinstance(name, str) or not name:
            raise errs.missing("name")
        state = self.region(scope)
        if name in state.buses:
            raise errs.EventsApiError(
                "ResourceAlreadyExistsException", f"Event bus {name} already exists."
            )
        tags = check_tags(params["Tags"]) if params.get("Tags") is not None else {}
        bus = state.add_bus(bus_name(name), params.get("Description"))
        bus.tags.update(tags)
        return {"EventBusArn": bus.arn}

    def delete_event_bus(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        name = bus_name(params.get("Name"))
        if name == DEFAULT_BUS:
            raise errs.validation("Cannot delete event bus default.")
        self.region(scope).buses.pop(name, None)  # AWS: deleting a missing bus succeeds
        return {}

    def describe_event_bus(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.region(scope).bus(params.get("Name")).describe()

    def list_event_buses(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        prefix = string_param(params, "NamePrefix")
        buses = [
            b.describe() for b in self.region(scope).buses.values() if b.name.startswith(prefix)
        ]
        return {"EventBuses": buses}

    # -- rules ------------------------------------------------------------------------------
    def put_rule(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        name = check_name(params.get("Name"), "name")
        state = self.region(scope)
        bus = state.bus(params.get("EventBusName"))
        pattern, schedule = check_trigger(params, bus.name)
        rule_state = check_state(params.get("State"))
        tags = check_tags(params["Tags"]) if params.get("Tags") is not None else {}
        old = bus.rules.get(name)
        rule = Rule(
            name=name,
            bus=bus.name,
            arn=state.rule_arn(bus.name, name),
            event_pattern=pattern,
            schedule=schedule,
            state=rule_state,
            description=params.get("Description"),
            role_arn=params.get("RoleArn"),
            targets=old.targets if old else {},
            # PutRule on an existing rule keeps its tags and adds those given [unconfirmed: the
            # PutRule reference is silent; TagResource is the documented way to change tags].
            tags={**(old.tags if old else {}), **tags},
        )
        bus.rules[name] = rule
        bus.index(rule)
        return {"RuleArn": rule.arn}

    def describe_rule(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        _, rule = self.region(scope).rule(params)
        return rule.describe(scope.account)

    def list_rules(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        bus = self.region(scope).bus(params.get("EventBusName"))
        prefix = string_param(params, "NamePrefix")
        rules = [r for name, r in sorted(bus.rules.items()) if name.startswith(prefix)]
        described = [r.describe(scope.account) for r in rules]
        for item in described:
            item.pop("CreatedBy", None)
        return page(described, "Rules", params)

    def delete_rule(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        check_name(params.get("Name"), "name")
        bus = self.region(scope).bus(params.get("EventBusName"))
        rule = bus.rules.get(params["Name"])
        if rule is None:
            return {}  # AWS: DeleteRule of a missing rule succeeds
        if rule.targets and not params.get("Force"):
            raise errs.validation("Rule can't be deleted since it has targets.")
        del bus.rules[rule.name]
        bus.unindex(rule.name)
        return {}

    def enable_rule(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._set_state(scope, params, "ENABLED")

    def disable_rule(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._set_state(scope, params, "DISABLED")

    def _set_state(self, scope: Scope, params: Mapping[str, Any], state: str) -> dict[str, Any]:
        bus, rule = self.region(scope).rule(params)
        rule.state = state
        bus.index(rule)
        return {}

    # -- targets ----------------------------------------------------------------------------
    def put_targets(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        _, rule = self.region(scope).rule(params, "Rule")
        put_into(rule, params.get("Targets"))
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def remove_targets(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        _, rule = self.region(scope).rule(params, "Rule")
        ids = params.get("Ids")
        if not isinstance(ids, list) or not ids:
            raise errs.missing("ids")
        for target_id in ids:
            rule.targets.pop(target_id, None)
        return {"FailedEntryCount": 0, "FailedEntries": []}

    def list_targets_by_rule(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        _, rule = self.region(scope).rule(params, "Rule")
        return page([dict(t) for t in rule.targets.values()], "Targets", params)

    # -- tags -------------------------------------------------------------------------------
    def tag_resource(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("Tags") is None:
            raise errs.missing("tags")
        tags = check_tags(params["Tags"])
        tagged_resource(self.region(scope), params).tags.update(tags)
        return {}

    def untag_resource(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        keys = tag_keys(params)
        resource = tagged_resource(self.region(scope), params)
        for key in keys:
            resource.tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"Tags": tag_list(tagged_resource(self.region(scope), params).tags)}

    # -- events -----------------------------------------------------------------------------
    def put_events(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.put_entries(scope, params, trusted=False)

    def put_entries(
        self, scope: Scope, params: Mapping[str, Any], *, trusted: bool
    ) -> dict[str, Any]:
        """PutEvents; `trusted` lets the local CloudTrail emitter use the `aws.iam` source."""
        entries = check_entries(params.get("Entries"))
        received = datetime.now(timezone.utc)
        results: list[dict[str, Any]] = []
        for entry in entries:
            results.append(self._put_entry(scope, entry, received, trusted))
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    def _put_entry(
        self, scope: Scope, entry: Any, received: datetime, trusted: bool
    ) -> dict[str, Any]:
        problem = entry_problem(entry, trusted=trusted)
        if problem is not None:
            return {"ErrorCode": problem[0], "ErrorMessage": problem[1]}
        try:
            name = bus_name(entry.get("EventBusName"))
        except errs.EventsApiError as err:
            return {"ErrorCode": err.code, "ErrorMessage": err.aws_message}
        event = build_envelope(entry, scope, received)
        bus = self.region(scope).buses.get(name)
        if bus is not None:
            self._route(bus, event, received)
        # AWS accepts an event for a bus that does not exist and drops it: FailedEntryCount 0
        # and an EventId (aws/aws-cli#9186, aws/aws-sdk#186; observed 2022 and 2025).
        return {"EventId": event["id"]}

    def inject(self, scope: Scope, event: dict[str, Any]) -> None:
        """Put an event an AWS service emits (the CloudTrail emitter) on the default bus."""
        with self._lock:
            bus = self.region(scope).bus(DEFAULT_BUS)
            self._route(bus, event, datetime.now(timezone.utc))

    def _route(self, bus: Bus, event: dict[str, Any], received: datetime) -> None:
        read_only = is_read_only_management_event(event)
        text = event_json(event)
        for name in bus.ruleset.matching(event):
            rule = bus.rules[name]
            if read_only and rule.state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
                continue  # ENABLED rules never see read-only CloudTrail management events
            for target in list(rule.targets.values()):
                self.dispatch(Delivery(rule.name, rule.arn, target, event, text, received))

    def test_event_pattern(self, scope: Scope, params: Mapping[str, Any]) -> dict[str, Any]:
        event, pattern = params.get("Event"), params.get("EventPattern")
        if pattern is None:
            raise errs.missing("eventPattern")
        if event is None:
            raise errs.missing("event")
        if not isinstance(event, str):
            raise errs.serialization("event must be a string")
        # The event is checked first, as LocalStack does (semantics.md §3.5: order unknown).
        try:
            parsed = validate_test_event(event)
        except InvalidEventError as err:
            raise errs.validation(err.reason) from err
        compiled = compile_or_raise(pattern, "eventPattern", TEST_PATTERN_MAX_CHARS)
        return {"Result": bool(compiled.matches(parsed))}


def _operation_table() -> dict[str, Callable[..., dict[str, Any]]]:
    names = (
        "CreateEventBus",
        "DeleteEventBus",
        "DescribeEventBus",
        "ListEventBuses",
        "PutRule",
        "DescribeRule",
        "ListRules",
        "DeleteRule",
        "EnableRule",
        "DisableRule",
        "PutTargets",
        "RemoveTargets",
        "ListTargetsByRule",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        "PutEvents",
        "TestEventPattern",
    )
    return {name: getattr(EventBridgeBackend, _snake(name)) for name in names}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


OPERATIONS = _operation_table()
