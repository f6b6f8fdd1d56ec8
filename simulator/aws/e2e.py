"""`trailsim e2e`: push one test event through the pipeline and confirm it in Slack.

The run: deploy a throwaway stack (or describe an existing one), open the SQS tap, fire the
chosen trigger, poll Slack for the run's marker from just before the trigger, read the tap, and
on a miss ask the doctor which hop lost it.  Every resource is registered for deletion *before*
it is created and deleted in a `finally`, SIGINT/SIGTERM included (`triggers.SignalGuard`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.aws.e2e_report import (
    E2eReport,
    Finding,
    SlackPost,
)
from simulator.aws.e2e_tap import Tap, TapSighting, open_tap, read_tap
from simulator.aws.e2e_verdict import RunProgress, build_report, readable_text
from simulator.aws.stack import (
    Cloud,
    SlackTarget,
    Stack,
    deploy_stack,
    new_run_id,
    teardown_stack,
)
from simulator.aws.stack_lookup import existing_stack
from simulator.aws.triggers import (
    TRIGGERS,
    Cleanup,
    StepHook,
    TriggerResult,
    fire_trigger,
    signals_interrupt,
)
from simulator.errors import AwsError, ConfigError, SimulatorError, SlackError


@dataclass(frozen=True)
class E2eOptions:
    """What to run: the trigger, the pipeline (existing rule or deploy) and the wait."""

    trigger: str
    channel: str
    timeout_s: float = 300.0
    rule: str | None = None  # an existing rule (name or ARN); None: deploy a throwaway stack
    topic: str | None = None  # with `rule`: the topic, if not the rule's SNS target
    configuration: str | None = None  # with `rule`: the Chatbot configuration (name or ARN)
    pattern: Mapping[str, Any] | None = None  # for a deployed stack; default SEED_PATTERN
    chatbot_role_arn: str | None = None
    tap: bool = True
    poll_interval_s: float = 2.0
    target: str = "AWS"  # a description for the report

    def validate(self) -> None:
        if self.trigger not in TRIGGERS:
            raise ConfigError("--trigger", self.trigger, "one of " + ", ".join(TRIGGERS))
        if not self.channel:
            raise ConfigError("--channel", self.channel, "a Slack channel ID such as C0123456789")
        if not 0 < self.timeout_s <= 3600:
            raise ConfigError("--timeout", self.timeout_s, "seconds, more than 0 and at most 3600")


def run_e2e(
    cloud: Cloud,
    slack: Any,
    options: E2eOptions,
    *,
    on_step: StepHook | None = None,
    local: Any = None,
) -> E2eReport:
    """Run one end-to-end test and return its report (cleanup already done).

    `slack` is a slack_sdk WebClient (real or local base_url).  `local` (the LocalCloud the
    calls go to, if any) adds what only the local cloud can show: when Chatbot took the message,
    failed invocations and Chatbot's drop reasons.  Raises ConfigError for bad options, and
    re-raises KeyboardInterrupt (or `Interrupted`, for SIGTERM) after cleaning up.
    """
    options.validate()
    progress = RunProgress(run_id=new_run_id())
    findings: tuple[Finding, ...] = ()
    with signals_interrupt() as guard:
        cleanup = Cleanup(guard=guard)
        try:
            _attempt(cloud, slack, options, progress, cleanup, on_step, local)
            if progress.message is None and progress.stack is not None:
                # Before the cleanup: the doctor must see the stack the run used.
                findings = _diagnose(cloud, slack, progress.stack, options.channel, local)
        finally:
            _settle(local)
            cleanup.run()
        guard.raise_pending()
    progress.chatbot_at = _chatbot_received(local, progress.message)
    return build_report(options, progress, cleanup, findings)


def _attempt(
    cloud: Cloud,
    slack: Any,
    options: E2eOptions,
    progress: RunProgress,
    cleanup: Cleanup,
    on_step: StepHook | None,
    local: Any,
) -> None:
    """The journey; a failure after setup becomes part of the report instead of an error."""
    try:
        _journey(cloud, slack, options, progress, cleanup, on_step, local)
    except SimulatorError as err:
        if progress.trigger is None and progress.stack is None:
            raise
        progress.error = str(err)
        progress.failed_hop = progress.failed_hop or _hop_of(err)


def _journey(
    cloud: Cloud,
    slack: Any,
    options: E2eOptions,
    progress: RunProgress,
    cleanup: Cleanup,
    on_step: StepHook | None,
    local: Any,
) -> None:
    step = on_step or (lambda _step: None)
    progress.failed_hop = "setup"
    step("deploying the stack" if not options.rule else "reading the rule")
    stack = progress.stack = _stack(cloud, slack, options, progress.run_id, cleanup)
    if options.tap:
        pattern = _tap_pattern(options.trigger, progress.run_id)
        progress.tap = open_tap(
            cloud, stack, run_id=progress.run_id, bus_pattern=pattern, cleanup=cleanup
        )
    oldest = time.time() - 1.0  # Slack ts and our clock may differ slightly
    progress.failed_hop = "trigger"
    run_id = progress.run_id  # also the nonce the trigger's markers carry
    trigger = fire_trigger(
        options.trigger, cloud, stack, run_id=run_id, nonce=run_id, cleanup=cleanup, on_step=on_step
    )
    progress.trigger, progress.failed_hop = trigger, "slack"
    step(f"waiting for the Slack message (up to {options.timeout_s:g} s)")
    _await_slack(cloud, slack, options, progress, trigger, oldest, local)


def _await_slack(
    cloud: Cloud,
    slack: Any,
    options: E2eOptions,
    progress: RunProgress,
    trigger: TriggerResult,
    oldest: float,
    local: Any,
) -> None:
    """Poll Slack for the run's message, then read the tap (even when Slack failed: the tap
    shows how far the event got)."""
    try:
        progress.message = _confirm(slack, options, trigger.markers, oldest, progress)
        progress.failed_hop = ""
    finally:
        if progress.tap is not None:
            _settle(local)  # offline, everything in flight has landed: one look is enough
            waits = (0,) if local is not None else (0, 1, 2)
            progress.sightings = _read_tap(cloud, progress.tap, trigger, waits)


def _read_tap(
    cloud: Cloud, tap: Tap, trigger: TriggerResult, waits: Sequence[int]
) -> list[TapSighting]:
    """The tap's sightings; SQS may lag the Slack message a little, so look twice."""
    wanted = {"sns"} if trigger.tap_pattern is None else {"eventbridge", "sns"}
    sightings: list[TapSighting] = []
    for wait_s in waits:
        sightings += read_tap(cloud, tap, trigger.markers, wait_s=wait_s)
        if wanted <= {s.hop for s in sightings}:
            break
    return sightings


