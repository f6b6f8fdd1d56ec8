"""The whole pipeline offline: IAM CreateAccessKey -> CloudTrail -> EventBridge -> SNS ->
Chatbot -> Slack, each hop through its real API on the local cloud."""

from __future__ import annotations

import json
import time

import boto3
import pytest

SEED_PATTERN = {
    "source": ["aws.iam"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["iam.amazonaws.com"], "eventName": ["CreateAccessKey"]},
}


def test_create_access_key_alert_reaches_slack(cloud, kit):
    if cloud.slack is None or cloud.chatbot is None:
        pytest.fail("the local Slack or Chatbot emulator is missing from this build")
    from slack_sdk import WebClient

    iam = cloud.client("iam")
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    topic = kit.topic("iam-alerts")
    kit.rule("access-key-created", SEED_PATTERN, topic)
    channel = cloud.slack.channel_id("general")
    cloud.client("chatbot", region="us-east-2").create_slack_channel_configuration(
        ConfigurationName="iam-alerts",
        SlackTeamId=cloud.slack.team_id,
        SlackChannelId=channel,
        IamRoleArn="arn:aws:iam::123456789012:role/chatbot",
        SnsTopicArns=[topic],
    )
    assert cloud.wait_delivered(10)

    alice = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    ).client("iam", endpoint_url=cloud.endpoint_url)
    new_key = alice.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]

    assert cloud.wait_delivered(30)
    slack = WebClient(token=cloud.slack.DEFAULT_BOT_TOKEN, base_url=cloud.slack_base_url)
    slack.conversations_join(channel=channel)  # a bot reads only channels it is in
    deadline, messages = time.monotonic() + 10, []
    while not messages and time.monotonic() < deadline:
        messages = slack.conversations_history(channel=channel)["messages"]
        time.sleep(0.1)
    assert len(messages) == 1
    text = json.dumps(messages[0])
    assert "CreateAccessKey" in text or new_key in text or "alice" in text
    assert messages[0].get("bot_id")
