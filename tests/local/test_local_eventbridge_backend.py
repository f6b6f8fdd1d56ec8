"""EventBridgeBackend driven directly, without HTTP: state, matching and rule states."""

from __future__ import annotations

import json

import pytest

from simulator.local.eventbridge import Delivery, EventBridgeBackend
from simulator.local.eventbridge_errors import EventsApiError
from simulator.local.eventbridge_model import Scope

SCOPE = Scope("111122223333", "us-east-1")
QUEUE = "arn:aws:sqs:us-east-1:111122223333:q"


@pytest.fixture
def backend() -> tuple[EventBridgeBackend, list[Delivery]]:
    delivered: list[Delivery] = []
    return EventBridgeBackend(dispatch=delivered.append), delivered


def put_rule(backend: EventBridgeBackend, name: str, pattern: dict, **params) -> None:
    backend.call("PutRule", SCOPE, {"Name": name, "EventPattern": json.dumps(pattern), **params})
    backend.call("PutTargets", SCOPE, {"Rule": name, "Targets": [{"Id": "t", "Arn": QUEUE}]})


def cloudtrail_event(read_only: bool) -> dict:
    return {
        "version": "0",
        "id": "x",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam",
        "account": SCOPE.account,
        "time": "2025-06-01T03:04:05Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"eventName": "ListUsers", "readOnly": read_only},
    }


def test_put_events_builds_the_aws_envelope(backend):
    eb, delivered = backend
    put_rule(eb, "r", {"source": ["my.app"]})
    entry = {"Source": "my.app", "DetailType": "t", "Detail": '{"a": 1}', "Time": 1700000000}
    reply = eb.call("PutEvents", SCOPE, {"Entries": [entry]})
    [delivery] = delivered
    assert delivery.event["id"] == reply["Entries"][0]["EventId"]
    assert delivery.event["time"] == "2023-11-14T22:13:20Z"
    assert delivery.event["account"] == SCOPE.account
    assert delivery.event_json == json.dumps(delivery.event, separators=(",", ":"))
    assert delivery.rule_arn == "arn:aws:events:us-east-1:111122223333:rule/r"


def test_read_only_management_events_reach_only_all_management_rules(backend):
    eb, delivered = backend
    put_rule(eb, "enabled", {"source": ["aws.iam"]})
    put_rule(
        eb, "all", {"source": ["aws.iam"]}, State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    )
    eb.inject(SCOPE, cloudtrail_event(read_only=True))
    assert [d.rule_name for d in delivered] == ["all"]
    delivered.clear()
    eb.inject(SCOPE, cloudtrail_event(read_only=False))
    assert sorted(d.rule_name for d in delivered) == ["all", "enabled"]


def test_put_rule_again_keeps_targets_and_reindexes(backend):
    eb, delivered = backend
    put_rule(eb, "r", {"source": ["a"]})
    eb.call("PutRule", SCOPE, {"Name": "r", "EventPattern": json.dumps({"source": ["b"]})})
    eb.call("PutEvents", SCOPE, {"Entries": [{"Source": "a", "DetailType": "t", "Detail": "{}"}]})
    assert delivered == []
    eb.call("PutEvents", SCOPE, {"Entries": [{"Source": "b", "DetailType": "t", "Detail": "{}"}]})
    assert len(delivered) == 1


def test_accounts_and_regions_are_separate(backend):
    eb, delivered = backend
    put_rule(eb, "r", {"source": ["a"]})
    other = Scope(SCOPE.account, "eu-west-1")
    assert eb.call("ListRules", other, {})["Rules"] == []
    eb.call("PutEvents", other, {"Entries": [{"Source": "a", "DetailType": "t", "Detail": "{}"}]})
    assert delivered == []


def test_list_rules_pages(backend):
    eb, _ = backend
    for n in range(5):
        eb.call("PutRule", SCOPE, {"Name": f"r{n}", "EventPattern": '{"source":["a"]}'})
    first = eb.call("ListRules", SCOPE, {"Limit": 2})
    assert [r["Name"] for r in first["Rules"]] == ["r0", "r1"]
    rest = eb.call("ListRules", SCOPE, {"Limit": 10, "NextToken": first["NextToken"]})
    assert [r["Name"] for r in rest["Rules"]] == ["r2", "r3", "r4"] and "NextToken" not in rest


def test_errors_carry_aws_code_and_message(backend):
    eb, _ = backend
    with pytest.raises(EventsApiError) as info:
        eb.call("DescribeRule", SCOPE, {"Name": "nope", "EventBusName": "default"})
    assert (info.value.code, info.value.aws_message) == (
        "ResourceNotFoundException",
        "Rule nope does not exist on EventBus default.",
    )
    with pytest.raises(EventsApiError) as info:
        eb.call("Frobnicate", SCOPE, {})
    assert info.value.code == "UnknownOperationException"
    with pytest.raises(EventsApiError) as info:
        eb.call("PutRule", SCOPE, {"Name": "r", "EventPattern": "{", "EventBusName": "nope"})
    assert info.value.aws_message == "Event bus nope does not exist."


def test_bus_arn_is_accepted_as_bus_name(backend):
    eb, _ = backend
    eb.call("CreateEventBus", SCOPE, {"Name": "b"})
    arn = "arn:aws:events:us-east-1:111122223333:event-bus/b"
    eb.call(
        "PutRule", SCOPE, {"Name": "r", "EventPattern": '{"source":["a"]}', "EventBusName": arn}
    )
    assert eb.call("DescribeRule", SCOPE, {"Name": "r", "EventBusName": "b"})["EventBusName"] == "b"
