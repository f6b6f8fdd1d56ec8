"""From what a run observed to its report: hops with latencies, and the likely culprit.

Tap times are upper bounds (when SQS got its copy); the Slack message's ``ts`` is exact; the
culprit is the first hop not reached, with the doctor's failing findings for it as evidence.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.aws.e2e_report import (
    HOPS,
    MISSING,
    NOT_ON_PATH,
    OBSERVED,
    UNOBSERVABLE,
    Culprit,
    E2eReport,
    Finding,
    Hop,
    SlackPost,
)
from simulator.aws.e2e_tap import Tap, TapSighting
from simulator.aws.stack import Stack
from simulator.aws.triggers import Cleanup, TriggerResult

if TYPE_CHECKING:
    from simulator.aws.e2e import E2eOptions


@dataclass
class RunProgress:
    """What the run has learned so far (mutable while running; frozen into the report)."""

    run_id: str
    stack: Stack | None = None
    trigger: TriggerResult | None = None
    tap: Tap | None = None
    sightings: list[TapSighting] = field(default_factory=list)
    message: SlackPost | None = None
    failed_hop: str = ""
    error: str = ""
    seen: str = ""  # what the Slack poller read instead, on a miss
    chatbot_at: float | None = None  # local cloud only
    notes: list[str] = field(default_factory=list)


def readable_text(message: Mapping[str, Any]) -> str:
    """The message as a reader sees it: Block Kit blocks line by line, else its text."""
    lines: list[str] = []
    for block in message.get("blocks") or []:
        kind = block.get("type")
        if kind in ("header", "section") and isinstance(block.get("text"), Mapping):
            lines.append(str(block["text"].get("text", "")))
        if kind == "context":
            parts = [str(e.get("text", "")) for e in block.get("elements", []) if "text" in e]
            lines.append(" | ".join(parts))
        for item in block.get("fields") or []:
            label, _, value = str(item.get("text", "")).partition("\n")
            lines.append(f"{label.strip('*')}: {value}" if value else label)
    if not lines:
        lines.append(str(message.get("text", "")))
        for attachment in message.get("attachments") or []:
            lines.append(str(attachment.get("text") or attachment.get("fallback") or ""))
    return "\n".join(line for line in lines if line)


def build_report(
    options: E2eOptions, progress: RunProgress, cleanup: Cleanup, findings: tuple[Finding, ...]
) -> E2eReport:
    hops = _hops(options.trigger, progress)
    delivered = progress.message is not None
    stack = progress.stack
    trigger = progress.trigger
    culprit = None if delivered else _culprit(hops, progress, findings)
    return E2eReport(
        run_id=progress.run_id,
        trigger=options.trigger,
        target=options.target,
        rule=stack.rule_arn if stack else "",
        topic=stack.topic_arn if stack else "",
        channel=options.channel,
        markers=trigger.markers if trigger else (),
        started_at=trigger.started_at if trigger else time.time(),
        delivered=delivered,
        hops=hops,
        message=progress.message,
        culprit=culprit,
        findings=findings,
        error=progress.error,
        cleaned=tuple(cleanup.deleted),
        leftovers=tuple(f.resource for f in cleanup.failures),
        notes=tuple(progress.notes) + _trigger_notes(options.trigger),
    )


def _trigger_notes(trigger: str) -> tuple[str, ...]:
    if trigger == "mirror":
        return (
            "mirror: the event came from PutEvents with source trailsim.mirror, not CloudTrail; "
            "targets without an input transformer got a custom-notification transformer, since "
            "Chatbot drops events from non-AWS sources",
        )
    if trigger == "sns":
        return ("sns: published straight to the topic; EventBridge and the rule were not tested",)
    return ()


def _hops(trigger_name: str, progress: RunProgress) -> tuple[Hop, ...]:
    trigger = progress.trigger
    if trigger is None:
        return (Hop("trigger", MISSING, evidence=progress.error),)
    t0 = trigger.started_at
    hops = [
        Hop("trigger", OBSERVED, trigger.returned_at, trigger.returned_at - t0, trigger.operation)
    ]
    # The earliest marked sighting per hop; failing that, an unmarked notification (a target
    # with Input or a transformer that drops the marker) that came after the trigger.
    ranked = sorted(progress.sightings, key=lambda s: (s.marked, -s.at))
    seen = {s.hop: s for s in ranked if s.marked or s.at >= t0}
    hops += [_tap_hop(name, trigger_name, progress, seen.get(name), t0) for name in _TAPPED]
    if progress.message is not None:
        at = float(progress.message.ts)
        hops = _clamp(hops, min(at, progress.chatbot_at or at), t0)
    return tuple(hops + _delivery_hops(progress, t0))


_TAPPED = ("eventbridge", "sns")  # the hops the SQS tap watches


def _tap_hop(
    name: str, trigger_name: str, progress: RunProgress, sighting: TapSighting | None, t0: float
) -> Hop:
    if name == "eventbridge" and trigger_name == "sns":
        return Hop(name, NOT_ON_PATH)
    if progress.tap is None:
        return Hop(name, UNOBSERVABLE, evidence="tap disabled")
    if name == "sns" and progress.tap.subscription_arn is None:
        return Hop(name, UNOBSERVABLE, evidence="the topic does not exist")
    if sighting is None:
        return Hop(name, MISSING, evidence="the SQS tap saw nothing")
    how = "SQS tap (SentTimestamp)"
    if not sighting.marked:
        how += "; the notification lacks the run's marker: the target rewrites the event"
    return Hop(name, OBSERVED, sighting.at, max(sighting.at - t0, 0.0), how)


def _delivery_hops(progress: RunProgress, t0: float) -> list[Hop]:
    """Chatbot and Slack, both seen by the message (or not)."""
    message = progress.message
    if message is None:
        evidence = progress.error or progress.seen or "no message with the marker"
        return [
            Hop("chatbot", UNOBSERVABLE, evidence="Chatbot is seen only by its message"),
            Hop("slack", MISSING, evidence=evidence),
        ]
    at = float(message.ts)
    slack = Hop("slack", OBSERVED, at, max(at - t0, 0.0), f"ts {message.ts}")
    return [_chatbot_hop(progress.chatbot_at, t0), slack]


def _chatbot_hop(received_at: float | None, t0: float) -> Hop:
    if received_at is None:
        return Hop("chatbot", OBSERVED, evidence="inferred: its message reached Slack")
    latency = max(received_at - t0, 0.0)
    return Hop("chatbot", OBSERVED, received_at, latency, "local Chatbot received the notification")


def _clamp(hops: list[Hop], next_at: float, t0: float) -> list[Hop]:
    """A tap time is when SQS got its copy, an upper bound: never later than the next hop seen.

    SNS fans out to its subscribers one by one, so the tap's copy can land after Chatbot's.
    """
    clamped: list[Hop] = []
    later = next_at
    for hop in reversed(hops):
        if hop.at is not None and hop.name != "trigger" and hop.at > later:
            note = f"{hop.evidence}; the tap's copy came at +{hop.at - t0:.3f}s, after the next hop"
            hop = Hop(hop.name, hop.status, later, max(later - t0, 0.0), note)
        if hop.at is not None:
            later = min(later, hop.at)
        clamped.append(hop)
    return clamped[::-1]


def _culprit(
    hops: tuple[Hop, ...], progress: RunProgress, findings: tuple[Finding, ...]
) -> Culprit:
    """The first hop not reached; the doctor's failing findings for it are the evidence."""
    failing = [f for f in findings if f.status == "fail"]
    missing = next((h.name for h in hops if h.status == MISSING), None)
    if progress.failed_hop in ("setup", "trigger"):
        return Culprit(progress.failed_hop, progress.error or "the trigger did not complete")
    if progress.failed_hop == "slack" and progress.error:
        related = tuple(f for f in failing if f.hop == "slack")
        return Culprit("slack", f"trailsim could not read the channel: {progress.error}", related)
    if missing in ("eventbridge", "sns"):
        related = tuple(f for f in failing if f.hop == missing)
        where = "the default bus" if missing == "eventbridge" else "the SNS topic"
        return Culprit(missing, f"the event never reached {where}", related)
    # SNS got it (or could not be watched): blame the first hop with a failing finding.
    if failing:
        first = min(failing, key=lambda f: _hop_rank(f.hop))
        related = tuple(f for f in failing if f.hop == first.hop)
        return Culprit(first.hop, first.summary, related)
    if progress.error:
        return Culprit(progress.failed_hop or "slack", progress.error)
    return Culprit(
        "chatbot",
        "SNS published it but no message arrived and no check failed; on AWS, CloudTrail "
        "can be late: run again with a longer --timeout",
    )


def _hop_rank(hop: str) -> int:
    return HOPS.index(hop) if hop in HOPS else len(HOPS)
