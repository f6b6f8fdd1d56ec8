"""The gateway's routing table, the server's lifecycle, reset(), check() and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from simulator.errors import LocalCloudError
from simulator.local import LocalCloud
from simulator.local.gateway import ROUTES, Gateway, Route, choose_app


def signed(service: str, region: str = "us-east-1") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20250101/{region}/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )


@pytest.mark.parametrize(
    ("environ", "app"),
    [
        ({"PATH_INFO": "/", "HTTP_AUTHORIZATION": signed("events")}, "eventbridge"),
        ({"PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "AWSEvents.PutRule"}, "eventbridge"),
        (
            {
                "PATH_INFO": "/create-slack-channel-configuration",
                "HTTP_AUTHORIZATION": signed("chatbot"),
            },
            "chatbot",
        ),
        ({"PATH_INFO": "/slack/api/auth.test"}, "slack"),
        ({"PATH_INFO": "/slack/api/auth.test", "HTTP_AUTHORIZATION": signed("sns")}, "slack"),
        ({"PATH_INFO": "/_chatbot/sns/abc"}, "chatbot"),
        ({"PATH_INFO": "/", "HTTP_AUTHORIZATION": signed("iam")}, "iam"),
        ({"PATH_INFO": "/", "HTTP_AUTHORIZATION": signed("sns")}, "sns"),
        ({"PATH_INFO": "/", "HTTP_AUTHORIZATION": signed("sqs")}, "sqs"),
        ({"PATH_INFO": "/", "HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessage"}, "moto"),
        ({"PATH_INFO": "/moto-api/reset"}, "moto"),
    ],
    ids=[
        "signed-events",
        "target-events",
        "chatbot-api",
        "slack",
        "slack-path-wins",
        "chatbot-sns",
        "iam",
        "sns",
        "sqs",
        "sqs-target",
        "moto-api",
    ],
)
def test_routing_table(environ, app):
    assert choose_app(environ) == app


def test_routing_is_data():
    assert all(isinstance(r, Route) for r in ROUTES)
    custom = (Route("x", service="sns"),)
    assert choose_app({"HTTP_AUTHORIZATION": signed("sns")}, custom) == "x"


def test_app_errors_become_internal_failure_and_check_reraises():
    def broken(environ, start_response):
        raise RuntimeError("emulator bug")

    gateway = Gateway({"moto": broken})
    statuses = []
    body = b"".join(gateway({"PATH_INFO": "/"}, lambda s, h: statuses.append(s)))
    assert statuses == ["500 Internal Server Error"]
    assert json.loads(body)["__type"] == "InternalFailure"
    [error] = gateway.take_errors()
    assert str(error) == "emulator bug"


def test_check_reraises_server_thread_errors(cloud):
    cloud.gateway.record_error(RuntimeError("boom"))
    with pytest.raises(LocalCloudError, match="RuntimeError: boom"):
        cloud.check()
    cloud.check()  # errors are reported once


def test_reset_clears_moto_and_eventbridge(cloud, kit):
    kit.events.put_rule(Name="r", EventPattern='{"source":["x"]}')
    kit.queue("q")
    cloud.reset()
    assert kit.events.list_rules()["Rules"] == []
    assert kit.sqs.list_queues().get("QueueUrls", []) == []


def test_endpoint_is_loopback_with_a_real_port(cloud):
    assert cloud.endpoint_url.startswith("http://127.0.0.1:")
    assert cloud.port > 0
    assert cloud.slack_base_url == cloud.endpoint_url + "/slack/api/"


def test_slack_and_chatbot_are_mounted(cloud):
    reply = requests.post(cloud.slack_base_url + "auth.test", timeout=10)
    assert reply.status_code in (200, 501)
    if cloud.slack is None:
        assert reply.json()["__type"] == "NotImplementedException"
    else:
        assert reply.json()["ok"] is False  # no token: Slack answers not_authed


def test_lifecycle_and_non_loopback_refused():
    with pytest.raises(LocalCloudError):
        LocalCloud(host="0.0.0.0")
    cloud = LocalCloud()
    with pytest.raises(LocalCloudError):
        _ = cloud.endpoint_url
    with cloud:
        url = cloud.endpoint_url
        assert cloud.client("sts").get_caller_identity()["Account"] == "123456789012"
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_cli_prints_env_and_serves_until_interrupted():
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "local", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        info = json.loads(line)
        assert info["env"]["AWS_ENDPOINT_URL"] == info["endpoint_url"]
        assert info["env"]["AWS_ACCESS_KEY_ID"] == "testing"
        reply = requests.post(
            info["endpoint_url"] + "/",
            data="{}",
            headers={"X-Amz-Target": "AWSEvents.ListRules", "Authorization": signed("events")},
            timeout=10,
        )
        assert reply.json() == {"Rules": []}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_cli_rejects_bad_port():
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "local", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--port=70000" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_print_env_only():
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "local", "--print-env-only", "--port", "4566"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4566" in proc.stdout
    assert "export TRAILSIM_SLACK_BASE_URL=http://127.0.0.1:4566/slack/api/" in proc.stdout


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        ("garbage", 400, "IncompleteSignatureException"),
        (signed("nosuchservice"), 501, "NotImplementedException"),
    ],
    ids=["malformed-signature", "unknown-service"],
)
def test_requests_nothing_serves_get_an_aws_shaped_answer(cloud, authorization, status, code):
    reply = requests.post(
        cloud.endpoint_url + "/", data=b"{}", headers={"Authorization": authorization}, timeout=20
    )
    assert (reply.status_code, reply.json()["__type"]) == (status, code)
