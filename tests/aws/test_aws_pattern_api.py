"""test_event_pattern over the wire: verdicts, AWS's errors mapped, and failures that are not verdicts."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.aws import pattern_api
from simulator.aws.clients import AwsTarget
from simulator.errors import AwsError, ConfigError, InvalidEventError, PatternError

SEED = {
    "source": ["aws.iam"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["iam.amazonaws.com"], "eventName": ["CreateAccessKey"]},
}
EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6f1c1f7e-7d9c-4d0a-9d76-0b1f3c2a9e01",
    "detail-type": "AWS API Call via CloudTrail",
    "source": "aws.iam",
    "account": "123456789012",
    "time": "2024-05-01T12:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey"},
}


def ask(cloud: Any, pattern: Any, event: Any) -> bool:
    return pattern_api.test_event_pattern(
        pattern, event, session=cloud.session(), endpoint_url=cloud.endpoint_url
    )


def test_verdicts_for_mappings_and_text(local_cloud: Any) -> None:
    assert ask(local_cloud, SEED, EVENT) is True
    assert ask(local_cloud, json.dumps(SEED), json.dumps(EVENT).encode()) is True
    other = {**EVENT, "detail": {**EVENT["detail"], "eventName": "DeleteAccessKey"}}
    assert ask(local_cloud, SEED, other) is False


def test_invalid_pattern_is_a_pattern_error_with_position(local_cloud: Any) -> None:
    with pytest.raises(PatternError) as info:
        ask(local_cloud, '{"resources": []}', EVENT)
    assert info.value.reason == "Empty arrays are not allowed"
    assert (info.value.line, info.value.column) == (1, 17)
    assert info.value.__cause__ is not None  # the boto3 error stays chained


def test_invalid_event_is_an_invalid_event_error(local_cloud: Any) -> None:
    with pytest.raises(InvalidEventError, match=r"^Parameter Event is not valid\.$"):
        ask(local_cloud, SEED, {"testEvent": "value"})


def test_pattern_error_from_message_reads_reason_and_first_location() -> None:
    message = (
        "Event pattern is not valid. Reason: prefix/suffix match pattern must be a string\n"
        ' at [Source: (String)"{}"; line: 1, column: 55]\n'
        ' at [Source: (String)"{}"; line: 1, column: 55]'
    )
    err = pattern_api.pattern_error_from_message(message)
    assert (err.reason, err.line, err.column) == (
        "prefix/suffix match pattern must be a string",
        1,
        55,
    )
    cidr = pattern_api.pattern_error_from_message(
        "Event pattern is not valid. Reason: Malformed CIDR, one '/' required"
    )
    assert (cidr.reason, cidr.line, cidr.column) == ("Malformed CIDR, one '/' required", None, None)


def test_unreachable_endpoint_is_an_aws_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no retry backoff in a unit test
    with socket.socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = AwsTarget(endpoint_url=f"http://127.0.0.1:{port}")
    with pytest.raises(AwsError) as info:
        pattern_api.test_event_pattern(
            SEED, EVENT, session=target.session(), endpoint_url=target.endpoint_url
        )
    assert info.value.operation == "TestEventPattern"
    assert "testing" not in str(info.value)  # placeholder secret never echoed


@pytest.fixture
def stub_endpoint() -> Iterator[str]:
    """A server answering every call with HTTP 200 and ``{}``, as moto's TestEventPattern stub does."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    server = make_server("127.0.0.1", 0, Response("{}", content_type="application/x-amz-json-1.1"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_an_answer_without_result_is_never_a_verdict(stub_endpoint: str) -> None:
    target = AwsTarget(endpoint_url=stub_endpoint)
    with pytest.raises(AwsError, match="NoResult"):
        pattern_api.test_event_pattern(
            SEED, EVENT, session=target.session(), endpoint_url=target.endpoint_url
        )


def test_target_description_and_switches() -> None:
    assert AwsTarget().describe() == "AWS us-east-1"
    assert AwsTarget(profile="ci", region="eu-west-1").describe() == "AWS eu-west-1, profile ci"
    local = AwsTarget(endpoint_url="http://127.0.0.1:4566")
    assert local.is_local and local.is_loopback
    assert local.session().get_credentials().access_key == "testing"
    assert not AwsTarget(endpoint_url="https://vpce.example.com").is_loopback
    with pytest.raises(ConfigError, match="--endpoint-url"):
        AwsTarget(endpoint_url="not a url").client("events")


def test_unknown_profile_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(ConfigError, match="--profile='nope'"):
        AwsTarget(profile="nope").session()