def _tap_pattern(trigger: str, nonce: str) -> dict[str, Any] | None:
    from simulator.aws.triggers import iam_tap_pattern, mirror_tap_pattern, probe_user_name

    user = probe_user_name(nonce)
    if trigger == "iam":
        return iam_tap_pattern(user)
    if trigger == "mirror":
        return mirror_tap_pattern(user)
    return None


def _stack(cloud: Cloud, slack: Any, options: E2eOptions, run_id: str, cleanup: Cleanup) -> Stack:
    if options.rule:
        return existing_stack(
            cloud, options.rule, topic=options.topic, configuration=options.configuration
        )
    from simulator.patterns import SEED_PATTERN

    team = _slack_team(slack)
    target = SlackTarget(team_id=team, channel_id=options.channel)
    holder: list[Stack] = []
    # Registered first: if deploy_stack is interrupted it tears its own partial stack down.
    cleanup.push(f"stack {run_id}", lambda: _teardown(cloud, holder))
    stack = deploy_stack(
        cloud,
        run_id=run_id,
        pattern=options.pattern or SEED_PATTERN,
        slack=target,
        role_arn=options.chatbot_role_arn,
    )
    holder.append(stack)
    return stack


def _teardown(cloud: Cloud, holder: Sequence[Stack]) -> None:
    for stack in holder:
        teardown_stack(cloud, stack)


def _slack_team(slack: Any) -> str:
    from slack_sdk.errors import SlackApiError

    try:
        return str(slack.auth_test()["team_id"])
    except SlackApiError as err:
        raise SlackError("auth.test", "", str(err.response.get("error", "error"))) from err


def _confirm(
    slack: Any, options: E2eOptions, markers: Sequence[str], oldest: float, progress: RunProgress
) -> SlackPost | None:
    """Poll the channel for a bot message carrying any of the run's markers.

    For the ``iam`` trigger these are the probe user's name and the new access key ID: Chatbot's
    CloudTrail card, or a user's own InputTransformer, may show only one of them.
    """
    from simulator.slack.confirm import confirm_delivery

    result = confirm_delivery(
        slack,
        options.channel,
        markers,
        oldest=oldest,
        deadline_s=options.timeout_s,
        poll_interval_s=options.poll_interval_s,
    )
    if not result.delivered or result.message is None:
        progress.seen = result.describe()
        return None
    message = result.message
    return SlackPost(
        channel=options.channel,
        ts=str(message.get("ts", "")),
        text=readable_text(message),
        bot_id=str(message.get("bot_id", "")),
        marker=result.matched or "",
    )


def _hop_of(err: SimulatorError) -> str:
    if isinstance(err, SlackError):
        return "slack"
    if isinstance(err, AwsError):
        return "trigger"
    return "setup"


def _settle(local: Any) -> None:
    """Offline, let in-flight deliveries land before deleting what they go to.

    On AWS a delivery racing the teardown just fails, and the local Chatbot counts it as a
    failed delivery too; settling first keeps such late failures out of the run's evidence.
    """
    if local is not None:
        local.wait_delivered(timeout=5.0)


def _chatbot_received(local: Any, message: SlackPost | None) -> float | None:
    """When the local Chatbot received the notification that became `message` (local only)."""
    chatbot = getattr(local, "chatbot", None)
    if chatbot is None or message is None:
        return None
    for delivery in chatbot.deliveries():
        if delivery.slack_ts == message.ts:
            return float(delivery.received_at)
    return None


def _diagnose(
    cloud: Cloud, slack: Any, stack: Stack, channel: str, local: Any
) -> tuple[Finding, ...]:
    from simulator.aws.doctor import diagnose_stack

    try:
        return tuple(diagnose_stack(cloud, slack, stack, channel, local=local))
    except SimulatorError as err:
        return (Finding("doctor", "warn", "", f"the doctor could not run: {err}"),)
