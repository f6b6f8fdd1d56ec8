"""Chatbot's SNS HTTP endpoint: what becomes of each notification, and what it leaves behind.

Delivery (delivery-path.md §1.3-1.4, §2 items 12 and 15): a Notification is rendered and posted
to the local Slack as the ``aws`` bot when its Message is an unmodified EventBridge event from an
AWS source or a valid custom notification.  Anything else, a subscription with raw message
delivery on, or a topic not in the configuration is dropped, as Chatbot drops it, and counted
(:class:`ChatbotCounters`), with the reason.  A notification racing a teardown (its
configuration, subscription or topic deleted while it was in flight) is a failed delivery, not
an emulator error.  Each notification leaves a :class:`ChatbotDelivery` record with its hop
timestamps.  As on AWS, every notification is also counted in CloudWatch (namespace
``AWS/Chatbot``, us-east-1, dimension ConfigurationName: EventsProcessed,
MessageDeliverySuccess, UnsupportedEvents, MessageDeliveryFailure), and logged to
``/aws/chatbot/<ConfigurationName>`` per the configuration's LoggingLevel.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from simulator.local.sigv4 import read_body
from simulator.slack.render import ChatbotPost, render_sns_message

__all__ = [
    "ChatConfig",
    "ChatbotCounters",
    "ChatbotDelivery",
    "ClientFactory",
    "SnsEndpoint",
    "read_body",
    "sns_region",
]

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client on the local cloud


@dataclass(frozen=True, slots=True)
class ChatbotCounters:
    """Per configuration, like the AWS/Chatbot metrics: EventsProcessed (received),
    MessageDeliverySuccess (delivered), UnsupportedEvents, MessageDeliveryFailure (failed)."""

    received: int = 0
    delivered: int = 0
    unsupported: int = 0
    failed: int = 0
    last_unsupported_reason: str = ""
    last_failure_reason: str = ""


@dataclass(frozen=True, slots=True)
class ChatbotDelivery:
    """One SNS notification's fate; times are epoch seconds (``time.time()``)."""

    configuration_name: str
    message_id: str
    topic_arn: str
    outcome: str  # "delivered" | "unsupported" | "failed"
    reason: str
    sns_timestamp: str  # the envelope's Timestamp (when SNS accepted the message)
    received_at: float
    posted_at: float | None = None
    slack_channel: str = ""
    slack_ts: str = ""


@dataclass(slots=True)
class ChatConfig:
    """One Slack channel configuration as the emulator keeps it (``id`` names its endpoint)."""

    id: str
    arn: str
    fields: dict[str, Any]
    subscriptions: dict[str, str] = field(default_factory=dict)  # topic ARN -> subscription ARN
    counters: ChatbotCounters = field(default_factory=ChatbotCounters)
    threads: dict[str, str] = field(default_factory=dict)  # custom threadId -> Slack thread ts

    @property
    def name(self) -> str:
        return str(self.fields["ConfigurationName"])


