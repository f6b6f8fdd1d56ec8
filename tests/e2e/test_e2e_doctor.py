"""The doctor names each broken setup (delivery-path.md §2), offline through the wire."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from simulator.aws.doctor import DoctorTarget, run_doctor
from simulator.aws.stack import SlackTarget, Stack, deploy_stack, new_run_id, teardown_stack


@pytest.fixture
def stack(env: Any) -> Iterator[Stack]:
    from simulator.patterns import SEED_PATTERN

    team = str(env.slack.auth_test()["team_id"])
    deployed = deploy_stack(
        env.cloud, run_id=new_run_id(), pattern=SEED_PATTERN, slack=SlackTarget(team, env.channel)
    )
    yield deployed
    teardown_stack(env.cloud, deployed, strict=False)


def doctor(env: Any, stack: Stack, **target: Any) -> dict[str, str]:
    """{check: status} (the worst status when a check reports more than once)."""
    wanted = DoctorTarget(**({"rule": stack.rule_arn, "channel": env.channel} | target))
    report = run_doctor(env.cloud, env.slack, wanted, local=env.local)
    statuses: dict[str, str] = {}
    rank = {"ok": 0, "warn": 1, "fail": 2}
    for finding in report.findings:
        old = statuses.get(finding.check, "ok")
        statuses[finding.check] = max(old, finding.status, key=rank.__getitem__)
    assert report.failed == ("fail" in statuses.values())
    return statuses


def test_healthy_pipeline_has_no_failure(env: Any, stack: Stack) -> None:
    statuses = doctor(env, stack)

    assert "fail" not in statuses.values(), statuses
    for check in (
        "rule-region",
        "rule-bus",
        "rule-state",
        "pattern-matches",
        "cloudtrail-trail",
        "rule-target",
        "topic-policy",
        "topic-encryption",
        "chatbot-subscription",
        "chatbot-configuration",
        "slack-workspace",
        "slack-channel",
    ):
        assert statuses.get(check) == "ok", (check, statuses)
    assert statuses["dead-letter-queue"] == "warn"  # the seed pipeline has no DLQ


def test_rule_found_without_naming_it(env: Any, stack: Stack) -> None:
    report = run_doctor(env.cloud, env.slack, DoctorTarget(channel=env.channel), local=env.local)

    rule = next(f for f in report.findings if f.check == "rule")
    assert rule.status == "ok" and stack.rule_name in rule.summary


def _policy(stack: Stack, principal: dict[str, Any]) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sns:Publish",
        "Resource": stack.topic_arn,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _disable(env: Any, stack: Stack) -> None:
    env.cloud.client("events").disable_rule(Name=stack.rule_name)


def _typo(env: Any, stack: Stack) -> None:
    pattern = {"source": ["aws.iam"], "detail": {"eventName": ["CreateAccesskey"]}}
    env.cloud.client("events").put_rule(Name=stack.rule_name, EventPattern=json.dumps(pattern))


def _no_trail(env: Any, stack: Stack) -> None:
    env.cloud.client("cloudtrail").stop_logging(Name="management-events")


def _no_target(env: Any, stack: Stack) -> None:
    env.cloud.client("events").remove_targets(Rule=stack.rule_name, Ids=["trailsim-sns"])


def _topic_policy(env: Any, stack: Stack) -> None:
    policy = _policy(stack, {"AWS": "arn:aws:iam::123456789012:root"})
    env.cloud.client("sns").set_topic_attributes(
        TopicArn=stack.topic_arn, AttributeName="Policy", AttributeValue=policy
    )


def _managed_key(env: Any, stack: Stack) -> None:
    env.cloud.client("sns").set_topic_attributes(
        TopicArn=stack.topic_arn, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns"
    )


def _cmk_without_events(env: Any, stack: Stack) -> None:
    key = env.cloud.client("kms").create_key(Description="trailsim test key")["KeyMetadata"]
    env.cloud.client("sns").set_topic_attributes(
        TopicArn=stack.topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=key["KeyId"]
    )


def _chatbot_subscription(env: Any, stack: Stack) -> dict[str, Any]:
    sns = env.cloud.client("sns")
    subs = sns.list_subscriptions_by_topic(TopicArn=stack.topic_arn)["Subscriptions"]
    return next(s for s in subs if "/_chatbot/" in s["Endpoint"])


def _raw_delivery(env: Any, stack: Stack) -> None:
    arn = _chatbot_subscription(env, stack)["SubscriptionArn"]
    env.cloud.client("sns").set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue="true"
    )


def _filter_policy(env: Any, stack: Stack) -> None:
    arn = _chatbot_subscription(env, stack)["SubscriptionArn"]
    env.cloud.client("sns").set_subscription_attributes(
        SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue='{"severity": ["high"]}'
    )


def _topic_not_in_configuration(env: Any, stack: Stack) -> None:
    env.cloud.client("chatbot", "us-east-2").update_slack_channel_configuration(
        ChatConfigurationArn=stack.configuration_arn, SlackChannelId=env.channel, SnsTopicArns=[]
    )


def _archived(env: Any, stack: Stack) -> None:
    env.local.slack.archive_channel(env.channel)


BROKEN: dict[str, tuple[Callable[[Any, Stack], Any], str]] = {
    "rule-disabled": (_disable, "rule-state"),
    "pattern-typo": (_typo, "pattern-matches"),
    "trail-not-logging": (_no_trail, "cloudtrail-trail"),
    "no-target": (_no_target, "rule-target"),
    "topic-policy-without-eventbridge": (_topic_policy, "topic-policy"),
    "aws-managed-key": (_managed_key, "topic-encryption"),
    "key-policy-without-eventbridge": (_cmk_without_events, "topic-encryption"),
    "raw-delivery": (_raw_delivery, "raw-delivery"),
    "filter-policy": (_filter_policy, "filter-policy"),
    "topic-not-in-configuration": (_topic_not_in_configuration, "chatbot-configuration"),
    "channel-archived": (_archived, "slack-channel"),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_doctor_names_the_broken_setup(env: Any, stack: Stack, case: str) -> None:
    breaker, check = BROKEN[case]
    breaker(env, stack)

    statuses = doctor(env, stack)

    assert statuses.get(check) == "fail", statuses


def test_rule_on_a_custom_bus(env: Any, stack: Stack) -> None:
    events = env.cloud.client("events")
    events.create_event_bus(Name="alerts")
    events.put_rule(
        Name="on-custom-bus",
        EventBusName="alerts",
        EventPattern=json.dumps({"source": ["aws.iam"]}),
    )
    arn = events.describe_rule(Name="on-custom-bus", EventBusName="alerts")["Arn"]
    try:
        assert doctor(env, stack, rule=arn).get("rule-bus") == "fail"
    finally:
        events.delete_rule(Name="on-custom-bus", EventBusName="alerts")
        events.delete_event_bus(Name="alerts")


def test_rule_outside_us_east_1_is_found_and_named(env: Any, stack: Stack) -> None:
    events = env.cloud.client("events", "eu-west-1")
    events.put_rule(Name="iam-keys-eu", EventPattern=json.dumps({"source": ["aws.iam"]}))
    try:
        statuses = doctor(env, stack, rule="iam-keys-eu")
    finally:
        events.delete_rule(Name="iam-keys-eu")

    assert statuses.get("rule") == "ok" and statuses.get("rule-region") == "fail", statuses
