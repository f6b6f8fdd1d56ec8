"""The plugin's fixtures, used as a user's test suite would use them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.aws.check import seed_rule_path

TEMPLATE = Path(seed_rule_path()).with_name("seed-rule.template.yaml")
USER = "trailsim-plugin-user"


def test_local_cloud_serves_boto3_on_loopback(local_cloud: Any, aws_client: Any) -> None:
    assert local_cloud.endpoint_url.startswith("http://127.0.0.1:")
    aws_client("iam").create_user(UserName=USER)
    names = [u["UserName"] for u in aws_client("iam").list_users()["Users"]]
    assert names == [USER]


def test_local_cloud_is_reset_before_each_test(aws_client: Any) -> None:
    # The previous test created a user; the reset before this one removed it.
    assert aws_client("iam").list_users()["Users"] == []


def test_aws_target_defaults_to_the_local_cloud(
    aws_target: Any, aws_session: Any, local_cloud: Any, trailsim_region: str
) -> None:
    assert trailsim_region == "us-east-1"
    assert aws_target.endpoint_url == local_cloud.endpoint_url
    assert aws_session.region_name == trailsim_region


def test_event_pattern_from_template_file_and_dict(event_pattern: Any) -> None:
    from simulator.events import create_access_key_event, near_miss_event
    from simulator.patterns import SEED_PATTERN

    for spec in (f"{TEMPLATE}#AccessKeyCreatedRule", str(seed_rule_path()), SEED_PATTERN):
        pattern = event_pattern(spec)
        assert pattern.matches(create_access_key_event())
        assert not pattern.matches(near_miss_event("delete-access-key"))


def test_assert_matches_explains_the_miss(event_pattern: Any, assert_matches: Any) -> None:
    from simulator.events import create_access_key_event, near_miss_event

    pattern = event_pattern(str(seed_rule_path()))
    assert_matches(pattern, create_access_key_event())
    with pytest.raises(AssertionError) as info:
        assert_matches(pattern, near_miss_event("delete-access-key"))
    assert 'detail.eventName: expected equals ["CreateAccessKey"], got "DeleteAccessKey"' in str(
        info.value
    )


def test_assert_no_match(event_pattern: Any, assert_no_match: Any) -> None:
    from simulator.events import create_access_key_event, near_miss_event

    pattern = event_pattern(str(seed_rule_path()))
    assert_no_match(pattern, near_miss_event("create-user"))
    with pytest.raises(AssertionError, match="expected no match"):
        assert_no_match(pattern, create_access_key_event())


def test_the_library_assertions_take_plain_patterns() -> None:
    from simulator.aws.check import assert_matches, assert_no_match
    from simulator.events import create_access_key_event
    from simulator.patterns import SEED_PATTERN

    assert_matches(SEED_PATTERN, create_access_key_event())
    assert_no_match({"source": ["aws.ec2"]}, create_access_key_event())


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    heavy = ("boto3", "botocore", "moto", "werkzeug", "yaml", "simulator.local")
    code = f"import sys, simulator.pytest_plugin; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_event_pattern_reads_a_deployed_rule(aws_client: Any, event_pattern: Any) -> None:
    from simulator.events import create_access_key_event
    from simulator.patterns import SEED_PATTERN

    aws_client("events").put_rule(Name="key-created", EventPattern=json.dumps(SEED_PATTERN))
    assert event_pattern("rule:key-created").matches(create_access_key_event())


def test_event_pattern_errors_name_the_file(tmp_path: Path, event_pattern: Any) -> None:
    from simulator.errors import InputError

    bad = tmp_path / "bad.json"
    bad.write_text('{"source": []}')
    with pytest.raises(InputError, match=r"bad\.json:1:14: Event pattern is not valid"):
        event_pattern(bad)
