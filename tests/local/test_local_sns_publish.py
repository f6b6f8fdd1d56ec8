"""SNS Publish fans out in AWS's format ("HTTP/HTTPS notification JSON format", SNS guide)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError

PATTERN = {"source": ["my.app"], "detail-type": ["Order Placed"]}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# The documented layout: one field a line, two-space indent, " : " between name and value.
ENVELOPE = re.compile(
    r'\{\n  "Type" : "Notification",\n'
    rf'  "MessageId" : "(?P<id>{UUID})",\n'
    r'  "TopicArn" : "(?P<topic>[^"]+)",\n'
    r'(?:  "Subject" : "(?P<subject>[^"]*)",\n)?'
    r'  "Message" : (?P<message>"(?:[^"\\]|\\.)*"),\n'
    r'  "Timestamp" : "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",\n'
    r'  "SignatureVersion" : "(?P<version>[12])",\n'
    r'  "Signature" : "[A-Za-z0-9+/]{342}==",\n'
    r'  "SigningCertURL" : "https://sns\.us-east-1\.amazonaws\.com/'
    r'SimpleNotificationService-[0-9a-f]+\.pem",\n'
    r'  "UnsubscribeURL" : "https://sns\.us-east-1\.amazonaws\.com/'
    r'\?Action=Unsubscribe&SubscriptionArn=(?P<subscription>[^"]+)"\n\}'
)


def subscribe_queue(kit: Any, topic: str, name: str, **attributes: str) -> tuple[str, str]:
    """(QueueUrl, SubscriptionArn) of a new queue subscribed to `topic`."""
    url, arn = kit.queue(name)
    reply = kit.sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return url, reply["SubscriptionArn"]


def test_sqs_body_is_the_documented_notification_document(kit: Any) -> None:
    topic = kit.topic("alerts", policy=False)
    url, subscription = subscribe_queue(kit, topic, "q")
    message = '{"version":"0","detail":{"a":"é \\"quoted\\" / \\n"}}'

    reply = kit.sns.publish(TopicArn=topic, Message=message)

    [body] = kit.drain(url, expect=1)
    found = ENVELOPE.fullmatch(body)
    assert found is not None, body
    assert found["id"] == reply["MessageId"]
    assert (found["topic"], found["subscription"]) == (topic, subscription)
    assert found["subject"] is None  # only when the publisher set one
    assert found["version"] == "1"  # the topic's SignatureVersion default
    assert json.loads(body)["Message"] == message  # byte for byte
    assert found["message"] == json.dumps(message, ensure_ascii=False)


def test_subject_and_signature_version_follow_the_request_and_topic(kit: Any) -> None:
    topic = kit.topic("alerts", policy=False)
    kit.sns.set_topic_attributes(
        TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2"
    )
    url, _ = subscribe_queue(kit, topic, "q")

    kit.sns.publish(TopicArn=topic, Message="hello", Subject="Key created")

    [body] = kit.drain(url, expect=1)
    found = ENVELOPE.fullmatch(body)
    assert found is not None, body
    assert (found["subject"], found["version"]) == ("Key created", "2")
    assert list(json.loads(body))[3:5] == ["Subject", "Message"]


def test_raw_delivery_sends_the_message_alone(kit: Any) -> None:
    topic = kit.topic("alerts", policy=False)
    raw_url, _ = subscribe_queue(kit, topic, "raw", RawMessageDelivery="true")
    wrapped_url, _ = subscribe_queue(kit, topic, "wrapped")

    kit.sns.publish(TopicArn=topic, Message="plain text, not JSON")

    assert kit.drain(raw_url, expect=1) == ["plain text, not JSON"]
    [wrapped] = kit.drain(wrapped_url, expect=1)
    assert json.loads(wrapped)["Message"] == "plain text, not JSON"


def test_publish_response_has_aws_shape(kit: Any) -> None:
    topic = kit.topic("alerts", policy=False)
    reply = kit.sns.publish(TopicArn=topic, Message="m")
    assert re.fullmatch(UUID, reply["MessageId"])
    assert re.fullmatch(UUID, reply["ResponseMetadata"]["RequestId"])
    assert set(reply) == {"MessageId", "ResponseMetadata"}


def test_missing_topic_gives_awss_not_found(kit: Any) -> None:
    with pytest.raises(ClientError) as info:
        kit.sns.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:nope", Message="m")
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("NotFound", "Endpoint does not exist")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_filter_policy_subscription_falls_back_to_moto(kit: Any) -> None:
    # Filter policies are moto's to apply: the whole Publish goes to moto, in moto's format.
    topic = kit.topic("alerts", policy=False)
    policy = json.dumps({"kind": ["key"]})
    url, _ = subscribe_queue(kit, topic, "q", FilterPolicy=policy, FilterPolicyScope="MessageBody")

    kit.sns.publish(TopicArn=topic, Message='{"kind":"other"}')
    kit.sns.publish(TopicArn=topic, Message='{"kind":"key"}')

    [body] = kit.drain(url, expect=1)
    assert json.loads(body)["Message"] == '{"kind":"key"}'
    assert ENVELOPE.fullmatch(body) is None  # moto's layout, not AWS's


class Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_endpoint() -> Iterator[str]:
    Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("raw", [False, True], ids=["envelope", "raw"])
def test_http_subscriber_gets_awss_headers(kit: Any, http_endpoint: str, raw: bool) -> None:
    topic = kit.topic("alerts", policy=False)
    attributes = {"RawMessageDelivery": "true"} if raw else {}
    subscription = kit.sns.subscribe(
        TopicArn=topic,
        Protocol="http",
        Endpoint=http_endpoint,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    Recorder.received.clear()  # moto's subscribe path is left as it is

    reply = kit.sns.publish(TopicArn=topic, Message="hello")

    [(headers, body)] = Recorder.received
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == reply["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == subscription
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    if raw:
        assert headers["x-amz-sns-rawdelivery"] == "true" and body == b"hello"
    else:
        assert "x-amz-sns-rawdelivery" not in headers
        assert ENVELOPE.fullmatch(body.decode()) is not None


def test_unreachable_http_endpoint_does_not_fail_publish(kit: Any) -> None:
    topic = kit.topic("alerts", policy=False)
    kit.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/gone")
    url, _ = subscribe_queue(kit, topic, "q")

    failures = kit.cloud.gateway.apps["sns"].failures
    before = len(failures)

    reply = kit.sns.publish(TopicArn=topic, Message="m")

    assert len(kit.drain(url, expect=1)) == 1  # the other subscriber still gets it
    [failure] = failures[before:]
    assert failure.message_id == reply["MessageId"]
    assert failure.endpoint == "http://127.0.0.1:9/gone"


def test_eventbridge_sns_target_lands_in_sqs_in_awss_format(kit: Any) -> None:
    topic = kit.topic("alerts")
    url, subscription = subscribe_queue(kit, topic, "q")
    kit.rule("orders", PATTERN, topic)

    reply = kit.events.put_events(Entries=[kit.entry(detail={"state": "paid"})])

    [body] = kit.drain(url, expect=1)
    found = ENVELOPE.fullmatch(body)
    assert found is not None, body
    assert (found["topic"], found["subscription"], found["subject"]) == (
        topic,
        subscription,
        None,
    )
    event = json.loads(json.loads(body)["Message"])
    assert event["id"] == reply["Entries"][0]["EventId"]
    assert json.loads(body)["Message"] == json.dumps(event, separators=(",", ":"))


SUBSCRIPTION_POLICIES = {
    "no-policy": (None, False),
    "sns-may-send": ({"Principal": {"Service": "sns.amazonaws.com"}}, True),
    "anyone-from-this-topic": (
        {"Principal": "*", "Condition": {"ArnLike": {"aws:SourceArn": "{topic}"}}},
        True,
    ),
    "anyone-from-another-topic": (
        {"Principal": "*", "Condition": {"ArnEquals": {"aws:SourceArn": "{topic}-other"}}},
        False,
    ),
    "eventbridge-only": ({"Principal": {"Service": "events.amazonaws.com"}}, False),
}


@pytest.mark.parametrize("case", sorted(SUBSCRIPTION_POLICIES))
def test_sqs_subscriber_needs_a_queue_policy_for_sns(kit: Any, case: str) -> None:
    """SNS sends to a subscribed queue only if the queue's policy lets it; Subscribe adds none."""
    grant, delivered = SUBSCRIPTION_POLICIES[case]
    topic = kit.topic("alerts", policy=False)
    url, arn = kit.queue("q", policy=False)
    if grant is not None:
        statement = json.loads(json.dumps(grant).replace("{topic}", topic))
        statement |= {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(document)})
    kit.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    kit.sns.publish(TopicArn=topic, Message="hello")

    assert len(kit.drain(url, wait=0.3)) == (1 if delivered else 0)
    failures = kit.cloud.gateway.apps["sns"].failures
    assert [f.endpoint for f in failures] == ([] if delivered else [arn])
