"""Fixtures for the local cloud's tests: one server for the session, reset before each test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.aws.stack import queue_policy
from simulator.local import LocalCloud


@pytest.fixture(scope="session")
def cloud_server() -> Iterator[LocalCloud]:
    with LocalCloud() as cloud:
        yield cloud


@pytest.fixture
def cloud(cloud_server: LocalCloud) -> Iterator[LocalCloud]:
    cloud_server.reset()
    yield cloud_server
    cloud_server.check()  # an emulator bug must not hide behind a 500


def make_queue(cloud: LocalCloud, name: str, *, policy: bool = True) -> tuple[str, str]:
    """(QueueUrl, QueueArn) of a new SQS queue; with `policy`, one EventBridge and SNS may
    send to."""
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    if policy:
        allowed = queue_policy(arn, ("events.amazonaws.com", "sns.amazonaws.com"))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(allowed)})
    return url, arn


def events_may_publish(topic_arn: str) -> str:
    """The topic policy statement the console adds for EventBridge (PutTargets does not)."""
    statement = {
        "Sid": "AllowEventBridge",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_topic(cloud: LocalCloud, name: str, *, policy: bool = True) -> str:
    """A topic; with `policy`, one whose access policy lets EventBridge publish."""
    sns = cloud.client("sns")
    topic = str(sns.create_topic(Name=name)["TopicArn"])
    if policy:
        sns.set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=events_may_publish(topic)
        )
    return topic


def topic_to_queue(cloud: LocalCloud, name: str, *, policy: bool = True) -> tuple[str, str]:
    """(TopicArn, QueueUrl): an SNS topic with an SQS subscription, raw delivery off."""
    url, arn = make_queue(cloud, f"{name}-q")
    sns = cloud.client("sns")
    topic = make_topic(cloud, name, policy=policy)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url


def drain(
    cloud: LocalCloud, url: str, *, expect: int | None = None, wait: float = 5.0
) -> list[str]:
    """Every message body on the queue, after the dispatcher has delivered what it had."""
    assert cloud.wait_delivered(30)
    sqs = cloud.client("sqs")
    bodies: list[str] = []
    deadline = time.monotonic() + wait
    while True:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = reply.get("Messages", [])
        bodies += [m["Body"] for m in messages]
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if expect is not None and len(bodies) >= expect:
            return bodies
        if not messages and (expect is None or time.monotonic() > deadline):
            return bodies
        if not messages:
            time.sleep(0.05)


def entry(source: str = "my.app", detail: Any = None, **extra: Any) -> dict[str, Any]:
    """A PutEvents entry."""
    return {
        "Source": source,
        "DetailType": extra.pop("DetailType", "Order Placed"),
        "Detail": json.dumps(detail if detail is not None else {"order": 1}),
        **extra,
    }


class Kit:
    """The helpers above, bound to one cloud (tests get it as the `kit` fixture)."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.events = cloud.client("events")
        self.sqs = cloud.client("sqs")
        self.sns = cloud.client("sns")

    def queue(self, name: str, *, policy: bool = True) -> tuple[str, str]:
        return make_queue(self.cloud, name, policy=policy)

    def topic_to_queue(self, name: str, *, policy: bool = True) -> tuple[str, str]:
        return topic_to_queue(self.cloud, name, policy=policy)

    def topic(self, name: str, *, policy: bool = True) -> str:
        return make_topic(self.cloud, name, policy=policy)

    def drain(self, url: str, *, expect: int | None = None, wait: float = 5.0) -> list[str]:
        return drain(self.cloud, url, expect=expect, wait=wait)

    entry = staticmethod(entry)

    def rule(self, name: str, pattern: Any, target_arn: str, **target: Any) -> None:
        text = pattern if isinstance(pattern, str) else json.dumps(pattern)
        self.events.put_rule(Name=name, EventPattern=text, **target.pop("rule", {}))
        self.events.put_targets(Rule=name, Targets=[{"Id": "t1", "Arn": target_arn, **target}])


@pytest.fixture
def kit(cloud: LocalCloud) -> Kit:
    return Kit(cloud)
