"""All three triggers deliver through the local cloud, with every hop in the report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.aws.e2e import E2eOptions, run_e2e

TRIGGERS = ("iam", "mirror", "sns")
EXPECTED_HOPS = {
    "iam": {"trigger": "observed", "eventbridge": "observed", "sns": "observed"},
    "mirror": {"trigger": "observed", "eventbridge": "observed", "sns": "observed"},
    "sns": {"trigger": "observed", "eventbridge": "not-on-path", "sns": "observed"},
}


def run(env: Any, trigger: str, **overrides: Any) -> Any:
    options = E2eOptions(
        trigger=trigger,
        channel=env.channel,
        timeout_s=overrides.pop("timeout_s", 10.0),
        poll_interval_s=0.1,
        target="local cloud",
        **overrides,
    )
    return run_e2e(env.cloud, env.slack, options, local=env.local)


@pytest.mark.parametrize("trigger", TRIGGERS, ids=TRIGGERS)
def test_trigger_is_delivered_and_confirmed(env: Any, trigger: str, leftovers: Any) -> None:

    report = run(env, trigger)

    assert report.delivered, report.to_dict()
    assert report.message is not None and report.markers[0] in report.message.text
    statuses = {hop.name: hop.status for hop in report.hops}
    assert [h.name for h in report.hops] == ["trigger", "eventbridge", "sns", "chatbot", "slack"]
    for name, status in EXPECTED_HOPS[trigger].items():
        assert statuses[name] == status, (name, report.to_dict()["hops"])
    assert statuses["chatbot"] == statuses["slack"] == "observed"
    latencies = [h.latency_s for h in report.hops if h.status == "observed" and h.name != "trigger"]
    assert all(lat is not None and lat >= 0 for lat in latencies)
    assert report.culprit is None and not report.leftovers
    assert leftovers() == []


def test_iam_trigger_message_names_the_probe_user_and_key(env: Any) -> None:
    report = run(env, "iam")

    user, key_id = report.markers
    assert user.startswith("trailsim-probe-")
    assert key_id.startswith("AKIA") and key_id in report.message.text
    assert report.to_dict()["delivered"] is True


def test_report_never_contains_the_secret_access_key(env: Any) -> None:
    import json

    secrets: list[str] = []

    def capture(parsed: dict[str, Any], **_: Any) -> None:
        secrets.append(parsed["AccessKey"]["SecretAccessKey"])

    # Clients made from this session (the trigger's) call the hook with the parsed answer.
    env.cloud.session.events.register("after-call.iam.CreateAccessKey", capture)
    report = run(env, "iam")

    assert report.delivered and len(secrets) == 1 and secrets[0]
    assert secrets[0] not in json.dumps(report.to_dict())
    assert secrets[0] not in report.message.text


def key_only_transformer() -> dict[str, Any]:
    """A user's own InputTransformer: a custom notification naming the key but not the user."""
    notification = {"version": "1.0", "source": "custom", "content": {}}
    notification["content"] = {"description": "New access key <keyId>"}
    return {
        "InputPathsMap": {"keyId": "$.detail.responseElements.accessKey.accessKeyId"},
        "InputTemplate": json.dumps(notification),
    }


def test_iam_trigger_is_confirmed_by_the_key_id_when_the_card_omits_the_user(
    env: Any, leftovers: Any
) -> None:
    from simulator.aws.stack import SlackTarget, deploy_stack, new_run_id, teardown_stack
    from simulator.patterns import SEED_PATTERN

    target = SlackTarget(str(env.slack.auth_test()["team_id"]), env.channel)
    stack = deploy_stack(env.cloud, run_id=new_run_id(), pattern=SEED_PATTERN, slack=target)
    rewrite = {
        "Id": "trailsim-sns",
        "Arn": stack.topic_arn,
        "InputTransformer": key_only_transformer(),
    }
    env.cloud.client("events").put_targets(Rule=stack.rule_name, Targets=[rewrite])
    try:
        report = run(env, "iam", rule=stack.rule_name)
    finally:
        teardown_stack(env.cloud, stack)

    user, key_id = report.markers
    assert report.delivered and report.message is not None, report.to_dict()
    assert user not in report.message.text and key_id in report.message.text
    assert report.message.marker == key_id and report.to_dict()["message"]["marker"] == key_id
    assert leftovers() == []


def test_iam_trigger_names_the_user_as_the_matched_marker(env: Any) -> None:
    report = run(env, "iam")

    assert report.message is not None and report.message.marker == report.markers[0]
