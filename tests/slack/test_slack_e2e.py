"""The whole path on LocalCloud: iam:CreateAccessKey -> CloudTrail -> EventBridge -> SNS ->
Chatbot -> Slack, confirmed the way a live run confirms it (slack_sdk polling for a marker)."""

from __future__ import annotations

import json
import time
from typing import Any

from slack_sdk import WebClient

from simulator.local.slack import SlackEmulator
from simulator.patterns import SEED_PATTERN
from simulator.slack.confirm import confirm_delivery
from simulator.slack.notifications import chatbot_input_transformer


def build_alert(cloud: Any, target_extra: dict[str, Any] | None = None) -> str:
    """Trail, rule, topic, Chatbot configuration and channel; returns the channel ID."""
    cloud.client("s3").create_bucket(Bucket="trailsim-trail")
    trails = cloud.client("cloudtrail")
    trails.create_trail(Name="main", S3BucketName="trailsim-trail", IsMultiRegionTrail=True)
    trails.start_logging(Name="main")
    topic = cloud.client("sns").create_topic(Name="key-alerts")["TopicArn"]
    events = cloud.client("events")
    rule = events.put_rule(Name="new-access-key", EventPattern=json.dumps(SEED_PATTERN))["RuleArn"]
    allow_eventbridge(cloud, topic, rule)
    target = {"Id": "chatbot-topic", "Arn": topic, **(target_extra or {})}
    events.put_targets(Rule="new-access-key", Targets=[target])
    channel = cloud.slack.create_channel("security-alerts", "trailsim")
    cloud.client("chatbot").create_slack_channel_configuration(
        SlackTeamId=cloud.slack.team_id,
        SlackChannelId=channel,
        IamRoleArn="arn:aws:iam::123456789012:role/chatbot",
        ConfigurationName="key-alerts",
        SnsTopicArns=[topic],
    )
    return str(channel)


def allow_eventbridge(cloud: Any, topic: str, rule_arn: str) -> None:
    """The topic policy EventBridge needs: SNS's default policy does not let it publish
    (delivery-path.md §2 item 7)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    cloud.client("sns").set_topic_attributes(
        TopicArn=topic, AttributeName="Policy", AttributeValue=policy
    )


def create_key(cloud: Any, user: str) -> str:
    iam = cloud.client("iam")
    iam.create_user(UserName=user)
    return str(iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"])


def confirm(cloud: Any, channel: str, marker: str, oldest: float, deadline_s: float = 10) -> Any:
    client = WebClient(token=SlackEmulator.DEFAULT_BOT_TOKEN, base_url=cloud.slack_base_url)
    return confirm_delivery(
        client, channel, marker, oldest=oldest, deadline_s=deadline_s, poll_interval_s=0.1
    )


def test_new_access_key_reaches_slack(local_cloud: Any) -> None:
    channel = build_alert(local_cloud)
    oldest = time.time() - 1
    key_id = create_key(local_cloud, "e2e-bob")
    result = confirm(local_cloud, channel, key_id, oldest)
    assert result.delivered, result.describe()
    assert result.message["bot_profile"]["name"] == "aws"
    assert "e2e-bob" in result.message["text"] and "iam:CreateAccessKey" in result.message["text"]
    counters = local_cloud.chatbot.counters("key-alerts")
    assert (counters.received, counters.delivered, counters.unsupported) == (1, 1, 0)


def test_transformer_custom_notification_reaches_slack(local_cloud: Any) -> None:
    transformer = chatbot_input_transformer("Asia/Tokyo")
    channel = build_alert(local_cloud, {"InputTransformer": transformer})
    oldest = time.time() - 1
    key_id = create_key(local_cloud, "e2e-carol")
    result = confirm(local_cloud, channel, key_id, oldest)
    assert result.delivered, result.describe()
    assert "CreateAccessKey in account 123456789012" in result.message["text"]
    assert "*For user*: e2e-carol" in result.message["text"]
    assert "UTC+09:00 all year" in result.message["text"]


def test_transformer_output_chatbot_cannot_read_is_counted_not_posted(local_cloud: Any) -> None:
    # A common mistake (delivery-path.md §2 item 15): "version" "1" instead of "1.0".
    template = '{"version":"1","source":"custom","content":{"description":"key <keyId>"}}'
    paths = {"keyId": "$.detail.responseElements.accessKey.accessKeyId"}
    transformer = {"InputPathsMap": paths, "InputTemplate": template}
    channel = build_alert(local_cloud, {"InputTransformer": transformer})
    oldest = time.time() - 1
    key_id = create_key(local_cloud, "e2e-dave")
    assert local_cloud.wait_delivered(10)
    result = confirm(local_cloud, channel, key_id, oldest, deadline_s=0.3)
    assert not result.delivered
    counters = local_cloud.chatbot.counters("key-alerts")
    assert (counters.received, counters.unsupported) == (1, 1)
    assert "$.version" in counters.last_unsupported_reason
