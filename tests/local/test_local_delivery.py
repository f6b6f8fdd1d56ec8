"""Events put through the wire reach SNS and SQS targets exactly as AWS delivers them."""

from __future__ import annotations

import json

PATTERN = {"source": ["my.app"], "detail-type": ["Order Placed"], "detail": {"state": ["paid"]}}


def test_sns_target_delivers_the_event_json_as_the_notification_message(kit):
    topic, url = kit.topic_to_queue("alerts")
    kit.rule("orders", PATTERN, topic)

    reply = kit.events.put_events(Entries=[kit.entry(detail={"state": "paid", "n": 1})])

    assert reply["FailedEntryCount"] == 0
    [body] = kit.drain(url, expect=1)
    notification = json.loads(body)  # raw delivery off: the SNS envelope
    assert notification["Type"] == "Notification"
    assert notification["TopicArn"] == topic
    assert "Subject" not in notification  # EventBridge never sets one (delivery-path §1.3)
    event = json.loads(notification["Message"])
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert event["id"] == reply["Entries"][0]["EventId"]
    assert event["detail"] == {"state": "paid", "n": 1}
    assert event["account"] == "123456789012" and event["region"] == "us-east-1"
    # The Message is the minified event JSON, byte for byte (delivery-path §1.2).
    assert notification["Message"] == json.dumps(event, separators=(",", ":"))


def test_near_miss_is_not_delivered(kit):
    topic, url = kit.topic_to_queue("alerts")
    kit.rule("orders", PATTERN, topic)

    kit.events.put_events(
        Entries=[
            kit.entry(detail={"state": "PAID"}),  # case differs
            kit.entry(source="my.app2", detail={"state": "paid"}),
            kit.entry(detail={"state": "paid"}, DetailType="Order placed"),
        ]
    )

    assert kit.drain(url, wait=0.5) == []


def test_disabled_rule_receives_nothing_and_enabling_it_restores_delivery(kit):
    url, arn = kit.queue("q")
    kit.rule("orders", PATTERN, arn, rule={"State": "DISABLED"})

    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])
    assert kit.drain(url, wait=0.5) == []

    kit.events.enable_rule(Name="orders")
    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])
    assert len(kit.drain(url, expect=1)) == 1

    kit.events.disable_rule(Name="orders")
    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])
    assert kit.drain(url, wait=0.5) == []


def test_sqs_target_receives_the_minified_event(kit):
    url, arn = kit.queue("q")
    kit.rule("orders", PATTERN, arn)

    reply = kit.events.put_events(
        Entries=[kit.entry(detail={"state": "paid"}, Resources=["arn:x"])]
    )

    [body] = kit.drain(url, expect=1)
    event = json.loads(body)
    assert body == json.dumps(event, separators=(",", ":"))
    assert event["id"] == reply["Entries"][0]["EventId"]
    assert event["resources"] == ["arn:x"]


def test_failed_entries_are_not_delivered(kit):
    url, arn = kit.queue("q")
    kit.rule("everything", {"source": [{"prefix": ""}]}, arn)

    reply = kit.events.put_events(
        Entries=[
            kit.entry(source="aws.iam"),
            {"Source": "my.app", "DetailType": "x", "Detail": "{"},
        ]
    )

    assert reply["FailedEntryCount"] == 2
    assert kit.drain(url, wait=0.5) == []


def test_custom_bus_rules_see_only_their_bus(kit):
    url, arn = kit.queue("q")
    kit.events.create_event_bus(Name="orders-bus")
    kit.events.put_rule(Name="r", EventBusName="orders-bus", EventPattern=json.dumps(PATTERN))
    kit.events.put_targets(Rule="r", EventBusName="orders-bus", Targets=[{"Id": "1", "Arn": arn}])

    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])  # default bus
    assert kit.drain(url, wait=0.5) == []

    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"}, EventBusName="orders-bus")])
    assert len(kit.drain(url, expect=1)) == 1


def test_each_matching_rule_and_target_gets_one_copy(kit):
    url1, arn1 = kit.queue("q1")
    url2, arn2 = kit.queue("q2")
    kit.rule("a", PATTERN, arn1)
    kit.rule("b", {"source": ["my.app"]}, arn2)
    kit.events.put_targets(Rule="b", Targets=[{"Id": "t2", "Arn": arn1}])

    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])

    assert len(kit.drain(url1, expect=2)) == 2
    assert len(kit.drain(url2, expect=1)) == 1


def test_input_transformer_through_the_wire(kit):
    url, arn = kit.queue("q")
    transformer = {
        "InputPathsMap": {"state": "$.detail.state", "src": "$.source"},
        "InputTemplate": '{"s": <state>, "text": "<src> is <state>", "rule": <aws.events.rule-name>}',
    }
    kit.rule("orders", PATTERN, arn, InputTransformer=transformer)

    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])

    assert kit.drain(url, expect=1) == ['{"s":"paid","text":"my.app is paid","rule":"orders"}']


def test_unreachable_target_is_a_failed_invocation_not_an_error(kit, cloud):
    kit.rule("orders", PATTERN, "arn:aws:sns:us-east-1:123456789012:no-such-topic")

    reply = kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])

    assert reply["FailedEntryCount"] == 0  # PutEvents succeeds; delivery fails later
    assert cloud.wait_delivered(10)
    [failed] = cloud.dispatcher.failed_invocations
    assert failed.target_arn.endswith(":no-such-topic") and failed.rule_arn.endswith("rule/orders")


def test_event_for_a_missing_bus_is_accepted_and_dropped(kit):
    # As AWS does (aws/aws-cli#9186): an EventId, no failure, and nothing delivered.
    url, arn = kit.queue("q")
    kit.rule("everything", {"source": ["my.app"]}, arn)
    reply = kit.events.put_events(Entries=[kit.entry(EventBusName="no-such-bus")])
    assert reply["FailedEntryCount"] == 0 and "EventId" in reply["Entries"][0]
    assert kit.drain(url, wait=0.5) == []


def test_target_in_another_region_is_never_invoked(kit, cloud):
    sqs_west = cloud.client("sqs", region="us-west-2")
    url = sqs_west.create_queue(QueueName="west")["QueueUrl"]
    arn = sqs_west.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    kit.rule("orders", PATTERN, arn)

    kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])

    assert cloud.wait_delivered(10)
    assert sqs_west.receive_message(QueueUrl=url).get("Messages", []) == []
    [failed] = cloud.dispatcher.failed_invocations
    assert "region" in failed.error
