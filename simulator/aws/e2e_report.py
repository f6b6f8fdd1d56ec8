"""The end-to-end run's report: frozen records, one JSON shape for `e2e --json` and `demo --json`.

Hops, in the order an alert travels (delivery-path.md §1)::

    trigger      the API call that starts the journey returned (iam:CreateAccessKey, ...)
    eventbridge  the event is on the us-east-1 default bus (seen by the SQS tap rule)
    sns          the rule's target published it to the topic (seen by the SQS tap subscription)
    chatbot      Chatbot took it (observable offline only; on AWS, only through metrics)
    slack        the message is in the channel (conversations.history)

Latencies are seconds from just before the triggering call.  A tap time is when SQS received
the copy: an upper bound for the hop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

HOPS = ("trigger", "eventbridge", "sns", "chatbot", "slack")
HOP_LABELS = {
    "trigger": "API call returned",
    "eventbridge": "event on the default bus (us-east-1)",
    "sns": "published to the SNS topic",
    "chatbot": "accepted by Chatbot",
    "slack": "message in the Slack channel",
}
# Hop statuses.
OBSERVED = "observed"
MISSING = "not-observed"
NOT_ON_PATH = "not-on-path"  # e.g. the sns trigger never touches EventBridge
UNOBSERVABLE = "not-observable"  # no way to see it from here (Chatbot on AWS)


@dataclass(frozen=True)
class Hop:
    """One hop of the journey: whether it was seen, when, and what showed it."""

    name: str
    status: str
    at: float | None = None  # epoch seconds
    latency_s: float | None = None  # seconds since the trigger started
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": HOP_LABELS.get(self.name, self.name),
            "status": self.status,
            "at": iso(self.at) if self.at is not None else None,
            "latency_s": round(self.latency_s, 3) if self.latency_s is not None else None,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Finding:
    """One doctor check's verdict: ok, warn or fail, with evidence and the fix.

    `hop` is the hop the alert cannot reach when this check fails (see HOPS).
    """

    check: str
    status: str  # "ok" | "warn" | "fail"
    hop: str
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "hop": self.hop,
            "summary": self.summary,
            "evidence": dict(self.evidence),
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Culprit:
    """The most likely place the alert was lost, and why trailsim thinks so."""

    hop: str
    reason: str
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "hop": self.hop,
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class SlackPost:
    """The message as posted: channel, ts, who posted it, its flattened text and the run marker
    it carried (the first of the run's markers found in it)."""

    channel: str
    ts: str
    text: str
    bot_id: str = ""
    marker: str = ""

    def to_dict(self) -> dict[str, Any]:
        keys = ("channel", "ts", "text", "bot_id", "marker")
        return {key: getattr(self, key) for key in keys}


@dataclass(frozen=True)
class E2eReport:
    """Everything one run learned; `delivered` is the verdict."""

    run_id: str
    trigger: str
    target: str  # where the calls went: "local cloud" or "AWS us-east-1 (profile x)"
    rule: str
    topic: str
    channel: str
    markers: tuple[str, ...]
    started_at: float
    delivered: bool
    hops: tuple[Hop, ...]
    message: SlackPost | None = None
    culprit: Culprit | None = None
    findings: tuple[Finding, ...] = ()
    error: str = ""
    cleaned: tuple[str, ...] = ()
    leftovers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def hop(self, name: str) -> Hop | None:
        return next((h for h in self.hops if h.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "run_id": self.run_id,
            "trigger": self.trigger,
            "target": self.target,
            "rule": self.rule,
            "topic": self.topic,
            "channel": self.channel,
            "markers": list(self.markers),
            "started_at": iso(self.started_at),
            "hops": [h.to_dict() for h in self.hops],
            "message": self.message.to_dict() if self.message else None,
            "culprit": self.culprit.to_dict() if self.culprit else None,
            "findings": [f.to_dict() for f in self.findings],
            "error": self.error or None,
            "cleanup": {"deleted": list(self.cleaned), "left": list(self.leftovers)},
            "notes": list(self.notes),
        }


def iso(epoch: float) -> str:
    """Epoch seconds as ISO 8601 UTC with milliseconds."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render_text(report: E2eReport) -> str:
    """The human report: each hop with its timing, then the Slack message text."""
    verdict = "DELIVERED" if report.delivered else "NOT DELIVERED"
    lines = [
        f"trailsim e2e run {report.run_id}: trigger {report.trigger} -> {verdict}",
        f"  target {report.target}; rule {report.rule or '-'}; topic {report.topic or '-'}",
        f"  marker {' or '.join(report.markers) or '-'} in channel {report.channel}",
        "",
        *(line for hop in report.hops for line in _hop_lines(hop)),
        *_message_lines(report.message),
    ]
    if report.error:
        lines += ["", f"error: {report.error}"]
    lines += _culprit_lines(report.culprit)
    lines += [f"note: {note}" for note in report.notes]
    cleaned = f"cleanup: deleted {len(report.cleaned)} resource(s)"
    if report.leftovers:
        cleaned += "; LEFT BEHIND: " + ", ".join(report.leftovers) + " (run 'trailsim sweep')"
    return "\n".join([*lines, "", cleaned])


def _hop_lines(hop: Hop) -> list[str]:
    timing = f"+{hop.latency_s:7.3f}s" if hop.latency_s is not None else " " * 9
    mark = {OBSERVED: "ok ", MISSING: "-- ", NOT_ON_PATH: "   "}.get(hop.status, " ? ")
    label = HOP_LABELS.get(hop.name, hop.name)
    lines = [f"  {mark}{timing}  {hop.name:<11} {label} ({hop.status})"]
    return lines + ([f"{'':24}{hop.evidence}"] if hop.evidence else [])


def _message_lines(message: SlackPost | None) -> list[str]:
    if message is None:
        return []
    found_by = f" (found by marker {message.marker})" if message.marker else ""
    return [
        "",
        f"Slack message as posted{found_by}:",
        *("  " + ln for ln in message.text.splitlines()),
    ]


def _culprit_lines(culprit: Culprit | None) -> list[str]:
    if culprit is None:
        return []
    lines = ["", f"most likely culprit: {culprit.hop}: {culprit.reason}"]
    for finding in culprit.findings:
        lines.append(f"  [{finding.status}] {finding.check}: {finding.summary}")
        if finding.fix:
            lines.append(f"         fix: {finding.fix}")
    return lines
