"""The three honest ways to push a test event into the pipeline, each chosen explicitly.

- ``iam``: a tagged throwaway IAM user and an access key, then both deleted.  The only true
  end-to-end test: the event is CloudTrail's own.
- ``mirror``: a temporary rule copying the production pattern and targets with a custom source,
  fed by PutEvents (EventBridge refuses ``aws.*`` sources from PutEvents: delivery-path.md §5.4).
- ``sns``: a Chatbot custom notification published straight to the topic (tests SNS -> Slack).

Every resource is tagged ``trailsim:run=<run id>``; the caller's `Cleanup` deletes it on exit,
interruption included, and `trailsim sweep` finds what a killed run left.  The secret access key
CreateAccessKey returns is dropped at once: never stored, logged or printed.
"""

from __future__ import annotations

import copy
import json
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from botocore.exceptions import ClientError

from simulator.aws.stack import (
    NAME_PREFIX,
    PIPELINE_REGION,
    PROBE_USER_PREFIX,
    Cloud,
    Stack,
    aws_call,
    delete_rule,
    rule_description,
    run_tags,
)
from simulator.errors import AwsError, CleanupError, ConfigError

TRIGGERS = ("iam", "mirror", "sns")
MIRROR_SOURCE = "trailsim.mirror"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
StepHook = Callable[[str], None]


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives, so `finally` blocks clean up."""


class SignalGuard:
    """Turns SIGINT/SIGTERM into `Interrupted` in the main thread, except while cleaning up.

    A signal that arrives during a cleanup (or after the first one) is recorded instead, so a
    second Ctrl-C cannot abort the deletions; `raise_pending()` re-raises it afterwards.
    """

    def __init__(self) -> None:
        self.pending: list[int] = []
        self._fired = False
        self._deferring = 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self._fired or self._deferring:
            self.pending.append(signum)
            return
        self._fired = True
        raise Interrupted(f"interrupted by signal {signum}")

    @contextmanager
    def deferred(self) -> Iterator[None]:
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1

    def raise_pending(self) -> None:
        if self.pending and not self._fired:
            self._fired = True
            raise Interrupted(f"interrupted by signal {self.pending[0]}")


@contextmanager
def signals_interrupt() -> Iterator[SignalGuard]:
    """Install a SignalGuard for SIGINT and SIGTERM (main thread only) and restore on exit."""
    guard = SignalGuard()
    if threading.current_thread() is not threading.main_thread():
        yield guard
        return
    previous = {sig: signal.signal(sig, guard.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield guard
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass
class Cleanup:
    """Deletions registered before resources are created, run newest first; failures are kept.

    Each deletion is idempotent (an absent resource is fine), so registering before creating
    leaves no window in which an interrupted run forgets a resource.
    """

    guard: SignalGuard | None = None
    actions: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failures: list[CleanupError] = field(default_factory=list)

    def push(self, resource: str, delete: Callable[[], None]) -> None:
        self.actions.append((resource, delete))

    def run(self) -> None:
        with self.guard.deferred() if self.guard else _nothing():
            while self.actions:
                resource, delete = self.actions.pop()
                try:
                    delete()
                    if resource not in self.deleted:
                        self.deleted.append(resource)
                except (AwsError, ClientError) as err:
                    self.failures.append(CleanupError(resource, str(err)))


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@dataclass(frozen=True)
class TriggerResult:
    """What a trigger did: the markers the Slack message must show, and when the call returned."""

    trigger: str
    operation: str  # the API call that starts the journey, e.g. "iam:CreateAccessKey"
    markers: tuple[str, ...]  # the first is the run's nonce-bearing name
    started_at: float  # epoch seconds just before the call
    returned_at: float  # epoch seconds when the call returned
    tap_pattern: Mapping[str, Any] | None  # matches this event on the bus; None: not on the bus
    details: Mapping[str, str] = field(default_factory=dict)  # ids only, never a secret


def fire_trigger(
    name: str,
    cloud: Cloud,
    stack: Stack,
    *,
    run_id: str,
    nonce: str,
    cleanup: Cleanup,
    on_step: StepHook | None = None,
) -> TriggerResult:
    """Run one trigger; resources it leaves for later (the mirror rule) go on `cleanup`."""
    step = on_step or (lambda _step: None)
    if name == "iam":
        return fire_iam(cloud, run_id=run_id, nonce=nonce, cleanup=cleanup, on_step=step)
    if name == "mirror":
        return fire_mirror(cloud, stack, run_id=run_id, nonce=nonce, cleanup=cleanup, on_step=step)
    if name == "sns":
        return fire_sns(cloud, stack, nonce=nonce, on_step=step)
    raise ConfigError("--trigger", name, "one of " + ", ".join(TRIGGERS))


def probe_user_name(nonce: str) -> str:
    return f"{PROBE_USER_PREFIX}{nonce}"


def fire_iam(
    cloud: Cloud, *, run_id: str, nonce: str, cleanup: Cleanup, on_step: StepHook
) -> TriggerResult:
    """Create a tagged user and an access key for it, then delete both (in `finally`).

    The deletion is also registered on `cleanup` first: if a signal lands inside this `finally`,
    the run's deferred cleanup still removes the user and its keys.
    """
    iam = cloud.client("iam")
    user = probe_user_name(nonce)
    cleanup.push(f"iam user {user}", lambda: delete_probe_user(cloud, user))
    aws_call("iam:CreateUser", iam.create_user, UserName=user, Tags=run_tags(run_id))
    try:
        on_step("user-created")
        started = time.time()
        key_id = _create_access_key(iam, user)
        returned = time.time()
        on_step("access-key-created")
    finally:
        delete_probe_user(cloud, user)
    on_step("user-deleted")
    return TriggerResult(
        trigger="iam",
        operation="iam:CreateAccessKey",
        markers=(user, key_id),
        started_at=started,
        returned_at=returned,
        tap_pattern=iam_tap_pattern(user),
        details={"user": user, "accessKeyId": key_id},
    )


def _create_access_key(iam: Any, user: str) -> str:
    """Create an access key for `user` and return its ID; the secret is dropped at once."""
    reply = aws_call("iam:CreateAccessKey", iam.create_access_key, UserName=user)
    key_id = str(reply["AccessKey"]["AccessKeyId"])
    reply["AccessKey"].pop("SecretAccessKey", None)  # never kept, logged or printed
    return key_id


def iam_tap_pattern(user: str) -> dict[str, Any]:
    """Matches this run's CreateAccessKey event and nothing else."""
    return {
        "source": ["aws.iam"],
        "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
        "detail": {"eventName": ["CreateAccessKey"], "requestParameters": {"userName": [user]}},
    }


