"""SNS Publish with AWS's fan-out: the notification body each subscriber gets, as AWS writes it.

moto delivers a Publish itself, in its own format (sorted keys, ``": "`` spacing, SignatureVersion
"2", no ``x-amz-sns-*`` headers; delivery-path.md §5.7).  `SnsPublishApp` sits in front of moto's
SNS: topics, subscriptions and their attributes stay in moto and are read through its public
API (GetTopicAttributes, ListSubscriptionsByTopic, GetSubscriptionAttributes), then the message
is sent the way AWS sends it ("HTTP/HTTPS notification JSON format", "HTTP/HTTPS headers" in the
SNS developer guide; the same document is the SQS message body unless raw delivery is on).

An SQS subscriber receives only if its queue's policy lets ``sns.amazonaws.com`` send (for this
topic), as on AWS; otherwise the delivery is a failure kept in `failures`.
Every other SNS call, and any Publish this module does not reproduce (a filter policy, a
protocol other than sqs/http/https, a FIFO topic, MessageStructure=json, message attributes,
TargetArn/PhoneNumber, an invalid request moto must reject), goes to moto unchanged.
A subscriber that cannot be reached never fails Publish (AWS retries asynchronously); the
failure is kept in `failures`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from simulator.local.gateway import Captured, WsgiApp, call_app
from simulator.local.moto_app import MotoCaller
from simulator.local.sigv4 import read_body
from simulator.policies import ServiceRequest, evaluate

log = logging.getLogger(__name__)

DELIVERED_PROTOCOLS = frozenset({"sqs", "http", "https"})
SNS_PRINCIPAL = "sns.amazonaws.com"
# Publish parameters this module does not reproduce: moto handles the whole request.
UNHANDLED_PARAMETERS = (
    "TargetArn",
    "PhoneNumber",
    "MessageStructure",
    "MessageGroupId",
    "MessageDeduplicationId",
)
MAX_MESSAGE_BYTES = 262_144  # SNS's message size limit (256 KiB)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HTTP_TIMEOUT_SECONDS = 15.0
# A stand-in for the per-region certificate name (SimpleNotificationService-<hash>.pem).
CERTIFICATE_HASH = "01d088a6f77103d0fe307c0069e40ed6"
# Subscribers are on loopback: never route them through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SNS_NS = "{http://sns.amazonaws.com/doc/2010-03-31/}"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A topic subscription as GetSubscriptionAttributes describes it."""

    arn: str
    protocol: str
    endpoint: str
    attributes: Mapping[str, str]

    @property
    def raw(self) -> bool:
        return self.attributes.get("RawMessageDelivery", "false").lower() == "true"

    @property
    def pending(self) -> bool:
        return self.attributes.get("PendingConfirmation", "false").lower() == "true"


@dataclass(frozen=True, slots=True)
class FailedNotification:
    """A notification SNS could not deliver (on AWS it would be retried, then dropped)."""

    message_id: str
    subscription_arn: str
    endpoint: str
    error: str


class SnsPublishApp:
    """A WSGI app in front of moto's SNS that performs Publish with AWS's delivery format."""

    def __init__(self, moto: WsgiApp) -> None:
        self.moto = moto
        self.failures: list[FailedNotification] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.failures.clear()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        captured = self._publish(environ)
        if captured is None:  # not a Publish this module reproduces: moto answers it
            captured = call_app(self.moto, environ)
        start_response(captured.status, captured.headers or [])
        return [captured.body]

    def _publish(self, environ: dict[str, Any]) -> Captured | None:
        params = handled_publish(environ)
        if params is None:
            return None
        caller = MotoCaller(self.moto, environ)
        topic = caller.sns("GetTopicAttributes", TopicArn=params["TopicArn"])
        if topic.code != 200:
            return None  # moto's Publish gives the caller AWS's NotFound/AuthorizationError
        attributes = entry_map(topic.body)
        if attributes.get("FifoTopic", "false").lower() == "true":
            return None
        subscriptions = self._subscriptions(caller, params["TopicArn"])
        if subscriptions is None:
            return None
        message_id = str(uuid.uuid4())
        version = signature_version(params["TopicArn"], attributes)
        envelope = notification(params, message_id, version, utc_timestamp())
        for subscription in subscriptions:
            if not subscription.pending:  # SNS delivers to confirmed subscriptions only
                self._deliver(caller, subscription, params, message_id, envelope)
        return publish_response(message_id)

    def _subscriptions(self, caller: MotoCaller, topic_arn: str) -> list[Subscription] | None:
        """The topic's subscriptions, or None when one needs what only moto does (a filter)."""
        found: list[Subscription] = []
        token = ""
        while True:
            extra = {"NextToken": token} if token else {}
            page = caller.sns("ListSubscriptionsByTopic", TopicArn=topic_arn, **extra)
            if page.code != 200:
                return None
            for arn, protocol, endpoint in subscription_members(page.body):
                if protocol not in DELIVERED_PROTOCOLS:
                    return None
                reply = caller.sns("GetSubscriptionAttributes", SubscriptionArn=arn)
                if reply.code != 200:
                    continue  # unsubscribed meanwhile: nothing to deliver to
                attributes = entry_map(reply.body)
                if attributes.get("FilterPolicy"):
                    return None
                found.append(Subscription(arn, protocol, endpoint, attributes))
            token = xml_text(page.body, "NextToken")
            if not token:
                return found

    def _deliver(
        self,
        caller: MotoCaller,
        subscription: Subscription,
        params: Mapping[str, str],
        message_id: str,
        envelope: Mapping[str, str],
    ) -> None:
        fields = with_unsubscribe_url(envelope, subscription.arn)
        body = params["Message"] if subscription.raw else envelope_text(fields)
        if subscription.protocol == "sqs":
            error = sqs_refusal(caller, subscription.endpoint, params["TopicArn"])
            error = error or caller.sqs_send(subscription.endpoint, body)
        else:
            headers = http_headers(subscription, params["TopicArn"], message_id)
            error = post_notification(subscription.endpoint, body, headers)
        if error:
            log.warning("SNS could not deliver to %s: %s", subscription.endpoint, error)
            failure = FailedNotification(message_id, subscription.arn, subscription.endpoint, error)
            with self._lock:
                self.failures.append(failure)


