"""An SQS tap that makes the invisible hops observable, on AWS and offline alike.

Two temporary listeners feed one tagged queue: a rule matching only this run's event (so its
arrival on the default bus is seen even when the production pattern is wrong) and an SQS
subscription to the topic (so SNS's publish is seen).  Each message's ``SentTimestamp`` is the
moment SQS received it: an upper bound for the hop, and what the report shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from simulator.aws.stack import (
    NAME_PREFIX,
    Cloud,
    Stack,
    aws_call,
    delete_rule,
    rule_description,
    run_tags,
)
from simulator.aws.triggers import Cleanup
from simulator.errors import AwsError

_TOPIC_MISSING = ("NotFound", "NotFoundException")


@dataclass(frozen=True)
class Tap:
    queue_url: str
    queue_arn: str
    rule_name: str | None
    subscription_arn: str | None
    region: str


@dataclass(frozen=True)
class TapSighting:
    """One observation: the hop ("eventbridge" or "sns"), when SQS got it, and the body."""

    hop: str
    at: float
    body: Mapping[str, Any]
    marked: bool = True  # False: an SNS notification without the run's marker


def open_tap(
    cloud: Cloud,
    stack: Stack,
    *,
    run_id: str,
    bus_pattern: Mapping[str, Any] | None,
    cleanup: Cleanup,
) -> Tap:
    """Create the queue, the bus rule (if the trigger goes through the bus) and the SNS listener."""
    region = stack.region
    sqs = cloud.client("sqs", region)
    name = f"{NAME_PREFIX}{run_id}-tap"
    cleanup.push(f"queue {name}", lambda: _delete_queue_named(cloud, region, name))
    url, arn = _create_queue(sqs, name, run_id)
    rule_arn = None
    if bus_pattern is not None:
        rule_arn = _tap_rule(cloud, stack, name, arn, bus_pattern, run_id, cleanup)
    sources = [s for s in (rule_arn, stack.topic_arn or None) if s]
    aws_call(
        "sqs:SetQueueAttributes",
        sqs.set_queue_attributes,
        QueueUrl=url,
        Attributes={"Policy": json.dumps(_queue_policy(arn, sources))},
    )
    sub_arn = _subscribe(cloud, stack, arn, cleanup) if stack.topic_arn else None
    return Tap(url, arn, name if rule_arn else None, sub_arn, region)


def _create_queue(sqs: Any, name: str, run_id: str) -> tuple[str, str]:
    """The tagged queue's URL and ARN."""
    tags = {"trailsim:run": run_id}
    reply = aws_call("sqs:CreateQueue", sqs.create_queue, QueueName=name, tags=tags)
    url = str(reply["QueueUrl"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, str(attrs["QueueArn"])


def _tap_rule(
    cloud: Cloud,
    stack: Stack,
    name: str,
    queue_arn: str,
    pattern: Mapping[str, Any],
    run_id: str,
    cleanup: Cleanup,
) -> str:
    events = cloud.client("events", stack.region)
    cleanup.push(f"rule {name}", lambda: delete_rule(cloud, name, stack.region))
    reply = aws_call(
        "events:PutRule",
        events.put_rule,
        Name=name,
        EventPattern=json.dumps(pattern),
        State="ENABLED",
        Description=rule_description(run_id, "tap: sees this run's event on the bus"),
        Tags=run_tags(run_id),
    )
    target = {"Id": "trailsim-tap", "Arn": queue_arn}
    aws_call("events:PutTargets", events.put_targets, Rule=name, Targets=[target])
    return str(reply["RuleArn"])


def _subscribe(cloud: Cloud, stack: Stack, queue_arn: str, cleanup: Cleanup) -> str | None:
    """Subscribe the queue to the topic; None when the topic does not exist (a dangling target
    is the doctor's finding, not a reason to stop the run)."""
    sns = cloud.client("sns", stack.topic_arn.split(":")[3])
    # Registered before subscribing, and by endpoint: no window in which it could be forgotten.
    cleanup.push(
        f"subscription of {queue_arn}", lambda: _unsubscribe_queue(sns, stack.topic_arn, queue_arn)
    )
    try:
        reply = aws_call(
            "sns:Subscribe",
            sns.subscribe,
            TopicArn=stack.topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            ReturnSubscriptionArn=True,
        )
    except AwsError as err:
        if err.code in _TOPIC_MISSING:
            return None
        raise
    return str(reply["SubscriptionArn"])


def _unsubscribe_queue(sns: Any, topic_arn: str, queue_arn: str) -> None:
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
    try:
        subscriptions = [s for page in pages for s in page["Subscriptions"]]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in _TOPIC_MISSING:
            return  # no topic, no subscription
        raise
    for sub in subscriptions:
        if sub.get("Endpoint") == queue_arn and sub["SubscriptionArn"].startswith("arn:"):
            arn = sub["SubscriptionArn"]
            aws_call("sns:Unsubscribe", sns.unsubscribe, SubscriptionArn=arn)


def _delete_queue_named(cloud: Cloud, region: str, name: str) -> None:
    sqs = cloud.client("sqs", region)
    for url in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []):
        if url.rsplit("/", 1)[-1] == name:
            aws_call("sqs:DeleteQueue", sqs.delete_queue, QueueUrl=url)


def _queue_policy(queue_arn: str, source_arns: Sequence[str]) -> dict[str, Any]:
    """EventBridge and SNS may send to the queue, only from this run's rule and topic."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrailsimTap",
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sns.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": list(source_arns)}},
            }
        ],
    }


def read_tap(
    cloud: Cloud, tap: Tap, markers: Sequence[str], *, wait_s: int = 0
) -> list[TapSighting]:
    """Drain the queue; keep the messages that carry one of `markers`."""
    sqs = cloud.client("sqs", tap.region)
    sightings: list[TapSighting] = []
    for _ in range(10):  # at most 100 messages: a tap sees one run's traffic
        reply = sqs.receive_message(
            QueueUrl=tap.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_s,
            AttributeNames=["SentTimestamp"],
        )
        messages = reply.get("Messages", [])
        if not messages:
            break
        for message in messages:
            sighting = _sighting(message, markers)
            if sighting is not None:
                sightings.append(sighting)
        wait_s = 0
    return sightings


def _sighting(message: Mapping[str, Any], markers: Sequence[str]) -> TapSighting | None:
    text = str(message.get("Body", ""))
    marked = any(marker in text for marker in markers)
    try:
        body = json.loads(text)
    except ValueError:
        body = {"raw": text}
    if not isinstance(body, dict):
        body = {"raw": text}
    hop = "sns" if body.get("Type") == "Notification" and "TopicArn" in body else "eventbridge"
    if not marked and hop != "sns":
        return None
    sent = int(message.get("Attributes", {}).get("SentTimestamp", "0")) / 1000.0
    return TapSighting(hop=hop, at=sent, body=body, marked=marked)
