"""The local Chatbot: its control plane through boto3, and SNS -> Chatbot -> Slack delivery."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from simulator.events import create_access_key_event
from simulator.slack.notifications import chatbot_input_transformer

ROLE = "arn:aws:iam::123456789012:role/chatbot"


def configure(
    cloud: Any, name: str = "keys", channel: str | None = None, **extra: Any
) -> dict[str, Any]:
    channel = channel or cloud.slack.create_channel("alerts", "trailsim")
    reply = cloud.client("chatbot").create_slack_channel_configuration(
        SlackTeamId=cloud.slack.team_id,
        SlackChannelId=channel,
        IamRoleArn=ROLE,
        ConfigurationName=name,
        **extra,
    )
    return dict(reply["ChannelConfiguration"])


def topic(cloud: Any, name: str = "alerts") -> str:
    return str(cloud.client("sns").create_topic(Name=name)["TopicArn"])


def subscriptions(cloud: Any, topic_arn: str) -> list[dict[str, Any]]:
    return list(
        cloud.client("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    )


def publish(cloud: Any, topic_arn: str, message: Any) -> None:
    text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
    cloud.client("sns").publish(TopicArn=topic_arn, Message=text)


# ---- control plane -------------------------------------------------------------------------
def test_create_describe_and_subscribe(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts], LoggingLevel="ERROR")
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
    (subscription,) = subscriptions(mini_cloud, alerts)
    assert subscription["Protocol"] == "http"
    assert "/_chatbot/sns/" in subscription["Endpoint"]


def test_describe_pages_and_filters(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    arns = [configure(mini_cloud, f"c{i}", channel)["ChatConfigurationArn"] for i in range(3)]
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
    old, new = topic(mini_cloud, "old"), topic(mini_cloud, "new")
    config = configure(mini_cloud, SnsTopicArns=[old])
    updated = mini_cloud.client("chatbot").update_slack_channel_configuration(
        ChatConfigurationArn=config["ChatConfigurationArn"],
        SlackChannelId=config["SlackChannelId"],
        SnsTopicArns=[new],
        LoggingLevel="INFO",
    )["ChannelConfiguration"]
    assert (updated["SnsTopicArns"], updated["LoggingLevel"]) == ([new], "INFO")
    assert subscriptions(mini_cloud, old) == [] and len(subscriptions(mini_cloud, new)) == 1


def test_delete_unsubscribes(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    client = mini_cloud.client("chatbot")
    client.delete_slack_channel_configuration(ChatConfigurationArn=config["ChatConfigurationArn"])
    assert subscriptions(mini_cloud, alerts) == []
    assert client.describe_slack_channel_configurations()["SlackChannelConfigurations"] == []


def test_describe_workspaces(mini_cloud: Any) -> None:
    workspaces = mini_cloud.client("chatbot").describe_slack_workspaces()["SlackWorkspaces"]
    assert workspaces == [
        {"SlackTeamId": "T0TRAILSIM", "SlackTeamName": "trailsim-local", "State": "ENABLED"}
    ]


def test_errors_are_modelled_exceptions(mini_cloud: Any) -> None:
    client = mini_cloud.client("chatbot")
    configure(mini_cloud)
    with pytest.raises(client.exceptions.ConflictException):
        configure(mini_cloud, channel="C000000001")
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
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    event = create_access_key_event("iam-user-cli", seed=3)
    publish(mini_cloud, alerts, event)
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
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    note = {
        "version": "1.0",
        "source": "custom",
        "content": {"title": "Key made", "description": "for *bob*", "nextSteps": ["rotate"]},
        "metadata": {"threadId": "keys-1"},
    }
    publish(mini_cloud, alerts, note)
    publish(mini_cloud, alerts, note)
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
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    publish(mini_cloud, alerts, message)
    assert mini_cloud.slack.messages(config["SlackChannelId"]) == []
    counters = mini_cloud.chatbot.counters(config["ChatConfigurationArn"])
    assert (counters.received, counters.unsupported, counters.delivered) == (1, 1, 0)
    assert reason in counters.last_unsupported_reason


def test_raw_message_delivery_drops_everything(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    (subscription,) = subscriptions(mini_cloud, alerts)
    mini_cloud.client("sns").set_subscription_attributes(
        SubscriptionArn=subscription["SubscriptionArn"],
        AttributeName="RawMessageDelivery",
        AttributeValue="true",
    )
    publish(mini_cloud, alerts, create_access_key_event())
    assert mini_cloud.slack.messages(config["SlackChannelId"]) == []
    assert "raw message delivery" in mini_cloud.chatbot.counters("keys").last_unsupported_reason


def test_raw_body_without_envelope_is_unsupported(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    configure(mini_cloud, SnsTopicArns=[alerts])
    endpoint = subscriptions(mini_cloud, alerts)[0]["Endpoint"]
    headers = {"x-amz-sns-rawdelivery": "true", "Content-Type": "text/plain; charset=UTF-8"}
    body = json.dumps(create_access_key_event())
    assert requests.post(endpoint, data=body, headers=headers, timeout=5).status_code == 200
    assert mini_cloud.chatbot.counters("keys").unsupported == 1


def test_transformer_output_is_a_valid_custom_notification(mini_cloud: Any) -> None:
    transformer = chatbot_input_transformer("Asia/Tokyo")
    rendered = transformer["InputTemplate"].replace("<target>", "bob").replace("<event>", "NewKey")
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    publish(mini_cloud, alerts, rendered)
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
    alerts = topic(mini_cloud)
    configure(mini_cloud, channel=channel, SnsTopicArns=[alerts])
    publish(mini_cloud, alerts, create_access_key_event())
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.received, counters.failed, counters.delivered) == (1, 1, 0)
    assert expected in counters.last_failure_reason


def test_subscription_confirmation_is_confirmed(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    configure(mini_cloud, SnsTopicArns=[alerts])
    endpoint = subscriptions(mini_cloud, alerts)[0]["Endpoint"]
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


# ---- deliveries racing a teardown ----------------------------------------------------------
def notification(topic_arn: str, message: Any) -> bytes:
    envelope = {
        "Type": "Notification",
        "MessageId": "m-inflight",
        "TopicArn": topic_arn,
        "Message": json.dumps(message),
        "Timestamp": "2026-01-01T00:00:00.000Z",
    }
    return json.dumps(envelope).encode()


def post_slowly(endpoint: str, body: bytes, meanwhile: Any) -> int:
    """POST `body` to `endpoint` in two halves, running `meanwhile()` between them: the
    notification is on the wire (headers and half its body sent) while `meanwhile` runs."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(endpoint)
    head = f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: text/plain\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.encode() + body[: len(body) // 2])
        meanwhile()
        sock.sendall(body[len(body) // 2 :])
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    return int(reply.split()[1])


def test_subscription_deleted_while_a_notification_is_in_flight(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    (subscription,) = subscriptions(mini_cloud, alerts)
    sns = mini_cloud.client("sns")

    def unsubscribe() -> None:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])

    body = notification(alerts, create_access_key_event())
    status = post_slowly(subscription["Endpoint"], body, unsubscribe)

    assert status == 200  # accepted and dropped, not a server error (the fixture checks too)
    (delivery,) = mini_cloud.chatbot.deliveries("keys")
    assert (delivery.outcome, delivery.message_id) == ("failed", "m-inflight")
    assert subscription["SubscriptionArn"] in delivery.reason and "in flight" in delivery.reason
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.received, counters.failed, counters.delivered) == (1, 1, 0)
    assert "was deleted" in counters.last_failure_reason
    assert mini_cloud.slack.messages(config["SlackChannelId"]) == []


def test_endpoint_called_for_a_deleted_topic_is_a_failed_delivery(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    configure(mini_cloud, SnsTopicArns=[alerts])
    endpoint = subscriptions(mini_cloud, alerts)[0]["Endpoint"]
    mini_cloud.client("sns").delete_topic(TopicArn=alerts)  # takes its subscriptions with it

    reply = requests.post(endpoint, data=notification(alerts, "an alert"), timeout=5)
    confirmation = {"Type": "SubscriptionConfirmation", "TopicArn": alerts, "Token": "t"}
    confirmed = requests.post(endpoint, data=json.dumps(confirmation), timeout=5)

    assert (reply.status_code, confirmed.status_code) == (200, 200)
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.received, counters.failed) == (1, 1)
    assert "in flight" in counters.last_failure_reason
    metric = metric_sum(mini_cloud, "MessageDeliveryFailure")
    assert metric == 1.0


# ---- what the doctor reads: AWS/Chatbot metrics and the /aws/chatbot log group --------------
def metric_sum(cloud: Any, metric: str, name: str = "keys") -> float:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    reply = cloud.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Chatbot",
        MetricName=metric,
        Dimensions=[{"Name": "ConfigurationName", "Value": name}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=["Sum"],
    )
    return float(sum(p["Sum"] for p in reply["Datapoints"]))


def test_metrics_count_every_outcome(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    configure(mini_cloud, SnsTopicArns=[alerts])
    publish(mini_cloud, alerts, create_access_key_event())
    publish(mini_cloud, alerts, "plain text")
    counts = {
        m: metric_sum(mini_cloud, m)
        for m in ("EventsProcessed", "MessageDeliverySuccess", "UnsupportedEvents")
    }
    assert counts == {"EventsProcessed": 2, "MessageDeliverySuccess": 1, "UnsupportedEvents": 1}
    assert metric_sum(mini_cloud, "MessageDeliveryFailure") == 0


@pytest.mark.parametrize(("level", "lines"), [("NONE", 0), ("ERROR", 1), ("INFO", 2)])
def test_logging_level_decides_what_is_logged(mini_cloud: Any, level: str, lines: int) -> None:
    alerts = topic(mini_cloud)
    configure(mini_cloud, SnsTopicArns=[alerts], LoggingLevel=level)
    publish(mini_cloud, alerts, create_access_key_event())
    publish(mini_cloud, alerts, "plain text")
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
    configure(mini_cloud)
    original = mini_cloud.chatbot.account_for
    mini_cloud.chatbot.account_for = lambda key: "210987654321"
    try:
        client = mini_cloud.client("chatbot")
        assert client.describe_slack_channel_configurations()["SlackChannelConfigurations"] == []
    finally:
        mini_cloud.chatbot.account_for = original


def test_slack_rate_limit_is_waited_out_by_chatbot(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    config = configure(mini_cloud, SnsTopicArns=[alerts])
    mini_cloud.slack.inject_fault("chat.postMessage", times=1, retry_after=1)
    publish(mini_cloud, alerts, create_access_key_event())
    assert len(mini_cloud.slack.messages(config["SlackChannelId"])) == 1
    assert mini_cloud.chatbot.counters("keys").delivered == 1


def test_slack_server_error_is_a_delivery_failure(mini_cloud: Any) -> None:
    alerts = topic(mini_cloud)
    configure(mini_cloud, SnsTopicArns=[alerts])
    mini_cloud.slack.inject_fault("chat.postMessage", "internal_error", times=1, status=500)
    publish(mini_cloud, alerts, create_access_key_event())
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.failed, counters.last_failure_reason) == (
        1,
        "Slack chat.postMessage: internal_error",
    )
