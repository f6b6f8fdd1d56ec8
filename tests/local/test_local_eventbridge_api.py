"""The local EventBridge API through boto3: replies and AWS-shaped errors, never a 500."""

from __future__ import annotations

import json

import pytest
import requests
from botocore.exceptions import ClientError

PATTERN = json.dumps({"source": ["my.app"]})
EVENT = {
    "id": "1",
    "account": "123456789012",
    "source": "my.app",
    "time": "2025-06-01T03:04:05Z",
    "region": "us-east-1",
    "detail-type": "x",
    "resources": [],
    "detail": {},
}


def error_of(call, *args, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    error, meta = info.value.response["Error"], info.value.response["ResponseMetadata"]
    return error["Code"], error["Message"], meta["HTTPStatusCode"]


def test_rule_lifecycle(kit):
    events = kit.events
    arn = events.put_rule(Name="r1", EventPattern=PATTERN, Description="d")["RuleArn"]
    assert arn == "arn:aws:events:us-east-1:123456789012:rule/r1"
    described = events.describe_rule(Name="r1")
    assert described["State"] == "ENABLED" and described["EventPattern"] == PATTERN
    assert described["EventBusName"] == "default" and described["Description"] == "d"
    events.put_rule(Name="r2", EventPattern=PATTERN, State="DISABLED")
    assert [r["Name"] for r in events.list_rules()["Rules"]] == ["r1", "r2"]
    assert [r["Name"] for r in events.list_rules(NamePrefix="r2")["Rules"]] == ["r2"]
    events.disable_rule(Name="r1")
    assert events.describe_rule(Name="r1")["State"] == "DISABLED"
    events.put_targets(
        Rule="r1", Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:123456789012:q"}]
    )
    assert events.list_targets_by_rule(Rule="r1")["Targets"][0]["Id"] == "t"
    code, message, _ = error_of(events.delete_rule, Name="r1")
    assert (code, message) == ("ValidationException", "Rule can't be deleted since it has targets.")
    events.remove_targets(Rule="r1", Ids=["t"])
    events.delete_rule(Name="r1")
    assert [r["Name"] for r in events.list_rules()["Rules"]] == ["r2"]


def test_rules_on_custom_bus_have_bus_in_arn(kit):
    kit.events.create_event_bus(Name="b1")
    arn = kit.events.put_rule(Name="r", EventPattern=PATTERN, EventBusName="b1")["RuleArn"]
    assert arn.endswith(":rule/b1/r")
    assert kit.events.describe_event_bus(Name="b1")["Arn"].endswith(":event-bus/b1")
    names = {b["Name"] for b in kit.events.list_event_buses()["EventBuses"]}
    assert names == {"default", "b1"}


def test_unknown_rule_is_resource_not_found(kit):
    for call in (kit.events.describe_rule, kit.events.enable_rule, kit.events.disable_rule):
        code, message, status = error_of(call, Name="nope")
        assert (code, message, status) == (
            "ResourceNotFoundException",
            "Rule nope does not exist on EventBus default.",
            400,
        )
    code, _, _ = error_of(
        kit.events.put_targets,
        Rule="nope",
        Targets=[{"Id": "1", "Arn": "arn:aws:sqs:us-east-1:1:q"}],
    )
    assert code == "ResourceNotFoundException"
    with pytest.raises(kit.events.exceptions.ResourceNotFoundException):
        kit.events.list_targets_by_rule(Rule="nope", EventBusName="missing-bus")


def test_invalid_pattern_raises_the_modelled_exception(kit):
    with pytest.raises(kit.events.exceptions.InvalidEventPatternException) as info:
        kit.events.put_rule(Name="r", EventPattern='{"source": "my.app"}')
    # AWS's whole message, location line included (semantics.md §3.1, case string_nolist_EXC).
    # The column is simulator.patterns' business; the wire must carry the whole text.
    assert info.value.response["Error"]["Message"].startswith(
        'Event pattern is not valid. Reason: "source" must be an object or an array\n'
        ' at [Source: (String)"{"source": "my.app"}"; line: 1, column: '
    )
    with pytest.raises(kit.events.exceptions.InvalidEventPatternException):
        kit.events.test_event_pattern(EventPattern="[1]", Event=json.dumps(EVENT))


def test_put_rule_needs_a_pattern_or_schedule(kit):
    code, message, _ = error_of(kit.events.put_rule, Name="r")
    assert (code, message) == (
        "ValidationException",
        "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    )
    code, message, _ = error_of(kit.events.put_rule, Name="bad name", EventPattern=PATTERN)
    assert code == "ValidationException" and "at 'name' failed to satisfy constraint" in message


def test_bad_target_arn_and_placeholder(kit):
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    code, message, _ = error_of(
        kit.events.put_targets, Rule="r", Targets=[{"Id": "1", "Arn": "not-an-arn"}]
    )
    assert (code, message) == (
        "ValidationException",
        "Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.",
    )
    bad = {"InputPathsMap": {"a": "$.source"}, "InputTemplate": '"<a> <b>"'}
    code, message, _ = error_of(
        kit.events.put_targets,
        Rule="r",
        Targets=[
            {"Id": "1", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "InputTransformer": bad}
        ],
    )
    assert (code, message) == (
        "ValidationException",
        "InputTemplate for target 1 contains invalid placeholder b.",
    )


def test_put_events_per_entry_errors(kit):
    reply = kit.events.put_events(
        Entries=[
            kit.entry(),
            kit.entry(source="aws.iam"),
            {"Source": "my.app", "DetailType": "x", "Detail": "not json"},
            {"Source": "my.app", "DetailType": "x", "Detail": "[1, 2]"},
            {"DetailType": "x", "Detail": "{}"},
        ]
    )
    assert reply["FailedEntryCount"] == 4
    codes = [(e.get("ErrorCode"), e.get("ErrorMessage")) for e in reply["Entries"]]
    assert "EventId" in reply["Entries"][0]
    assert codes[1:] == [
        ("NotAuthorizedForSourceException", "Not authorized for the source."),
        ("MalformedDetail", "Detail is malformed."),
        ("MalformedDetail", "Detail is malformed."),
        (
            "InvalidArgument",
            "Parameter Source is not valid. Reason: Source is a required argument.",
        ),
    ]


def test_put_events_limits_entries_to_ten(kit):
    code, message, status = error_of(kit.events.put_events, Entries=[kit.entry()] * 11)
    assert (code, status) == ("ValidationException", 400)
    assert message.endswith("Member must have length less than or equal to 10")


def test_test_event_pattern(kit):
    assert (
        kit.events.test_event_pattern(EventPattern=PATTERN, Event=json.dumps(EVENT))["Result"]
        is True
    )
    other = dict(EVENT, source="other")
    assert (
        kit.events.test_event_pattern(EventPattern=PATTERN, Event=json.dumps(other))["Result"]
        is False
    )
    for bad_event in ("not json", "[1]", json.dumps({"testEvent": "value"})):
        code, message, _ = error_of(
            kit.events.test_event_pattern, EventPattern=PATTERN, Event=bad_event
        )
        assert (code, message) == ("ValidationException", "Parameter Event is not valid.")


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("AWSEvents.NoSuchThing", b"{}", "UnknownOperationException"),
        ("AWSEvents.PutRule", b"{not json", "SerializationException"),
        ("AWSEvents.PutRule", b"[1, 2]", "SerializationException"),
        ("AWSEvents.PutRule", b"{}", "ValidationException"),
        ("AWSEvents.PutEvents", b'{"Entries": "x"}', "SerializationException"),
        ("AWSEvents.PutEvents", b'{"Entries": [1]}', None),
        ("AWSEvents.PutTargets", b'{"Rule": 5, "Targets": []}', "ValidationException"),
        (
            "AWSEvents.TestEventPattern",
            b'{"EventPattern": 1, "Event": "{}"}',
            "ValidationException",
        ),
        ("AWSEvents.ListRules", b'{"NextToken": "garbage"}', "ValidationException"),
    ],
    ids=[
        "unknown-operation",
        "malformed-json",
        "json-not-object",
        "missing-name",
        "entries-not-list",
        "entry-not-object",
        "rule-not-string",
        "pattern-not-string",
        "bad-next-token",
    ],
)
def test_malformed_requests_get_aws_errors_never_500(cloud, target, body, code):
    headers = {
        "X-Amz-Target": target,
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/events/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    reply = requests.post(cloud.endpoint_url + "/", data=body, headers=headers, timeout=10)
    if code is None:
        assert reply.status_code == 200
        assert reply.json()["FailedEntryCount"] == 1
        return
    assert reply.status_code == 400, reply.text
    document = reply.json()
    assert document["__type"] == code and document["message"]


def test_pattern_length_limits(kit):
    long_pattern = json.dumps({"source": ["x" * 2100]})
    code, message, _ = error_of(kit.events.put_rule, Name="r", EventPattern=long_pattern)
    assert code == "ValidationException" and "2048" in message  # the default rule quota
    reply = kit.events.test_event_pattern(EventPattern=long_pattern, Event=json.dumps(EVENT))
    assert reply["Result"] is False
    too_long = json.dumps({"source": ["x" * 4100]})
    code, message, _ = error_of(
        kit.events.test_event_pattern, EventPattern=too_long, Event=json.dumps(EVENT)
    )
    assert code == "ValidationException" and "4096" in message