def sqs_refusal(caller: MotoCaller, queue_arn: str, topic_arn: str) -> str:
    """Why the queue's policy keeps `topic_arn` from sending to it ("" when it lets it).

    SNS sends to an SQS subscriber only if the queue's policy lets ``sns.amazonaws.com``
    ``sqs:SendMessage`` (SNS developer guide, "Subscribing an Amazon SQS queue to an Amazon
    SNS topic", step 2); Subscribe adds no such statement.
    """
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        return ""  # sqs_send reports the malformed endpoint
    reply = caller.sqs(queue_arn, "GetQueueAttributes", {"AttributeNames": ["Policy"]})
    if reply.code != 200:
        return ""  # a missing queue: sqs_send reports it
    policy = json.loads(reply.body).get("Attributes", {}).get("Policy")
    request = ServiceRequest(
        "sqs:SendMessage", queue_arn, topic_arn, topic_arn.split(":")[4], SNS_PRINCIPAL
    )
    decision = evaluate(policy, request)
    return "" if decision.allowed else f"the queue's access policy: {decision.reason}"


def handled_publish(environ: dict[str, Any]) -> dict[str, str] | None:
    """The parameters of a Publish this module reproduces, else None (moto takes the call)."""
    if str(environ.get("REQUEST_METHOD", "")).upper() != "POST":
        return None
    if "x-www-form-urlencoded" not in str(environ.get("CONTENT_TYPE", "")):
        return None  # botocore speaks SNS's query protocol; anything else is moto's
    params = dict(parse_qsl(read_body(environ).decode("utf-8", "replace"), keep_blank_values=True))
    if params.get("Action") != "Publish" or not params.get("TopicArn"):
        return None
    if any(name in params for name in UNHANDLED_PARAMETERS):
        return None
    if any(name.startswith("MessageAttributes.") for name in params):
        return None
    message = params.get("Message", "")
    if not message or len(message.encode()) > MAX_MESSAGE_BYTES:
        return None  # moto answers AWS's InvalidParameter errors
    if "Subject" in params and not valid_subject(params["Subject"]):
        return None
    return params


def valid_subject(subject: str) -> bool:
    """AWS (Publish API): ASCII, not starting with a space, no line breaks or control
    characters, fewer than 100 characters."""
    printable = all(32 <= ord(c) < 127 for c in subject)
    return 0 < len(subject) < 100 and printable and not subject.startswith(" ")


def signature_version(topic_arn: str, attributes: Mapping[str, str]) -> str:
    """The topic's SignatureVersion attribute ("1" unless set to "2").

    moto stores SetTopicAttributes(SignatureVersion) but leaves it out of GetTopicAttributes,
    so it is read from moto's backend state, which moto documents as readable
    (``moto.sns.sns_backends[account][region]``); nothing in moto is changed.
    """
    version = attributes.get("SignatureVersion")
    if version is None:
        from moto.sns.models import sns_backends

        account, region = topic_arn.split(":")[4], topic_arn.split(":")[3]
        try:
            topic = sns_backends[account][region].get_topic(topic_arn)
        except Exception:  # gone meanwhile: AWS's default
            return "1"
        version = str(getattr(topic, "signature_version", "1"))
    return "2" if version == "2" else "1"


