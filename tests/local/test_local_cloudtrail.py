"""IAM calls through the local cloud become CloudTrail events on the us-east-1 default bus."""

from __future__ import annotations

import json

import boto3
import pytest

from simulator.aws.stack import queue_policy
from simulator.events import realism_problems

SEED_PATTERN = {
    "source": ["aws.iam"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["iam.amazonaws.com"], "eventName": ["CreateAccessKey"]},
}


def iam_as(cloud, key: dict) -> object:
    session = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    return session.client("iam", endpoint_url=cloud.endpoint_url)


@pytest.fixture
def alice(cloud, kit):
    """An IAM user with an access key, and user bob; created before any rule exists."""
    iam = cloud.client("iam")
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    assert cloud.wait_delivered(10)
    return key


def test_create_access_key_reaches_the_alert_rule_as_a_realistic_event(cloud, kit, alice):
    url, arn = kit.queue("alerts")
    kit.rule("access-key-created", SEED_PATTERN, arn)

    created = iam_as(cloud, alice).create_access_key(UserName="bob")["AccessKey"]

    [body] = kit.drain(url, expect=1)
    event = json.loads(body)
    assert (event["source"], event["detail-type"]) == ("aws.iam", "AWS API Call via CloudTrail")
    assert (event["account"], event["region"]) == ("123456789012", "us-east-1")
    record = event["detail"]
    assert record["eventName"] == "CreateAccessKey" and record["awsRegion"] == "us-east-1"
    identity = record["userIdentity"]
    assert identity["type"] == "IAMUser"
    assert identity["arn"] == "arn:aws:iam::123456789012:user/alice"
    assert identity["accessKeyId"] == alice["AccessKeyId"]
    assert record["requestParameters"] == {"userName": "bob"}
    key = record["responseElements"]["accessKey"]
    assert key["accessKeyId"] == created["AccessKeyId"]
    assert (key["userName"], key["status"]) == ("bob", "Active")
    assert "secretAccessKey" not in json.dumps(record).replace("SecretAccessKey", "")
    assert created["SecretAccessKey"] not in body
    assert record["readOnly"] is False and record["eventType"] == "AwsApiCall"
    assert realism_problems(record) == []


def test_failed_call_is_recorded_with_its_error(cloud, kit, alice):
    url, arn = kit.queue("alerts")
    kit.rule("access-key-created", SEED_PATTERN, arn)

    iam = iam_as(cloud, alice)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.create_access_key(UserName="nobody")

    [body] = kit.drain(url, expect=1)
    record = json.loads(body)["detail"]
    assert record["errorCode"] == "NoSuchEntityException"
    assert "nobody" in record["errorMessage"]
    assert record["responseElements"] is None
    assert record["requestParameters"] == {"userName": "nobody"}


def test_other_write_calls_are_emitted_and_reads_are_not(cloud, kit, alice):
    url, arn = kit.queue("all-iam")
    kit.rule("all-iam", {"source": ["aws.iam"]}, arn)
    iam = iam_as(cloud, alice)

    iam.list_users()
    iam.get_user(UserName="bob")
    iam.update_access_key(UserName="alice", AccessKeyId=alice["AccessKeyId"], Status="Active")
    iam.create_user(UserName="carol")
    iam.delete_user(UserName="carol")
    iam.delete_access_key(UserName="alice", AccessKeyId=alice["AccessKeyId"])

    bodies = kit.drain(url, expect=4)
    names = sorted(json.loads(b)["detail"]["eventName"] for b in bodies)
    assert names == ["CreateUser", "DeleteAccessKey", "DeleteUser", "UpdateAccessKey"]
    for body in bodies:
        record = json.loads(body)["detail"]
        # The caller is resolved before the call: deleting one's own key still names alice.
        assert record["userIdentity"]["arn"].endswith(":user/alice")
        if record["eventName"] != "CreateUser":
            assert record["responseElements"] is None


def test_only_the_emitter_may_use_the_aws_iam_source(kit):
    reply = kit.events.put_events(
        Entries=[{"Source": "aws.iam", "DetailType": "AWS API Call via CloudTrail", "Detail": "{}"}]
    )
    assert reply["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"


def test_strict_mode_emits_only_while_a_trail_records_iam_writes():
    from simulator.local import LocalCloud

    with LocalCloud(require_trail=True) as strict:
        strict.reset()
        sqs, events, iam = strict.client("sqs"), strict.client("events"), strict.client("iam")
        url = sqs.create_queue(QueueName="strict")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(queue_policy(arn))})
        events.put_rule(Name="all-iam", EventPattern=json.dumps({"source": ["aws.iam"]}))
        events.put_targets(Rule="all-iam", Targets=[{"Id": "q", "Arn": arn}])

        iam.create_user(UserName="before-trail")  # no trail: nothing reaches EventBridge
        strict.client("s3").create_bucket(Bucket="trail-bucket")
        trail = strict.client("cloudtrail")
        trail.create_trail(Name="iam-trail", S3BucketName="trail-bucket", IsMultiRegionTrail=True)
        iam.create_user(UserName="trail-not-logging")
        trail.start_logging(Name="iam-trail")
        iam.create_user(UserName="logged")
        assert strict.wait_delivered(10)

        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        users = [
            json.loads(m["Body"])["detail"]["requestParameters"]["userName"]
            for m in reply.get("Messages", [])
        ]
        assert users == ["logged"]
        strict.check()