def delete_probe_user(cloud: Cloud, user: str) -> None:
    """Delete every access key of `user`, then the user; absent is fine (idempotent)."""
    iam = cloud.client("iam")
    try:
        keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return
        raise
    for key in keys:
        aws_call(
            "iam:DeleteAccessKey",
            iam.delete_access_key,
            UserName=user,
            AccessKeyId=key["AccessKeyId"],
        )
    aws_call("iam:DeleteUser", iam.delete_user, UserName=user)


def mirror_pattern(pattern: Mapping[str, Any]) -> dict[str, Any]:
    """The production pattern with its `source` replaced by trailsim's custom source."""
    mirrored = copy.deepcopy(dict(pattern))
    mirrored["source"] = [MIRROR_SOURCE]
    return mirrored


def mirror_detail(nonce: str) -> dict[str, Any]:
    """A realistic CreateAccessKey `detail` whose target user carries the nonce."""
    from simulator.events import create_access_key_event

    detail: dict[str, Any] = copy.deepcopy(create_access_key_event()["detail"])
    user = probe_user_name(nonce)
    detail.setdefault("requestParameters", {})["userName"] = user
    response = detail.get("responseElements") or {}
    if isinstance(response.get("accessKey"), dict):
        response["accessKey"]["userName"] = user
    return detail


def fire_mirror(
    cloud: Cloud,
    stack: Stack,
    *,
    run_id: str,
    nonce: str,
    cleanup: Cleanup,
    on_step: StepHook,
) -> TriggerResult:
    """A temporary copy of the rule (custom source, same targets), fed one PutEvents entry.

    The copy stays until the run's cleanup: EventBridge matches asynchronously, so deleting it
    right after PutEvents could drop the event before it is matched.
    """
    events = cloud.client("events", stack.region)
    name = _create_mirror_rule(cloud, stack, run_id, cleanup)
    on_step("mirror-rule-created")
    started = time.time()
    reply = aws_call("events:PutEvents", events.put_events, Entries=[mirror_entry(nonce)])
    returned = time.time()
    _raise_failed_entry(reply)
    on_step("event-put")
    user = probe_user_name(nonce)
    return TriggerResult(
        trigger="mirror",
        operation="events:PutEvents",
        markers=(user,),
        started_at=started,
        returned_at=returned,
        tap_pattern=mirror_tap_pattern(user),
        details={"mirrorRule": name, "eventId": str(reply["Entries"][0].get("EventId", ""))},
    )


