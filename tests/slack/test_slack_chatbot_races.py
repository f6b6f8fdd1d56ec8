"""The local Chatbot when a delivery races a teardown: the configuration, subscription or topic
is deleted while a notification is in flight.  AWS just fails that delivery; the emulator must
count it (MessageDeliveryFailure, with the reason), never answer with a server error."""

from __future__ import annotations

import json
from typing import Any

import requests

from simulator.events import create_access_key_event


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
    alerts = mini_cloud.topic()
    config = mini_cloud.configure(SnsTopicArns=[alerts])
    (subscription,) = mini_cloud.subscriptions(alerts)
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
    alerts = mini_cloud.topic()
    mini_cloud.configure(SnsTopicArns=[alerts])
    endpoint = mini_cloud.subscriptions(alerts)[0]["Endpoint"]
    mini_cloud.client("sns").delete_topic(TopicArn=alerts)  # takes its subscriptions with it

    reply = requests.post(endpoint, data=notification(alerts, "an alert"), timeout=5)
    confirmation = {"Type": "SubscriptionConfirmation", "TopicArn": alerts, "Token": "t"}
    confirmed = requests.post(endpoint, data=json.dumps(confirmation), timeout=5)

    assert (reply.status_code, confirmed.status_code) == (200, 200)
    counters = mini_cloud.chatbot.counters("keys")
    assert (counters.received, counters.failed) == (1, 1)
    assert "in flight" in counters.last_failure_reason
    metric = mini_cloud.metric_sum("MessageDeliveryFailure")
    assert metric == 1.0