def utc_timestamp(now: datetime | None = None) -> str:
    """SNS's Timestamp: GMT with milliseconds, e.g. 2012-05-02T00:54:06.655Z."""
    moment = now or datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def notification(
    params: Mapping[str, str], message_id: str, signature_version: str, timestamp: str
) -> dict[str, str]:
    """The Notification document's fields, in AWS's order (Subject only when published)."""
    topic_arn = params["TopicArn"]
    region = topic_arn.split(":")[3]
    fields = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn}
    if "Subject" in params:
        fields["Subject"] = params["Subject"]
    fields.update(Message=params["Message"], Timestamp=timestamp)
    fields["SignatureVersion"] = signature_version
    fields["Signature"] = signature(fields, signature_version)
    fields["SigningCertURL"] = (
        f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{CERTIFICATE_HASH}.pem"
    )
    return fields


def with_unsubscribe_url(fields: Mapping[str, str], subscription_arn: str) -> dict[str, str]:
    region = subscription_arn.split(":")[3]
    url = f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
    return {**fields, "UnsubscribeURL": url + subscription_arn}


def signature(fields: Mapping[str, str], version: str) -> str:
    """A stand-in Signature over AWS's string to sign (no AWS private key exists locally).

    AWS signs "name\\nvalue\\n" for Message, MessageId, Subject (if present), Timestamp,
    TopicArn and Type, with SHA1withRSA (version 1) or SHA256withRSA (version 2).
    """
    names = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    text = "".join(f"{n}\n{fields[n]}\n" for n in names if n in fields)
    # 256 bytes, the size of an RSA-2048 signature, so the text has AWS's length (344 chars).
    stand_in = hashlib.shake_256(f"SignatureVersion{version}\n{text}".encode()).digest(256)
    return base64.b64encode(stand_in).decode()


def envelope_text(fields: Mapping[str, str]) -> str:
    """AWS's layout: one field a line, 2-space indent, `` : `` between name and value."""
    lines = [f"  {json.dumps(k)} : {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()]
    return "{\n" + ",\n".join(lines) + "\n}"


def http_headers(subscription: Subscription, topic_arn: str, message_id: str) -> dict[str, str]:
    headers = {
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
        "x-amz-sns-subscription-arn": subscription.arn,
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Amazon Simple Notification Service Agent",
    }
    if subscription.raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    return headers


def post_notification(endpoint: str, body: str, headers: Mapping[str, str]) -> str:
    """POST to an HTTP(S) subscriber on loopback; "" on a 2xx answer, else the error."""
    host = urlsplit(endpoint).hostname or ""
    if host not in LOOPBACK_HOSTS:
        return "the local cloud sends no traffic outside 127.0.0.1"
    request = urllib.request.Request(
        endpoint, data=body.encode(), headers=dict(headers), method="POST"
    )
    try:
        with _DIRECT.open(request, timeout=HTTP_TIMEOUT_SECONDS) as reply:
            status = int(reply.status)
    except urllib.error.HTTPError as err:
        status = int(err.code)
    except (OSError, ValueError) as err:
        return f"unreachable: {err}"
    return "" if 200 <= status < 300 else f"HTTP {status}"


def publish_response(message_id: str) -> Captured:
    """PublishResponse as SNS (and moto) serialize it."""
    request_id = str(uuid.uuid4())
    body = (
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
        f"<PublishResult><MessageId>{message_id}</MessageId></PublishResult>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        "</PublishResponse>"
    ).encode()
    headers = [
        ("Content-Type", "text/xml"),
        ("x-amzn-RequestId", request_id),
        ("Content-Length", str(len(body))),
    ]
    return Captured("200 OK", headers, body)


def _root(body: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_text(body: bytes, name: str) -> str:
    root = _root(body)
    found = root.find(f".//{_SNS_NS}{name}") if root is not None else None
    return (found.text or "").strip() if found is not None else ""


def entry_map(body: bytes) -> dict[str, str]:
    """The <Attributes><entry><key/><value/></entry>... map of an SNS Query reply."""
    root = _root(body)
    if root is None:
        return {}
    pairs = {}
    for entry in root.iter(f"{_SNS_NS}entry"):
        fields = {_local(child.tag): child.text or "" for child in entry}
        pairs[fields.get("key", "")] = fields.get("value", "")
    return pairs


def subscription_members(body: bytes) -> list[tuple[str, str, str]]:
    """(SubscriptionArn, Protocol, Endpoint) of each ListSubscriptionsByTopic member."""
    root = _root(body)
    if root is None:
        return []
    members = []
    for member in root.iter(f"{_SNS_NS}member"):
        fields = {_local(child.tag): (child.text or "").strip() for child in member}
        names = ("SubscriptionArn", "Protocol", "Endpoint")
        arn, protocol, endpoint = (fields.get(name, "") for name in names)
        members.append((arn, protocol, endpoint))
    return members