def mirror_entry(nonce: str) -> dict[str, str]:
    """The PutEvents entry: the mirrored CreateAccessKey event on the default bus."""
    return {
        "Source": MIRROR_SOURCE,
        "DetailType": CLOUDTRAIL_DETAIL_TYPE,
        "Detail": json.dumps(mirror_detail(nonce)),
        "EventBusName": "default",
    }


def mirror_tap_pattern(user: str) -> dict[str, Any]:
    """Matches this run's mirrored event and nothing else."""
    return {"source": [MIRROR_SOURCE], "detail": {"requestParameters": {"userName": [user]}}}


def _create_mirror_rule(cloud: Cloud, stack: Stack, run_id: str, cleanup: Cleanup) -> str:
    events = cloud.client("events", stack.region)
    described = aws_call("events:DescribeRule", events.describe_rule, Name=stack.rule_name)
    pattern = mirror_pattern(json.loads(described["EventPattern"]))
    targets = events.list_targets_by_rule(Rule=stack.rule_name)["Targets"]
    name = f"{NAME_PREFIX}{run_id}-mirror"
    cleanup.push(f"rule {name}", lambda: delete_rule(cloud, name, stack.region))
    aws_call(
        "events:PutRule",
        events.put_rule,
        Name=name,
        EventPattern=json.dumps(pattern),
        State="ENABLED",
        Description=rule_description(run_id, f"mirror of {stack.rule_name}"),
        Tags=run_tags(run_id),
    )
    if targets:
        copies = [mirror_target(t) for t in targets]
        aws_call("events:PutTargets", events.put_targets, Rule=name, Targets=copies)
    return name


def mirror_target(target: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a production target for the mirror rule.

    Chatbot drops EventBridge events from non-AWS sources (slack/render.py, delivery-path.md
    §1.4), so a target that passes the raw event gets a custom-notification transformer;
    targets with their own Input, InputPath or InputTransformer keep it.
    """
    from simulator.slack import chatbot_input_transformer

    copied = dict(target)
    if not any(k in copied for k in ("Input", "InputPath", "InputTransformer")):
        copied["InputTransformer"] = chatbot_input_transformer()
    return copied


def _raise_failed_entry(reply: Mapping[str, Any]) -> None:
    if not reply.get("FailedEntryCount"):
        return
    entry = next(e for e in reply["Entries"] if e.get("ErrorCode"))
    raise AwsError("events:PutEvents", str(entry["ErrorCode"]), str(entry.get("ErrorMessage", "")))


def custom_notification(nonce: str) -> dict[str, Any]:
    """A Chatbot custom notification (delivery-path.md §1.4) carrying the nonce."""
    marker = f"trailsim-{nonce}"
    return {
        "version": "1.0",
        "source": "custom",
        "id": marker,
        "content": {
            "textType": "client-markdown",
            "title": f":white_check_mark: trailsim test notification {marker}",
            "description": f"Sent by `trailsim e2e --trigger sns` (run marker {marker}).",
        },
        "metadata": {"summary": f"trailsim {marker}", "eventType": "TrailsimTest"},
    }


def fire_sns(cloud: Cloud, stack: Stack, *, nonce: str, on_step: StepHook) -> TriggerResult:
    """Publish a custom notification straight to the topic: EventBridge is not on this path."""
    if not stack.topic_arn:
        raise ConfigError("--rule", stack.rule_name, "a rule with an SNS topic target")
    sns = cloud.client("sns", stack.topic_arn.split(":")[3] or PIPELINE_REGION)
    notification = custom_notification(nonce)
    started = time.time()
    reply = aws_call(
        "sns:Publish", sns.publish, TopicArn=stack.topic_arn, Message=json.dumps(notification)
    )
    returned = time.time()
    on_step("published")
    return TriggerResult(
        trigger="sns",
        operation="sns:Publish",
        markers=(str(notification["id"]),),
        started_at=started,
        returned_at=returned,
        tap_pattern=None,
        details={"messageId": str(reply.get("MessageId", ""))},
    )