class SnsEndpoint:
    """Chatbot's side of each SNS subscription, ``<endpoint>/_chatbot/sns/<configuration id>``.

    ``configs`` is the emulator's live map of configurations by ARN, guarded by ``lock``;
    ``clients`` makes boto3 clients on the local cloud and ``slack_url()`` is the local Slack's
    Web API base URL, which Chatbot posts to with ``slack_token``.
    """

    def __init__(
        self,
        configs: Mapping[str, ChatConfig],
        lock: threading.RLock,
        clients: ClientFactory,
        slack_url: Callable[[], str],
        slack_token: str,
    ) -> None:
        self._configs, self._lock, self._clients = configs, lock, clients
        self._slack_url, self._slack_token = slack_url, slack_token
        self._deliveries: list[ChatbotDelivery] = []

    def reset(self) -> None:
        with self._lock:
            self._deliveries.clear()

    def deliveries(self, configuration: str | None = None) -> list[ChatbotDelivery]:
        """Every notification's fate, oldest first; only ``configuration``'s when named."""
        with self._lock:
            return [
                d
                for d in self._deliveries
                if configuration is None or configuration == d.configuration_name
            ]

    def _sns(self, topic_arn: str) -> Any:
        return self._clients("sns", sns_region(topic_arn))

    def handle(self, config_id: str, environ: dict[str, Any]) -> tuple[int, bytes]:
        """Answer one POST from SNS: (HTTP status, body)."""
        received_at = time.time()
        with self._lock:
            config = next((c for c in self._configs.values() if c.id == config_id), None)
        if config is None:
            return 404, b"no such Chatbot configuration"
        raw = read_body(environ)
        try:
            envelope = json.loads(raw)
        except ValueError:
            envelope = None
        raw_header = str(environ.get("HTTP_X_AMZ_SNS_RAWDELIVERY", "")).lower() == "true"
        if raw_header or not isinstance(envelope, dict) or "Type" not in envelope:
            self._record(config, {}, received_at, "unsupported", _RAW_REASON)
            return 200, b""
        kind = envelope["Type"]
        if kind == "SubscriptionConfirmation":
            self._confirm(envelope)
        elif kind == "Notification":
            self._notify(config, envelope, received_at)
        return 200, b""

    def _confirm(self, envelope: Mapping[str, Any]) -> None:
        # Chatbot confirms its own subscriptions (delivery-path.md §1.3).  ConfirmSubscription
        # with the token does what visiting SubscribeURL does, without leaving the loopback.
        from botocore.exceptions import ClientError

        topic = str(envelope.get("TopicArn", ""))
        try:
            self._sns(topic).confirm_subscription(TopicArn=topic, Token=str(envelope.get("Token")))
        except ClientError as err:
            if _error_code(err) not in _GONE_CODES:
                raise
            # The topic went while the confirmation was in flight: nothing is left to confirm.

    def _notify(self, config: ChatConfig, envelope: Mapping[str, Any], received_at: float) -> None:
        outcome, reason = self._refusal(config, str(envelope.get("TopicArn", "")))
        if outcome:
            self._record(config, envelope, received_at, outcome, reason)
            return
        message = render_sns_message(envelope.get("Message"))
        if isinstance(message, str):
            self._record(config, envelope, received_at, "unsupported", message)
            return
        self._post(config, envelope, received_at, message)

    def _refusal(self, config: ChatConfig, topic: str) -> tuple[str, str]:
        """("", "") when a notification from ``topic`` may be delivered, else (outcome, why).

        A notification can race a teardown: the configuration, subscription or topic may be
        gone by the time it arrives.  That is a failed delivery, not an emulator error; what
        AWS Chatbot counts for it is [unconfirmed], MessageDeliveryFailure is the closest.
        """
        from botocore.exceptions import ClientError

        with self._lock:
            live = self._configs.get(config.arn) is config
            subscription = config.subscriptions.get(topic)
        if not live:
            return "failed", _gone(f"configuration {config.name}")
        if subscription is None:
            return "unsupported", f"topic {topic} is not in the configuration's SnsTopicArns"
        try:
            raw = self._raw_delivery_on(topic, subscription)
        except ClientError as err:
            if _error_code(err) not in _GONE_CODES:
                raise
            return "failed", _gone(f"subscription {subscription}")
        return ("unsupported", _RAW_REASON) if raw else ("", "")

    def _raw_delivery_on(self, topic: str, subscription: str) -> bool:
        # moto ignores RawMessageDelivery for http(s) and still sends the envelope
        # (delivery-path.md §5.7), so read the attribute as AWS would apply it.
        reply = self._sns(topic).get_subscription_attributes(SubscriptionArn=subscription)
        return str(reply["Attributes"].get("RawMessageDelivery", "false")).lower() == "true"

    def _post(
        self,
        config: ChatConfig,
        envelope: Mapping[str, Any],
        received_at: float,
        rendered: ChatbotPost,
    ) -> None:
        from slack_sdk.errors import SlackApiError

        channel = str(config.fields["SlackChannelId"])
        kwargs = rendered.message.as_kwargs()
        if rendered.thread_id and rendered.thread_id in config.threads:
            kwargs["thread_ts"] = config.threads[rendered.thread_id]
        try:
            reply = self._slack_client().chat_postMessage(channel=channel, **kwargs)
        except SlackApiError as err:
            reason = f"Slack chat.postMessage: {err.response.get('error', 'error')}"
            self._record(config, envelope, received_at, "failed", reason)
            return
        except OSError as err:  # Slack unreachable: Chatbot counts a delivery failure
            self._record(config, envelope, received_at, "failed", f"Slack unreachable: {err}")
            return
        ts = str(reply["ts"])
        if rendered.thread_id:
            config.threads.setdefault(rendered.thread_id, ts)
        self._record(config, envelope, received_at, "delivered", "", channel=channel, ts=ts)

    def _slack_client(self) -> Any:
        """A WebClient posting as the AWS app's bot; it waits out up to two 429 answers."""
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        client = WebClient(token=self._slack_token, base_url=self._slack_url())
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        return client

    def _record(
        self,
        config: ChatConfig,
        envelope: Mapping[str, Any],
        received_at: float,
        outcome: str,
        reason: str,
        *,
        channel: str = "",
        ts: str = "",
    ) -> None:
        delivery = ChatbotDelivery(
            configuration_name=config.name,
            message_id=str(envelope.get("MessageId", "")),
            topic_arn=str(envelope.get("TopicArn", "")),
            outcome=outcome,
            reason=reason,
            sns_timestamp=str(envelope.get("Timestamp", "")),
            received_at=received_at,
            posted_at=time.time() if outcome == "delivered" else None,
            slack_channel=channel,
            slack_ts=ts,
        )
        with self._lock:
            config.counters = _count(config.counters, outcome, reason)
            self._deliveries.append(delivery)
        self._publish_metrics(config, outcome)
        self._log(config, delivery)

    def _publish_metrics(self, config: ChatConfig, outcome: str) -> None:
        # AWS/Chatbot metrics live in us-east-1 whatever the API region (delivery-path.md §1.4).
        names = ["EventsProcessed", _METRIC_FOR[outcome]]
        dimensions = [{"Name": "ConfigurationName", "Value": config.name}]
        data = [
            {"MetricName": n, "Dimensions": dimensions, "Value": 1.0, "Unit": "Count"}
            for n in names
        ]
        self._clients("cloudwatch", "us-east-1").put_metric_data(
            Namespace="AWS/Chatbot", MetricData=data
        )

    def _log(self, config: ChatConfig, delivery: ChatbotDelivery) -> None:
        # LoggingLevel ERROR logs errors and unsupported events, INFO also deliveries, to
        # /aws/chatbot/<ConfigurationName> in us-east-1 [doc]; the line format is [unconfirmed].
        level = "INFO" if delivery.outcome == "delivered" else "ERROR"
        if config.fields.get("LoggingLevel") not in (level, "INFO"):
            return
        from botocore.exceptions import ClientError

        logs, group = self._clients("logs", "us-east-1"), f"/aws/chatbot/{config.name}"
        for create, params in (
            (logs.create_log_group, {"logGroupName": group}),
            (logs.create_log_stream, {"logGroupName": group, "logStreamName": _LOG_STREAM}),
        ):
            with suppress(ClientError):  # it exists already
                create(**params)
        line = {"level": level, "configurationName": config.name, "messageId": delivery.message_id}
        line |= {
            "topicArn": delivery.topic_arn,
            "outcome": delivery.outcome,
            "reason": delivery.reason,
        }
        event = {"timestamp": int(time.time() * 1000), "message": json.dumps(line)}
        logs.put_log_events(logGroupName=group, logStreamName=_LOG_STREAM, logEvents=[event])


