"""Faults injected on the wire: each run reports the failure, names the hop and leaks nothing."""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest

from simulator.aws.e2e import E2eOptions, run_e2e
from simulator.aws.stack import SlackTarget, deploy_stack, new_run_id, teardown_stack
from simulator.aws.triggers import Interrupted


# Where the local cloud does not behave as AWS yet, by case: the test xfails with the reason
# (and passes again, unchanged, once the local cloud catches up).
# (The local EventBridge now evaluates the SNS topic policy before publishing, as AWS does:
# "topic-policy" is no longer a gap.)
def options(env: Any, trigger: str = "iam", **extra: Any) -> E2eOptions:
    return E2eOptions(
        trigger=trigger,
        channel=env.channel,
        timeout_s=extra.pop("timeout_s", 1.5),
        poll_interval_s=0.1,
        **extra,
    )


def hop_status(report: Any, name: str) -> str:
    hop = report.hop(name)
    assert hop is not None, f"no hop {name!r} in {report.to_dict()['hops']}"
    return str(hop.status)


# ---- Slack faults --------------------------------------------------------------------------
def test_slack_429_is_waited_out_and_delivered(env: Any, leftovers: Any) -> None:
    env.local.slack.inject_fault("conversations.history", "ratelimited", times=1, retry_after=1)

    report = run_e2e(env.cloud, env.slack, options(env, timeout_s=10.0), local=env.local)

    assert report.delivered, report.to_dict()
    assert leftovers() == []


@pytest.mark.parametrize(
    ("error", "status"),
    [("internal_error", 500), ("not_in_channel", 200)],
    ids=["slack-500", "not_in_channel"],
)
def test_slack_error_is_reported_on_the_slack_hop(
    env: Any, error: str, status: int, leftovers: Any
) -> None:
    env.local.slack.inject_fault("conversations.history", error, times=50, status=status)

    report = run_e2e(env.cloud, env.slack, options(env), local=env.local)

    assert not report.delivered
    assert error in report.error and "conversations.history" in report.error
    assert report.culprit is not None and report.culprit.hop == "slack"
    assert hop_status(report, "slack") == "not-observed"
    assert leftovers() == []


def test_chatbot_post_failure_names_chatbot_delivery(env: Any, leftovers: Any) -> None:
    env.local.slack.inject_fault("chat.postMessage", "is_archived", times=50)

    report = run_e2e(env.cloud, env.slack, options(env), local=env.local)

    assert not report.delivered
    assert hop_status(report, "sns") == "observed"
    assert report.culprit is not None and report.culprit.hop == "slack"
    checks = {f.check for f in report.culprit.findings}
    assert "chatbot-delivery" in checks, report.culprit.to_dict()
    assert leftovers() == []


# ---- broken pipelines (an existing rule, as `e2e --rule` uses it) ---------------------------
def deployed(env: Any) -> Any:
    from simulator.patterns import SEED_PATTERN

    team = str(env.slack.auth_test()["team_id"])
    target = SlackTarget(team, env.channel)
    return deploy_stack(env.cloud, run_id=new_run_id(), pattern=SEED_PATTERN, slack=target)


def foreign_publisher_policy(topic_arn: str) -> str:
    """A topic policy letting only the account's own principals publish: not EventBridge."""
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_missing_topic_policy_is_named(env: Any, leftovers: Any) -> None:
    stack = deployed(env)
    env.cloud.client("sns").set_topic_attributes(
        TopicArn=stack.topic_arn,
        AttributeName="Policy",
        AttributeValue=foreign_publisher_policy(stack.topic_arn),
    )
    try:
        report = run_e2e(env.cloud, env.slack, options(env, rule=stack.rule_name), local=env.local)
    finally:
        teardown_stack(env.cloud, stack)

    assert leftovers() == []
    assert not report.delivered
    assert report.culprit is not None and report.culprit.hop == "sns", report.to_dict()
    assert "topic-policy" in {f.check for f in report.culprit.findings}
    assert leftovers() == []


def test_disabled_rule_is_named(env: Any, leftovers: Any) -> None:
    stack = deployed(env)
    env.cloud.client("events").disable_rule(Name=stack.rule_name)
    try:
        report = run_e2e(env.cloud, env.slack, options(env, rule=stack.rule_arn), local=env.local)
    finally:
        teardown_stack(env.cloud, stack)

    assert not report.delivered
    assert hop_status(report, "eventbridge") == "observed"  # the event was on the bus
    assert report.culprit is not None and report.culprit.hop == "sns"
    assert "rule-state" in {f.check for f in report.culprit.findings}
    assert leftovers() == []


def test_unsupported_message_is_named_with_chatbot_reason(env: Any, leftovers: Any) -> None:
    stack = deployed(env)
    events = env.cloud.client("events")
    target = {"Id": "trailsim-sns", "Arn": stack.topic_arn, "Input": '"an access key was created"'}
    events.put_targets(Rule=stack.rule_name, Targets=[target])
    try:
        report = run_e2e(env.cloud, env.slack, options(env, rule=stack.rule_name), local=env.local)
    finally:
        teardown_stack(env.cloud, stack)

    assert not report.delivered
    assert hop_status(report, "sns") == "observed"
    assert report.culprit is not None and report.culprit.hop == "slack", report.to_dict()
    finding = next(f for f in report.culprit.findings if f.check == "chatbot-unsupported")
    assert "not an object" in finding.evidence["last_unsupported_reason"]
    assert leftovers() == []


def test_dangling_target_counts_failed_invocations(env: Any, leftovers: Any) -> None:
    stack = deployed(env)
    gone = stack.topic_arn + "-deleted"
    env.cloud.client("events").put_targets(
        Rule=stack.rule_name, Targets=[{"Id": "trailsim-sns", "Arn": gone}]
    )
    try:
        report = run_e2e(env.cloud, env.slack, options(env, rule=stack.rule_name), local=env.local)
    finally:
        teardown_stack(env.cloud, stack)

    assert not report.delivered and report.culprit is not None
    checks = {f.check: f for f in report.findings if f.status == "fail"}
    assert {"rule-target", "failed-invocations"} <= set(checks), report.to_dict()["findings"]
    assert checks["failed-invocations"].evidence["local_failures"]
    assert leftovers() == []


# ---- interruption between creating the probe user and deleting it ---------------------------
@pytest.mark.parametrize("how", ["keyboard-interrupt", "sigterm"])
def test_interrupted_run_cleans_up(env: Any, how: str, leftovers: Any) -> None:
    created: list[str] = []

    def interrupt(step: str) -> None:
        if step != "access-key-created":
            return
        created.extend(u["UserName"] for u in env.cloud.client("iam").list_users()["Users"])
        if how == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
        raise KeyboardInterrupt

    with pytest.raises(Interrupted if how == "sigterm" else KeyboardInterrupt):
        run_e2e(env.cloud, env.slack, options(env), on_step=interrupt, local=env.local)

    assert created and created[0].startswith("trailsim-probe-")  # the user did exist
    assert leftovers() == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


def test_a_second_signal_waits_for_the_cleanup() -> None:
    from simulator.aws.triggers import Cleanup, SignalGuard

    guard = SignalGuard()
    order: list[str] = []

    def delete() -> None:
        guard.handle(signal.SIGTERM, None)  # arrives mid-cleanup: recorded, not raised
        order.append("deleted")

    cleanup = Cleanup(guard=guard)
    cleanup.push("resource", delete)
    cleanup.run()

    assert order == ["deleted"] and cleanup.deleted == ["resource"]
    with pytest.raises(Interrupted):
        guard.raise_pending()
