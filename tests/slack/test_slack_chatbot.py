"""The local Chatbot: its control plane through boto3, and SNS -> Chatbot -> Slack delivery."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from simulator.events import create_access_key_event
from simulator.slack.notifications import chatbot_input_transformer

ROLE = "arn:aws:iam::123456789012:role/chatbot"


# ---- control plane -------------------------------------------------------------------------
def test_create_describe_and_subscribe(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts], LoggingLevel="ERROR")
    assert config["ChatConfigurationArn"] == (
        "arn:aws:chatbot::123456789012:chat-configuration/slack-channel/keys"
    )
    assert (config["SlackChannelName"], config["SlackTeamName"]) == ("alerts", "trailsim-local")
    assert (config["State"], config["LoggingLevel"], config["SnsTopicArns"]) == (
        "ENABLED",
        "ERROR",
        [alerts],
    )
    described = mini_cloud.client("chatbot").describe_slack_channel_configurations()
    assert described["SlackChannelConfigurations"] == [config]
    (subscription,) = mini_cloud.subscriptions(alerts)
    assert subscription["Protocol"] == "http"
    assert "/_chatbot/sns/" in subscription["Endpoint"]


def test_describe_pages_and_filters(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    arns = [mini_cloud.configure(f"c{i}", channel)["ChatConfigurationArn"] for i in range(3)]
    client = mini_cloud.client("chatbot")
    first = client.describe_slack_channel_configurations(MaxResults=2)
    rest = client.describe_slack_channel_configurations(MaxResults=2, NextToken=first["NextToken"])
    names = [
        c["ConfigurationName"]
        for c in first["SlackChannelConfigurations"] + rest["SlackChannelConfigurations"]
    ]
    assert names == ["c0", "c1", "c2"] and "NextToken" not in rest
    only = client.describe_slack_channel_configurations(ChatConfigurationArn=arns[1])
    assert [c["ConfigurationName"] for c in only["SlackChannelConfigurations"]] == ["c1"]


def test_update_moves_subscriptions(mini_cloud: Any) -> None:
    old, new = mini_cloud.topic("old"), mini_cloud.topic("new")
    config = mini_cloud.configure(SnsTopicArns=[old])
    updated = mini_cloud.client("chatbot").update_slack_channel_configuration(
        ChatConfigurationArn=config["ChatConfigurationArn"],
        SlackChannelId=config["SlackChannelId"],
        SnsTopicArns=[new],
        LoggingLevel="INFO",
    )["ChannelConfiguration"]
    assert (updated["SnsTopicArns"], updated["LoggingLevel"]) == ([new], "INFO")
    assert mini_cloud.subscriptions(old) == [] and len(mini_cloud.subscriptions(new)) == 1


def test_delete_unsubscribes(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    client = mini_cloud.client("chatbot")
    client.delete_slack_channel_configuration(ChatConfigurationArn=config["ChatConfigurationArn"])
    assert mini_cloud.subscriptions(alerts) == []
    assert client.describe_slack_channel_configurations()["SlackChannelConfigurations"] == []


def test_describe_workspaces(mini_cloud: Any) -> None:
    workspaces = mini_cloud.client("chatbot").describe_slack_workspaces()["SlackWorkspaces"]
    assert workspaces == [
        {"SlackTeamId": "T0TRAILSIM", "SlackTeamName": "trailsim-local", "State": "ENABLED"}
    ]


def test_errors_are_modelled_exceptions(mini_cloud: Any) -> None:
    client = mini_cloud.client("chatbot")
    mini_cloud.configure()
    with pytest.raises(client.exceptions.ConflictException):
        mini_cloud.configure(channel="C000000001")
    missing = "arn:aws:chatbot::123456789012:chat-configuration/slack-channel/nope"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_slack_channel_configuration(ChatConfigurationArn=missing)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_slack_channel_configuration(ChatConfigurationArn=missing, SlackChannelId="C1")


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"SlackTeamId": "T0OTHER"}, "not authorized"),
        ({"SlackChannelId": "C-1"}, "SlackChannelId"),
        ({"ConfigurationName": "has space"}, "ConfigurationName"),
        ({"LoggingLevel": "DEBUG"}, "LoggingLevel"),
        ({"SnsTopicArns": ["arn:aws:sns:us-east-1:123456789012:missing"]}, "missing"),
    ],
    ids=["team", "channel", "name", "logging", "topic"],
)
def test_invalid_parameters(mini_cloud: Any, override: dict[str, Any], needle: str) -> None:
    client = mini_cloud.client("chatbot")
    params = {"SlackTeamId": "T0TRAILSIM", "SlackChannelId": "C000000001", "IamRoleArn": ROLE}
    params |= {"ConfigurationName": "keys", **override}
    with pytest.raises(client.exceptions.InvalidParameterException, match=needle):
        client.create_slack_channel_configuration(**params)
    assert client.describe_slack_channel_configurations()["SlackChannelConfigurations"] == []


# ---- delivery ------------------------------------------------------------------------------
def test_cloudtrail_event_is_posted_by_the_aws_bot(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    event = create_access_key_event("iam-user-cli", seed=3)
    mini_cloud.publish(alerts, event)
    (message,) = mini_cloud.slack.messages(config["SlackChannelId"])
    assert (message["user"], message["bot_profile"]["name"]) == ("U0AWSBOT01", "aws")
    key_id = event["detail"]["responseElements"]["accessKey"]["accessKeyId"]
    assert key_id in message["text"] and message["blocks"][0]["type"] == "header"
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.received, counters.delivered, counters.unsupported) == (1, 1, 0)
    (delivery,) = mini_cloud.chatbot.deliveries("keys")
    assert delivery.outcome == "delivered" and delivery.slack_ts == message["ts"]
    assert delivery.posted_at is not None and delivery.posted_at >= delivery.received_at


def test_custom_notification_is_rendered_and_threaded(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    note = {
        "version": "1.0",
        "source": "custom",
        "content": {"title": "Key made", "description": "for *bob*", "nextSteps": ["rotate"]},
        "metadata": {"threadId": "keys-1"},
    }
    mini_cloud.publish(alerts, note)
    mini_cloud.publish(alerts, note)
    first, second = mini_cloud.slack.messages(config["SlackChannelId"])
    assert first["text"] == "Key made\nfor *bob*\nrotate"
    assert second["thread_ts"] == first["thread_ts"] == first["ts"] and first["reply_count"] == 1


UNSUPPORTED = {
    "plain-text": ("an access key was created", "not JSON"),
    "json-array": ([1, 2], "not an object"),
    "custom-version-1": (
        {"version": "1", "source": "custom", "content": {"description": "d"}},
        "$.version",
    ),
    "custom-no-description": ({"version": "1.0", "source": "custom", "content": {}}, "description"),
    "custom-source-event": (
        create_access_key_event() | {"source": "my.app"},
        "non-AWS source 'my.app'",
    ),
    "partial-envelope": ({"detail-type": "x", "detail": {}}, "missing"),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED), ids=list(UNSUPPORTED))
def test_unsupported_messages_are_dropped_and_counted(mini_cloud: Any, case: str) -> None:
    message, reason = UNSUPPORTED[case]
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    mini_cloud.publish(alerts, message)
    assert mini_cloud.slack.messages(config["SlackChannelId"]) == []
    counters = mini_cloud.chatbot.counters(config["ChatConfigurationArn"])
    assert (counters.received, counters.unsupported, counters.delivered) == (1, 1, 0)
    assert reason in counters.last_unsupported_reason


def test_raw_message_delivery_drops_everything(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    (subscription,) = mini_cloud.subscriptions(alerts)
    mini_cloud.client("sns").set_subscription_attributes(
        SubscriptionArn=subscription["SubscriptionArn"],
        AttributeName="RawMessageDelivery",
        AttributeValue="true",
    )
    mini_cloud.publish(alerts, create_access_key_event())
    assert mini_cloud.slack.messages(config["SlackChannelId"]) == []
    assert "raw message delivery" in mini_cloud.chatbot.counters("keys").last_unsupported_reason


def test_raw_body_without_envelope_is_unsupported(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    mini_cloud.configure(SnsTopicArns=[alerts])
    endpoint = mini_cloud.subscriptions(alerts)[0]["Endpoint"]
    headers = {"x-amz-sns-rawdelivery": "true", "Content-Type": "text/plain; charset=UTF-8"}
    body = json.dumps(create_access_key_event())
    assert requests.post(endpoint, data=body, headers=headers, timeout=5).status_code == 200
    assert mini_cloud.chatbot.counters("keys").unsupported == 1


def test_transformer_output_is_a_valid_custom_notification(mini_cloud: Any) -> None:
    transformer = chatbot_input_transformer("Asia/Tokyo")
    rendered = transformer["InputTemplate"].replace("<target>", "bob").replace("<event>", "NewKey")
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    mini_cloud.publish(alerts, rendered)
    (message,) = mini_cloud.slack.messages(config["SlackChannelId"])
    assert "NewKey in account" in message["text"] and "*For user*: bob" in message["text"]
    assert "UTC+09:00" in message["text"]


@pytest.mark.parametrize("setup", ["archived", "private-without-aws", "app-removed"])
def test_slack_refusal_counts_as_delivery_failure(mini_cloud: Any, setup: str) -> None:
    if setup == "archived":
        channel = mini_cloud.slack.create_channel("old", "trailsim")
        mini_cloud.slack.archive_channel(channel)
        expected = "is_archived"
    elif setup == "app-removed":
        channel = mini_cloud.slack.create_channel("alerts", "trailsim")
        mini_cloud.slack.revoke_token("aws")
        expected = "token_revoked"
    else:
        channel = mini_cloud.slack.create_channel("private", "trailsim", is_private=True)
        expected = "channel_not_found"
    alerts = mini_cloud.topic()
    mini_cloud.configure(channel=channel, SnsTopicArns=[alerts])
    mini_cloud.publish(alerts, create_access_key_event())
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.received, counters.failed, counters.delivered) == (1, 1, 0)
    assert expected in counters.last_failure_reason


def test_subscription_confirmation_is_confirmed(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    mini_cloud.configure(SnsTopicArns=[alerts])
    endpoint = mini_cloud.subscriptions(alerts)[0]["Endpoint"]
    body = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "m-1",
        "Token": "token-1",
        "TopicArn": alerts,
        "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
    }
    assert requests.post(endpoint, data=json.dumps(body), timeout=5).status_code == 200
    assert mini_cloud.chatbot.counters("keys").received == 0


def test_unknown_configuration_endpoint_is_404(mini_cloud: Any) -> None:
    reply = requests.post(mini_cloud.endpoint_url + "/_chatbot/sns/nope", data="{}", timeout=5)
    assert reply.status_code == 404


# ---- what the doctor reads: AWS/Chatbot metrics and the /aws/chatbot log group --------------
def test_metrics_count_every_outcome(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    mini_cloud.configure(SnsTopicArns=[alerts])
    mini_cloud.publish(alerts, create_access_key_event())
    mini_cloud.publish(alerts, "plain text")
    counts = {
        m: mini_cloud.metric_sum(m)
        for m in ("EventsProcessed", "MessageDeliverySuccess", "UnsupportedEvents")
    }
    assert counts == {"EventsProcessed": 2, "MessageDeliverySuccess": 1, "UnsupportedEvents": 1}
    assert mini_cloud.metric_sum("MessageDeliveryFailure") == 0


@pytest.mark.parametrize(("level", "lines"), [("NONE", 0), ("ERROR", 1), ("INFO", 2)])
def test_logging_level_decides_what_is_logged(mini_cloud: Any, level: str, lines: int) -> None:
    alerts = mini_cloud.topic()
    mini_cloud.configure(SnsTopicArns=[alerts], LoggingLevel=level)
    mini_cloud.publish(alerts, create_access_key_event())
    mini_cloud.publish(alerts, "plain text")
    logs = mini_cloud.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/chatbot/")["logGroups"]
    if lines == 0:
        assert groups == []
        return
    events = logs.filter_log_events(logGroupName="/aws/chatbot/keys")["events"]
    records = [json.loads(e["message"]) for e in events]
    assert len(records) == lines
    assert any(r["level"] == "ERROR" and "not JSON" in r["reason"] for r in records)


def test_configurations_are_per_account(mini_cloud: Any) -> None:
    mini_cloud.configure()
    original = mini_cloud.chatbot.account_for
    mini_cloud.chatbot.account_for = lambda key: "210987654321"
    try:
        client = mini_cloud.client("chatbot")
        assert client.describe_slack_channel_configurations()["SlackChannelConfigurations"] == []
    finally:
        mini_cloud.chatbot.account_for = original


def test_slack_rate_limit_is_waited_out_by_chatbot(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    mini_cloud.slack.inject_fault("chat.postMessage", times=1, retry_after=1)
    mini_cloud.publish(alerts, create_access_key_event())
    assert len(mini_cloud.slack.messages(config["SlackChannelId"])) == 1
    assert mini_cloud.chatbot.counters("keys").delivered == 1


def test_slack_server_error_is_a_delivery_failure(mini_cloud: Any) -> None:
    alerts = mini_cloud.topic()
    mini_cloud.configure(SnsTopicArns=[alerts])
    mini_cloud.slack.inject_fault("chat.postMessage", "internal_error", times=1, status=500)
    mini_cloud.publish(alerts, create_access_key_event())
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.failed, counters.last_failure_reason) == (
        1,
        "Slack chat.postMessage: internal_error",
    )