_RAW_REASON = "raw message delivery is on: Chatbot needs the SNS JSON envelope"
_GONE_CODES = frozenset({"NotFound", "NotFoundException"})  # SNS: subscription or topic absent
_LOG_STREAM = "notifications"
_METRIC_FOR = {
    "delivered": "MessageDeliverySuccess",
    "unsupported": "UnsupportedEvents",
    "failed": "MessageDeliveryFailure",
}


def _count(counters: ChatbotCounters, outcome: str, reason: str) -> ChatbotCounters:
    received = counters.received + 1
    if outcome == "delivered":
        return replace(counters, received=received, delivered=counters.delivered + 1)
    if outcome == "unsupported":
        unsupported = counters.unsupported + 1
        return replace(
            counters, received=received, unsupported=unsupported, last_unsupported_reason=reason
        )
    return replace(
        counters, received=received, failed=counters.failed + 1, last_failure_reason=reason
    )


def sns_region(topic_arn: str) -> str:
    """The region in a topic ARN (us-east-1 when it is not an ARN)."""
    return topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else "us-east-1"


def _gone(what: str) -> str:
    return f"{what} was deleted while the notification was in flight (a delivery racing teardown)"


def _error_code(err: Any) -> str:
    """The AWS error code of a botocore ClientError."""
    return str(err.response.get("Error", {}).get("Code", ""))
