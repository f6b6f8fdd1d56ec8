"""Fixtures for tests/slack: a local Slack, and the Chatbot + SNS path on a loopback server.

`mini_cloud` serves SlackEmulator, ChatbotEmulator and moto's server app behind a small
path/SigV4 router on 127.0.0.1:0.  It stands in for LocalCloud's gateway (which adds trailsim's
EventBridge and the CloudTrail emitter) so these tests need only the Slack and Chatbot modules;
test_slack_e2e.py drives the full LocalCloud when it is importable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from slack_sdk import WebClient

from simulator.local.chatbot import ChatbotEmulator
from simulator.local.slack import SlackEmulator

WsgiApp = Callable[..., Any]
DUMMY = "testing"
CHATBOT_ROLE = "arn:aws:iam::123456789012:role/chatbot"


@dataclass
class MiniCloud:
    endpoint_url: str
    slack: SlackEmulator
    chatbot: ChatbotEmulator
    errors: list[BaseException]
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def slack_base_url(self) -> str:
        return self.endpoint_url + "/slack/api/"

    def client(self, service: str, region: str = "us-east-1") -> Any:
        """One boto3 client per service and region, so modelled exception classes compare."""
        key = (service, region)
        if key not in self._clients:
            import boto3

            session = boto3.session.Session(
                aws_access_key_id=DUMMY, aws_secret_access_key=DUMMY, region_name=region
            )
            self._clients[key] = session.client(service, endpoint_url=self.endpoint_url)
        return self._clients[key]

    def web_client(self, token: str = SlackEmulator.DEFAULT_BOT_TOKEN) -> WebClient:
        return WebClient(token=token, base_url=self.slack_base_url)

    # ---- Chatbot setups, through boto3 as a user makes them ---------------------------------
    def configure(
        self, name: str = "keys", channel: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """A Slack channel configuration (in a new #alerts unless `channel`), as described."""
        channel = channel or self.slack.create_channel("alerts", "trailsim")
        reply = self.client("chatbot").create_slack_channel_configuration(
            SlackTeamId=self.slack.team_id,
            SlackChannelId=channel,
            IamRoleArn=CHATBOT_ROLE,
            ConfigurationName=name,
            **extra,
        )
        return dict(reply["ChannelConfiguration"])

    def topic(self, name: str = "alerts") -> str:
        return str(self.client("sns").create_topic(Name=name)["TopicArn"])

    def subscriptions(self, topic_arn: str) -> list[dict[str, Any]]:
        sns = self.client("sns")
        return list(sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"])

    def publish(self, topic_arn: str, message: Any) -> None:
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        self.client("sns").publish(TopicArn=topic_arn, Message=text)

    def metric_sum(self, metric: str, name: str = "keys") -> float:
        """The AWS/Chatbot `metric` summed over the last hour for configuration `name`."""
        now = datetime.now(timezone.utc)
        reply = self.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Chatbot",
            MetricName=metric,
            Dimensions=[{"Name": "ConfigurationName", "Value": name}],
            StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(minutes=5),
            Period=3600,
            Statistics=["Sum"],
        )
        return float(sum(p["Sum"] for p in reply["Datapoints"]))


class _Router:
    def __init__(self, slack: WsgiApp, moto: WsgiApp, errors: list[BaseException]) -> None:
        self.slack, self.moto, self.errors = slack, moto, errors
        self.chatbot: WsgiApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        try:
            if path.startswith("/slack/"):
                return self.slack(environ, start_response)
            if path.startswith("/_chatbot/") or "/chatbot/aws4_request" in auth:
                assert self.chatbot is not None
                return self.chatbot(environ, start_response)
            return self.moto(environ, start_response)
        except BaseException as err:  # surfaced by the fixture's teardown
            self.errors.append(err)
            raise


@pytest.fixture(scope="session")
def _mini_server() -> Iterator[MiniCloud]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    errors: list[BaseException] = []
    slack = SlackEmulator()
    router = _Router(slack, DomainDispatcherApplication(create_backend_app), errors)
    server = make_server("127.0.0.1", 0, router, threaded=True)
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    router.chatbot = chatbot = ChatbotEmulator(endpoint, slack=slack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield MiniCloud(endpoint, slack, chatbot, errors)
    server.shutdown()
    server.server_close()


@pytest.fixture
def mini_cloud(_mini_server: MiniCloud) -> Iterator[MiniCloud]:
    import requests

    requests.post(_mini_server.endpoint_url + "/moto-api/reset", timeout=10)
    _mini_server.slack.reset()
    _mini_server.chatbot.reset()
    yield _mini_server
    errors, _mini_server.errors[:] = list(_mini_server.errors), []
    assert not errors, f"server errors: {errors!r}"
