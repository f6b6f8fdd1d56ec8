"""The `demo`, `e2e`, `doctor` and `sweep` commands, run as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

TIMEOUT = 120


def trailsim(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env or _clean_env(),
    )


def _clean_env() -> dict[str, str]:
    """No AWS or Slack credentials: the offline commands must not need any."""
    drop = ("AWS_", "SLACK_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def test_demo_shows_each_hop_then_the_message() -> None:
    result = trailsim("demo")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "DELIVERED" in out and "Slack message as posted (found by marker trailsim-probe-" in out
    for hop in ("trigger", "eventbridge", "sns", "chatbot", "slack"):
        assert f" {hop} " in out
    assert "iam:CreateAccessKey" in out and "LEFT BEHIND" not in out
    assert "Traceback" not in result.stderr


def test_demo_json_reports_delivered() -> None:
    result = trailsim("demo", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["delivered"] is True
    assert [h["name"] for h in report["hops"]] == [
        "trigger",
        "eventbridge",
        "sns",
        "chatbot",
        "slack",
    ]
    assert report["message"]["text"] and report["cleanup"]["left"] == []


def test_doctor_local_runs_every_check() -> None:
    result = trailsim("doctor", "--local", "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["counts"]["fail"] == 0
    assert {"pattern-matches", "topic-policy", "chatbot-subscription", "slack-channel"} <= {
        f["check"] for f in report["findings"]
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["e2e", "--local", "--timeout", "0"], "--timeout=0.0"),
        (["e2e", "--trigger", "iam"], "--rule NAME"),
        (["e2e", "--deploy", "--channel", "C0123"], "SLACK_BOT_TOKEN"),
        (["e2e", "--trigger", "nope"], "invalid choice"),
    ],
    ids=["timeout-zero", "no-pipeline", "no-slack-token", "bad-trigger"],
)
def test_bad_input_is_one_line_exit_2(args: list[str], expected: str) -> None:
    result = trailsim(*args)

    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


# ---- interrupted runs against a running local cloud -----------------------------------------
def _queues(env: Any) -> list[str]:
    return list(
        env.cloud.client("sqs").list_queues(QueueNamePrefix="trailsim-").get("QueueUrls", [])
    )


def disabled_stack(env: Any) -> Any:
    """A deployed stack whose rule is disabled: a run against it waits in Slack."""
    from simulator.aws.stack import SlackTarget, deploy_stack, new_run_id
    from simulator.patterns import SEED_PATTERN

    target = SlackTarget(str(env.slack.auth_test()["team_id"]), env.channel)
    stack = deploy_stack(env.cloud, run_id=new_run_id(), pattern=SEED_PATTERN, slack=target)
    env.cloud.client("events").disable_rule(Name=stack.rule_name)
    return stack


def test_sigterm_during_a_run_cleans_up(env: Any, leftovers: Any) -> None:
    from simulator.aws.stack import teardown_stack

    stack = disabled_stack(env)
    command = [sys.executable, "-m", "simulator", "e2e", "--endpoint-url", env.cloud.endpoint_url]
    command += ["--rule", stack.rule_name, "--channel", env.channel, "--timeout", "60"]
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env()
    )
    try:
        deadline = time.monotonic() + 60
        while not _queues(env) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # into the trigger or the Slack poll
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        teardown_stack(env.cloud, stack)

    assert child.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert leftovers() == []


KILLED_RUN = """
import os, signal, sys, boto3
from simulator.aws.e2e import E2eOptions, run_e2e
from simulator.aws.e2e_local import slack_client
from simulator.aws.stack import Cloud
url, channel, token = sys.argv[1:4]
session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                        region_name="us-east-1")
def kill(step):
    if step == "access-key-created":
        os.kill(os.getpid(), signal.SIGKILL)   # no handler, no finally: a killed run
run_e2e(Cloud(session, url), slack_client(url + "/slack/api/", token),
        E2eOptions(trigger="iam", channel=channel, timeout_s=5), on_step=kill)
"""


def test_sweep_removes_what_a_killed_run_left(env: Any, leftovers: Any) -> None:
    token = type(env.local.slack).DEFAULT_BOT_TOKEN
    url = env.cloud.endpoint_url
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, url, env.channel, token],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_clean_env(),
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = leftovers()
    assert any(item.startswith("iam-user trailsim-probe-") for item in left), left

    result = trailsim("sweep", "--endpoint-url", url, "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    kinds = {item["kind"] for item in report["deleted"]}
    assert {"iam-user", "rule", "topic", "queue", "chatbot-configuration"} <= kinds, kinds
    env.local.wait_delivered()
    assert leftovers() == []
    assert json.loads(trailsim("sweep", "--endpoint-url", url, "--json").stdout)["found"] == []
