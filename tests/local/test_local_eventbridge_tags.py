"""Rule tags and target quotas through boto3: AWS's replies and error messages."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

PATTERN = json.dumps({"source": ["my.app"]})
QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"


def tags_of(kit, arn):
    return kit.events.list_tags_for_resource(ResourceARN=arn)["Tags"]


def test_put_rule_tags_then_tag_and_untag(kit):
    arn = kit.events.put_rule(Name="r", EventPattern=PATTERN, Tags=[{"Key": "a", "Value": "1"}])[
        "RuleArn"
    ]
    assert tags_of(kit, arn) == [{"Key": "a", "Value": "1"}]

    kit.events.tag_resource(
        ResourceARN=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}]
    )
    assert tags_of(kit, arn) == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]

    kit.events.untag_resource(ResourceARN=arn, TagKeys=["a", "not-there"])
    assert tags_of(kit, arn) == [{"Key": "b", "Value": "2"}]


def test_rule_on_custom_bus_and_bus_tags(kit):
    bus_arn = kit.events.create_event_bus(Name="orders", Tags=[{"Key": "k", "Value": "v"}])[
        "EventBusArn"
    ]
    arn = kit.events.put_rule(Name="r", EventBusName="orders", EventPattern=PATTERN)["RuleArn"]
    kit.events.tag_resource(ResourceARN=arn, Tags=[{"Key": "t", "Value": ""}])

    assert tags_of(kit, arn) == [{"Key": "t", "Value": ""}]
    assert tags_of(kit, bus_arn) == [{"Key": "k", "Value": "v"}]


def test_deleted_and_recreated_rule_has_no_tags(kit):
    arn = kit.events.put_rule(Name="r", EventPattern=PATTERN, Tags=[{"Key": "a", "Value": "1"}])[
        "RuleArn"
    ]
    kit.events.delete_rule(Name="r")
    with pytest.raises(kit.events.exceptions.ResourceNotFoundException):
        tags_of(kit, arn)
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    assert tags_of(kit, arn) == []


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        (
            "arn:aws:events:us-east-1:123456789012:rule/nope",
            "Rule nope does not exist on EventBus default.",
        ),
        (
            "arn:aws:events:us-east-1:123456789012:rule/orders/nope",
            "Rule nope does not exist on EventBus orders.",
        ),
        (
            "arn:aws:events:us-east-1:123456789012:event-bus/nope",
            "Event bus nope does not exist.",
        ),
        (
            "arn:aws:events:eu-west-1:123456789012:rule/r",  # exists, but in us-east-1
            "Rule r does not exist on EventBus default.",
        ),
    ],
    ids=["rule", "rule-on-bus", "bus", "other-region"],
)
def test_unknown_resource_is_not_found_with_aws_message(kit, arn, message):
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    calls = [
        lambda: kit.events.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "b"}]),
        lambda: kit.events.untag_resource(ResourceARN=arn, TagKeys=["a"]),
        lambda: kit.events.list_tags_for_resource(ResourceARN=arn),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"] == {
            "Code": "ResourceNotFoundException",
            "Message": message,
        }


def test_tag_key_too_long_is_a_validation_error(kit):
    arn = kit.events.put_rule(Name="r", EventPattern=PATTERN)["RuleArn"]
    with pytest.raises(ClientError) as caught:
        kit.events.tag_resource(ResourceARN=arn, Tags=[{"Key": "k" * 129, "Value": "v"}])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 128" in str(caught.value)


def targets(*ids):
    return [{"Id": i, "Arn": QUEUE} for i in ids]


def test_at_most_five_targets_per_rule(kit):
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    kit.events.put_targets(Rule="r", Targets=targets("1", "2", "3", "4"))
    kit.events.put_targets(Rule="r", Targets=targets("4", "5"))  # 4 is replaced: five in all

    with pytest.raises(ClientError) as caught:
        kit.events.put_targets(Rule="r", Targets=targets("6"))

    assert caught.value.response["Error"] == {
        "Code": "LimitExceededException",
        "Message": "The requested resource exceeds the maximum number allowed.",
    }
    listed = kit.events.list_targets_by_rule(Rule="r")["Targets"]
    assert [t["Id"] for t in listed] == ["1", "2", "3", "4", "5"]


def test_six_targets_in_one_request_change_nothing(kit):
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    with pytest.raises(kit.events.exceptions.LimitExceededException):
        kit.events.put_targets(Rule="r", Targets=targets(*"123456"))
    assert kit.events.list_targets_by_rule(Rule="r")["Targets"] == []


def test_retry_policy_and_dead_letter_config_are_echoed(kit):
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    target = {
        "Id": "t",
        "Arn": QUEUE,
        "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:dlq"},
    }
    kit.events.put_targets(Rule="r", Targets=[target])
    assert kit.events.list_targets_by_rule(Rule="r")["Targets"] == [target]


def test_retry_policy_out_of_range(kit):
    kit.events.put_rule(Name="r", EventPattern=PATTERN)
    target = {"Id": "t", "Arn": QUEUE, "RetryPolicy": {"MaximumRetryAttempts": 186}}
    with pytest.raises(ClientError) as caught:
        kit.events.put_targets(Rule="r", Targets=[target])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have value less than or equal to 185" in str(caught.value)
