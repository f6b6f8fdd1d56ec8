"""`trailsim doctor`: preflight checks for every silent failure mode of the alert path.

One check per failure mode of delivery-path.md §2, with the calls of §3.  Each check returns
`Finding`s (ok, warn or fail, with evidence and a fix); a check that cannot run (no permission,
a service the endpoint does not serve) is a warning that says so, never a crash.  The same code
runs against AWS and the local cloud: only the endpoint differs.  `local` (a LocalCloud) adds
the local counters AWS shows as metrics (failed invocations, Chatbot's unsupported events).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from simulator.aws.e2e_report import Finding
from simulator.aws.stack import PIPELINE_REGION, Cloud, Stack
from simulator.errors import SimulatorError

STATUSES = ("ok", "warn", "fail")


@dataclass(frozen=True)
class DoctorTarget:
    """What to examine; anything left out is discovered (rule -> topic -> configuration)."""

    rule: str | None = None
    topic: str | None = None
    channel: str | None = None
    configuration: str | None = None


@dataclass(frozen=True)
class DoctorReport:
    """All findings; `failed` is the verdict (exit 1)."""

    target: str
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> bool:
        return any(f.status == "fail" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for f in self.findings if f.status == s) for s in STATUSES}
        return {
            "ok": not self.failed,
            "target": self.target,
            "counts": counts,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class DoctorContext:
    """What the checks share: clients, the target, and what discovery found (cached)."""

    cloud: Cloud
    slack: Any  # slack_sdk WebClient, or None when no token is available
    target: DoctorTarget
    local: Any = None  # a LocalCloud, for its counters
    rule: dict[str, Any] | None = None  # describe_rule + "Region"
    targets: list[dict[str, Any]] = field(default_factory=list)
    topic_arn: str | None = None
    topic_attrs: dict[str, Any] | None = None
    configuration: dict[str, Any] | None = None
    channel: str | None = None
    account: str | None = None

    @property
    def rule_region(self) -> str:
        return str((self.rule or {}).get("Region", PIPELINE_REGION))

    def client(self, service: str, region: str | None = None) -> Any:
        return self.cloud.client(service, region)


Check = Callable[[DoctorContext], list[Finding]]


def run_doctor(
    cloud: Cloud, slack: Any, target: DoctorTarget, *, local: Any = None, label: str = ""
) -> DoctorReport:
    """Discover the pipeline from `target`, then run every check."""
    from simulator.aws import doctor_checks, doctor_delivery, doctor_discovery

    ctx = DoctorContext(cloud=cloud, slack=slack, target=target, local=local)
    findings = list(_guarded("discovery", "sns", doctor_discovery.discover, ctx))
    checks: list[tuple[str, str, Check]] = [
        *doctor_checks.CHECKS,
        *doctor_delivery.CHECKS,
    ]
    for name, hop, check in checks:
        findings.extend(_guarded(name, hop, check, ctx))
    return DoctorReport(target=label or _describe(cloud), findings=tuple(findings))


def diagnose_stack(
    cloud: Cloud, slack: Any, stack: Stack, channel: str, *, local: Any = None
) -> list[Finding]:
    """The doctor's findings for a stack an e2e run used (the evidence for its culprit)."""
    target = DoctorTarget(
        rule=stack.rule_arn,
        topic=stack.topic_arn or None,
        channel=channel,
        configuration=stack.configuration_arn,
    )
    return list(run_doctor(cloud, slack, target, local=local).findings)


def _describe(cloud: Cloud) -> str:
    return f"local cloud {cloud.endpoint_url}" if cloud.endpoint_url else f"AWS {cloud.region}"


def _guarded(name: str, hop: str, check: Check, ctx: DoctorContext) -> list[Finding]:
    """Run one check; if AWS or Slack refuses, say what could not be checked and why."""
    from slack_sdk.errors import SlackApiError

    try:
        return check(ctx)
    except ClientError as err:
        error = err.response.get("Error", {})
        detail = f"{error.get('Code', '?')}: {str(error.get('Message', ''))[:200]}"
    except SlackApiError as err:
        detail = f"Slack: {err.response.get('error', 'error')}"
    except (BotoCoreError, SimulatorError) as err:
        detail = str(err)[:200]
    return [
        Finding(
            name,
            "warn",
            hop,
            f"could not check: {detail}",
            fix="grant the read permission this check needs, or check by hand",
        )
    ]


def ok(check: str, hop: str, summary: str, **evidence: Any) -> Finding:
    return Finding(check, "ok", hop, summary, evidence)


def warn(check: str, hop: str, summary: str, fix: str, **evidence: Any) -> Finding:
    return Finding(check, "warn", hop, summary, evidence, fix)


def fail(check: str, hop: str, summary: str, fix: str, **evidence: Any) -> Finding:
    return Finding(check, "fail", hop, summary, evidence, fix)


def policy_statements(document: str | Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A policy's statements as a list (a single statement object is allowed by IAM)."""
    if not document:
        return []
    parsed = json.loads(document) if isinstance(document, str) else dict(document)
    statements = parsed.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def render_doctor_text(report: DoctorReport) -> str:
    """One line per finding, then evidence and fix for the ones that are not ok."""
    marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    lines = [f"trailsim doctor: {report.target}", ""]
    for finding in report.findings:
        lines.append(f"  [{marks[finding.status]}] {finding.check}: {finding.summary}")
        if finding.status != "ok":
            for key, value in finding.evidence.items():
                lines.append(f"           {key}: {_short(value)}")
            if finding.fix:
                lines.append(f"           fix: {finding.fix}")
    counts = report.to_dict()["counts"]
    lines += ["", f"{counts['fail']} fail, {counts['warn']} warn, {counts['ok']} ok"]
    return "\n".join(lines)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 300 else text[:297] + "..."
