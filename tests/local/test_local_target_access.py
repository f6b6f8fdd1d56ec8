"""EventBridge -> SNS honours the topic policy and its KMS key, EventBridge -> SQS the queue
policy; failures go to the DLQ (through the wire: policies are set with SNS/KMS/SQS APIs, events
put with PutEvents)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.policies import ServiceRequest, evaluate

PATTERN = {"source": ["my.app"]}
RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/orders"
EVENTS = {"Service": "events.amazonaws.com"}


def statement(effect: str = "Allow", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": extra.pop("Principal", EVENTS),
        "Action": extra.pop("Action", "sns:Publish"),
        "Resource": extra.pop("Resource", "*"),
        **extra,
    }


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def set_policy(kit: Any, topic: str, text: str) -> None:
    kit.sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=text)


def publish_and_collect(kit: Any, topic: str, url: str) -> tuple[list[str], list[Any]]:
    kit.rule("orders", PATTERN, topic)
    kit.events.put_events(Entries=[kit.entry()])
    bodies = kit.drain(url, wait=0.3)
    return bodies, list(kit.cloud.dispatcher.failed_invocations)


DENIED_POLICIES = {
    "no-eventbridge-statement": policy(
        statement(Principal={"AWS": "arn:aws:iam::123456789012:root"})
    ),
    "explicit-deny-wins": policy(statement(), statement("Deny", Principal="*")),
    "source-arn-of-another-rule": policy(
        statement(Condition={"ArnEquals": {"aws:SourceArn": RULE_ARN + "-other"}})
    ),
    "source-account-elsewhere": policy(
        statement(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}})
    ),
    "other-topic-only": policy(statement(Resource="arn:aws:sns:us-east-1:123456789012:other")),
    "unknown-condition-key-on-allow": policy(
        statement(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}})
    ),
    "unknown-condition-key-on-deny": policy(
        statement(),
        statement("Deny", Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}),
    ),
    "not-json": "{",
    "aws-default-topic-policy": policy(
        statement(
            Principal={"AWS": "*"},
            Action=["SNS:GetTopicAttributes", "SNS:Publish"],
            Condition={"StringEquals": {"AWS:SourceOwner": "123456789012"}},
        )
    ),
    "source-arn-must-be-null": policy(statement(Condition={"Null": {"aws:SourceArn": "true"}})),
    "unknown-operator": policy(statement(Condition={"DateLessThan": {"aws:SourceArn": "x"}})),
}
ALLOWED_POLICIES = {
    "source-arn-present": policy(statement(Condition={"Null": {"aws:SourceArn": False}})),
    "if-exists-on-absent-key": policy(
        statement(Condition={"StringEqualsIfExists": {"aws:SourceOwner": "1"}})
    ),
    "statement-object-not-list": json.dumps({"Statement": statement(Action="SNS:PUBLISH")}),
    "service-principal": policy(statement()),
    "everyone-sns-star": policy(statement(Principal="*", Action="sns:*")),
    "aws-star": policy(statement(Principal={"AWS": "*"}, Action="*")),
    "source-arn-matches": policy(
        statement(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/ord*"}})
    ),
    "source-account-matches": policy(
        statement(Condition={"StringEquals": {"aws:SourceAccount": ["1", "123456789012"]}})
    ),
    "deny-without-tls-does-not-apply": policy(
        statement(),
        statement("Deny", Principal="*", Condition={"Bool": {"aws:SecureTransport": False}}),
    ),
}


@pytest.mark.parametrize("text", DENIED_POLICIES.values(), ids=DENIED_POLICIES.keys())
def test_policy_denies(text):
    request = ServiceRequest(
        "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", RULE_ARN, "123456789012"
    )
    assert not evaluate(text, request).allowed


@pytest.mark.parametrize("text", ALLOWED_POLICIES.values(), ids=ALLOWED_POLICIES.keys())
def test_policy_allows(text):
    request = ServiceRequest(
        "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", RULE_ARN, "123456789012"
    )
    decision = evaluate(text, request)
    assert decision.allowed, decision.reason


def test_default_topic_policy_does_not_let_eventbridge_publish(kit):
    topic, url = kit.topic_to_queue("alerts", policy=False)  # AWS's (and moto's) default policy

    bodies, [failed] = publish_and_collect(kit, topic, url)

    assert bodies == []
    assert failed.code == "NO_PERMISSIONS" and failed.rule_arn == RULE_ARN
    assert "no statement allows events.amazonaws.com" in failed.error


def test_explicit_deny_through_the_wire(kit):
    topic, url = kit.topic_to_queue("alerts")
    set_policy(kit, topic, DENIED_POLICIES["explicit-deny-wins"])

    bodies, [failed] = publish_and_collect(kit, topic, url)

    assert bodies == [] and "explicitly denies sns:Publish" in failed.error


def test_source_arn_condition_naming_the_rule_delivers(kit):
    topic, url = kit.topic_to_queue("alerts")
    condition = {"ArnEquals": {"aws:SourceArn": RULE_ARN}}
    set_policy(kit, topic, policy(statement(Resource=topic, Condition=condition)))

    bodies, failed = publish_and_collect(kit, topic, url)

    assert len(bodies) == 1 and failed == []


def test_topic_with_aws_managed_key_fails(kit):
    topic, url = kit.topic_to_queue("alerts")
    kit.sns.set_topic_attributes(
        TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns"
    )

    bodies, [failed] = publish_and_collect(kit, topic, url)

    assert bodies == [] and "alias/aws/sns" in failed.error


def kms_key(kit: Any, key_policy: str | None = None) -> str:
    kms = kit.cloud.client("kms")
    key = kms.create_key()["KeyMetadata"]
    if key_policy is not None:
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=key_policy)
    return str(key["KeyId"])


KEY_POLICY_FOR_EVENTS = policy(
    statement(Principal={"AWS": "arn:aws:iam::123456789012:root"}, Action="kms:*"),
    statement(Action=["kms:GenerateDataKey*", "kms:Decrypt"]),
)


@pytest.mark.parametrize(
    ("key_policy", "disable", "delivered"),
    [
        (None, False, False),
        (KEY_POLICY_FOR_EVENTS, False, True),
        (KEY_POLICY_FOR_EVENTS, True, False),
    ],
    ids=["default-key-policy", "key-policy-grants-eventbridge", "key-disabled"],
)
def test_customer_managed_key(kit, key_policy, disable, delivered):
    topic, url = kit.topic_to_queue("alerts")
    key = kms_key(kit, key_policy)
    if disable:
        kit.cloud.client("kms").disable_key(KeyId=key)
    kit.sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue=key)

    bodies, failed = publish_and_collect(kit, topic, url)

    assert (len(bodies), len(failed)) == ((1, 0) if delivered else (0, 1)), failed


def dlq(kit: Any, name: str = "dlq", *, allow: bool = True) -> tuple[str, str]:
    url, arn = kit.queue(name, policy=False)
    if allow:
        text = policy(statement(Action="sqs:SendMessage", Resource=arn))
        kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": text})
    return url, arn


def test_failed_event_goes_to_the_dead_letter_queue_with_aws_attributes(kit, cloud):
    topic, _ = kit.topic_to_queue("alerts", policy=False)
    dlq_url, dlq_arn = dlq(kit)
    kit.rule("orders", PATTERN, topic, DeadLetterConfig={"Arn": dlq_arn})

    reply = kit.events.put_events(Entries=[kit.entry()])

    assert cloud.wait_delivered(10)
    [message] = kit.sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"])["id"] == reply["Entries"][0]["EventId"]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == RULE_ARN and attributes["TARGET_ARN"] == topic
    assert attributes["ERROR_CODE"] == "NO_PERMISSIONS" and attributes["RETRY_ATTEMPTS"] == "0"
    assert "events.amazonaws.com" in attributes["ERROR_MESSAGE"]
    assert cloud.dispatcher.dead_lettered == 1 and len(cloud.dispatcher.failed_invocations) == 1


def test_dead_letter_queue_without_a_policy_receives_nothing(kit, cloud):
    dlq_url, dlq_arn = dlq(kit, allow=False)
    missing = "arn:aws:sns:us-east-1:123456789012:gone"
    kit.rule("orders", PATTERN, missing, DeadLetterConfig={"Arn": dlq_arn})

    kit.events.put_events(Entries=[kit.entry()])

    assert kit.drain(dlq_url, wait=0.3) == []
    [failed] = cloud.dispatcher.failed_invocations
    assert failed.code == "NO_RESOURCE" and "not sent to the dead-letter queue" in failed.error


def role(kit: Any, name: str, *, trusts: str, allows: str | None) -> str:
    iam = kit.cloud.client("iam")
    trust = policy(statement(Principal={"Service": trusts}, Action="sts:AssumeRole"))
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    if allows is not None:
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": allows, "Resource": "*"}],
        }
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return str(arn)


ROLES = {
    "role-may-publish": ("events.amazonaws.com", "sns:Publish", None),
    "role-without-publish": ("events.amazonaws.com", "sqs:SendMessage", "NO_PERMISSIONS"),
    "role-not-trusting-eventbridge": ("lambda.amazonaws.com", "sns:*", "FAILED_TO_ASSUME_ROLE"),
}


@pytest.mark.parametrize(("trusts", "allows", "code"), ROLES.values(), ids=ROLES.keys())
def test_target_role_publishes_instead_of_the_topic_policy(kit, trusts, allows, code):
    topic, url = kit.topic_to_queue("alerts", policy=False)  # the default policy: no EventBridge
    role_arn = role(kit, "events-publisher", trusts=trusts, allows=allows)
    kit.rule("orders", PATTERN, topic, RoleArn=role_arn)
    kit.events.put_events(Entries=[kit.entry()])

    bodies, failed = kit.drain(url, wait=0.3), kit.cloud.dispatcher.failed_invocations

    if code is None:
        assert len(bodies) == 1 and failed == []
    else:
        assert bodies == [] and [f.code for f in failed] == [code]


def test_missing_target_role_cannot_be_assumed(kit, cloud):
    topic, url = kit.topic_to_queue("alerts")
    kit.rule("orders", PATTERN, topic, RoleArn="arn:aws:iam::123456789012:role/nope")
    kit.events.put_events(Entries=[kit.entry()])

    assert kit.drain(url, wait=0.3) == []
    assert [f.code for f in cloud.dispatcher.failed_invocations] == ["FAILED_TO_ASSUME_ROLE"]


SQS_POLICIES = {
    "no-policy": (None, False),
    "events-may-send": (statement(Action="sqs:SendMessage"), True),
    "events-may-send-for-this-rule": (
        statement(Action="sqs:SendMessage", Condition={"ArnEquals": {"aws:SourceArn": RULE_ARN}}),
        True,
    ),
    "events-may-send-for-another-rule": (
        statement(
            Action="sqs:SendMessage",
            Condition={"ArnEquals": {"aws:SourceArn": RULE_ARN + "-other"}},
        ),
        False,
    ),
    "sns-only": (
        statement(Action="sqs:SendMessage", Principal={"Service": "sns.amazonaws.com"}),
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(SQS_POLICIES))
def test_sqs_target_needs_a_queue_policy_for_eventbridge(kit, cloud, case):
    """An SQS target is authorised by its queue's policy alone; PutTargets adds none."""
    allow, delivered = SQS_POLICIES[case]
    url, arn = kit.queue("target", policy=False)
    if allow is not None:
        kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy(allow)})
    kit.rule("orders", PATTERN, arn)

    kit.events.put_events(Entries=[kit.entry()])

    assert cloud.wait_delivered(10)
    assert len(kit.drain(url, wait=0.3)) == (1 if delivered else 0)
    failed = cloud.dispatcher.failed_invocations
    assert [f.code for f in failed] == ([] if delivered else ["NO_PERMISSIONS"])
    if failed:
        assert "the queue's access policy denies EventBridge" in failed[0].error


def test_deleted_sqs_target_is_a_missing_resource(kit, cloud):
    url, arn = kit.queue("target")
    kit.sqs.delete_queue(QueueUrl=url)
    kit.rule("orders", PATTERN, arn)

    kit.events.put_events(Entries=[kit.entry()])

    assert cloud.wait_delivered(10)
    [failed] = cloud.dispatcher.failed_invocations
    assert failed.code == "NO_RESOURCE" and arn in failed.error
