"""Against real AWS and Slack: run with --trailsim-live, AWS credentials, SLACK_BOT_TOKEN and
TRAILSIM_LIVE_CHANNEL (a channel ID both trailsim's bot and the AWS app are in).
TRAILSIM_LIVE_RULE names an existing alert rule for the `--rule` tests.  Each test leaves
nothing behind (its report's cleanup and `sweep` agree)."""

from __future__ import annotations

import os
from typing import Any

import pytest

pytestmark = pytest.mark.live


def _need(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.skip(f"live test: set {name}")
    return value


@pytest.fixture
def live() -> tuple[Any, Any, str]:
    from simulator.aws.clients import AwsTarget
    from simulator.aws.e2e_local import slack_client
    from simulator.aws.stack import Cloud

    channel = _need("TRAILSIM_LIVE_CHANNEL")
    slack = slack_client(None, _need("SLACK_BOT_TOKEN"))
    cloud = Cloud(AwsTarget(profile=os.environ.get("AWS_PROFILE")).session())
    return cloud, slack, channel


@pytest.mark.parametrize("trigger", ["sns", "mirror", "iam"])
def test_live_deployed_stack_delivers(live: tuple[Any, Any, str], trigger: str) -> None:
    from simulator.aws.e2e import E2eOptions, run_e2e
    from simulator.aws.sweep import find_leftovers

    cloud, slack, channel = live
    options = E2eOptions(trigger=trigger, channel=channel, timeout_s=600, target="AWS live")
    report = run_e2e(cloud, slack, options)

    assert report.delivered, report.to_dict()
    assert not report.leftovers
    assert [f for f in find_leftovers(cloud, dry_run=True).found if f.run_id == report.run_id] == []


def test_live_doctor_on_the_existing_rule(live: tuple[Any, Any, str]) -> None:
    from simulator.aws.doctor import DoctorTarget, run_doctor

    cloud, slack, channel = live
    rule = _need("TRAILSIM_LIVE_RULE")
    report = run_doctor(cloud, slack, DoctorTarget(rule=rule, channel=channel))

    assert not report.failed, report.to_dict()


def test_live_iam_trigger_on_the_existing_rule(live: tuple[Any, Any, str]) -> None:
    from simulator.aws.e2e import E2eOptions, run_e2e

    cloud, slack, channel = live
    rule = _need("TRAILSIM_LIVE_RULE")
    report = run_e2e(
        cloud,
        slack,
        E2eOptions(trigger="iam", channel=channel, rule=rule, timeout_s=600, target="AWS live"),
    )

    assert report.delivered, report.to_dict()
