"""--trailsim-live and the `live` marker: live tests skip with a reason, never pass by default."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

LIVE_SUITE = """
import pytest

@pytest.mark.live
def test_live(aws_target):
    assert aws_target.endpoint_url is None  # real AWS: no endpoint override
    assert aws_target.region == "us-east-1"

def test_local(request):
    assert request.config.pluginmanager.hasplugin("trailsim")
"""

RELATIVE_SUITE = """
def test_relative_template(event_pattern):
    pattern = event_pattern("rule.yaml#R")
    assert pattern.matches({
        "version": "0", "id": "1", "detail-type": "x", "source": "aws.iam",
        "account": "123456789012", "time": "2024-05-01T12:00:00Z", "region": "us-east-1",
        "resources": [],
    })
"""

RULE_YAML = """
Resources:
  R:
    Type: AWS::Events::Rule
    Properties:
      Name: !Sub "${AWS::StackName}-r"
      EventPattern: {source: [aws.iam]}
"""


SERVER_ERROR_SUITE = """
def test_server_thread_fails(local_cloud):
    # What the gateway does when an emulator raises while serving a request.
    local_cloud.gateway.record_error(RuntimeError("emulator bug"))

def test_next_test_starts_clean(local_cloud):
    local_cloud.check()
"""


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    """An environment where boto3's chain finds nothing, without asking any network service."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(pytester.path / "absent-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_live_tests_skip_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LIVE_SUITE)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*live test: pass --trailsim-live*"])


def test_live_tests_skip_without_credentials(
    pytester: pytest.Pytester, no_credentials: None
) -> None:
    pytester.makepyfile(LIVE_SUITE)
    result = pytester.runpytest("-rs", "--trailsim-live")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*--trailsim-live given, but no AWS credentials*"])


def test_live_tests_run_with_option_and_credentials(
    pytester: pytest.Pytester, no_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "placeholder-not-a-secret")
    pytester.makepyfile(LIVE_SUITE)
    result = pytester.runpytest("--trailsim-live")
    result.assert_outcomes(passed=2)
    assert "placeholder-not-a-secret" not in result.stdout.str()


def test_option_and_marker_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--trailsim-live*"])
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.live:*"])


def test_event_pattern_finds_files_beside_the_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", rule=RULE_YAML)
    pytester.makepyfile(RELATIVE_SUITE)
    pytester.runpytest().assert_outcomes(passed=1)


def test_server_thread_errors_fail_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SERVER_ERROR_SUITE)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*LocalCloudError*emulator bug*"])
