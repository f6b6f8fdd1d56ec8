"""The doctor's EventBridge and CloudTrail checks (delivery-path.md §2 items 1-6, 10, 22).

Hop names say where the alert stops when a check fails: a missing trail stops it before the
bus ("eventbridge"); a wrong rule, target or topic stops it before SNS ("sns").
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import ClientError

from simulator.aws.doctor import DoctorContext, fail, ok, warn
from simulator.aws.doctor_discovery import canonical_event, topic_attributes
from simulator.aws.e2e_report import Finding
from simulator.aws.stack import PIPELINE_REGION
from simulator.events.trail_selectors import selects_management_writes

READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup")


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


# ---- the rule -------------------------------------------------------------------------------
def check_region(ctx: DoctorContext) -> list[Finding]:
    if ctx.rule is None:
        return []
    if ctx.rule_region == PIPELINE_REGION:
        return [ok("rule-region", "sns", "the rule is in us-east-1, where IAM's events arrive")]
    return [
        fail(
            "rule-region",
            "sns",
            f"the rule is in {ctx.rule_region}: IAM's CloudTrail events reach only us-east-1",
            "recreate the rule (and its topic) in us-east-1, or forward us-east-1's default bus "
            "to this region with a bus target",
            rule_arn=ctx.rule["Arn"],
        )
    ]


def check_bus(ctx: DoctorContext) -> list[Finding]:
    if ctx.rule is None:
        return []
    bus = str(ctx.rule.get("EventBusName", "default"))
    if bus == "default":
        return [ok("rule-bus", "sns", "the rule is on the default event bus")]
    return [
        fail(
            "rule-bus",
            "sns",
            f"the rule is on bus {bus!r}: CloudTrail events reach only the default bus",
            "move the rule to the default bus, or add a default-bus rule forwarding to this bus",
            event_bus=bus,
        )
    ]


def check_state(ctx: DoctorContext) -> list[Finding]:
    if ctx.rule is None:
        return []
    state = str(ctx.rule.get("State", "?"))
    if state.startswith("ENABLED"):
        return [ok("rule-state", "sns", f"the rule is {state}")]
    return [
        fail(
            "rule-state",
            "sns",
            f"the rule is {state}: it delivers nothing",
            f"aws events enable-rule --name {ctx.rule['Name']} --region {ctx.rule_region}",
            state=state,
        )
    ]


def check_pattern(ctx: DoctorContext) -> list[Finding]:
    """TestEventPattern with a generated CreateAccessKey event; trailsim's explain() says why."""
    from simulator.aws.pattern_api import test_event_pattern
    from simulator.errors import PatternError

    if ctx.rule is None or not ctx.rule.get("EventPattern"):
        return []
    pattern, event = str(ctx.rule["EventPattern"]), canonical_event(ctx.account)
    try:
        matched = test_event_pattern(
            pattern, event, session=ctx.cloud.session, endpoint_url=ctx.cloud.endpoint_url
        )
    except PatternError as err:
        return [fail("pattern-matches", "sns", str(err), "fix the pattern", pattern=pattern)]
    if matched:
        return [ok("pattern-matches", "sns", "TestEventPattern: a CreateAccessKey event matches")]
    return [
        fail(
            "pattern-matches",
            "sns",
            "TestEventPattern: a CreateAccessKey event does NOT match the rule's pattern",
            "fix the first differing field (values are case-sensitive and must sit in arrays)",
            pattern=json.loads(pattern),
            mismatches=_explain(pattern, event),
        )
    ]


def _explain(pattern: str, event: dict[str, Any]) -> list[str]:
    from simulator.patterns import compile_pattern

    try:
        mismatches = compile_pattern(pattern).explain(event)
    except Exception as err:  # explain is evidence only; AWS's verdict above stands
        return [f"(trailsim could not explain: {err})"]
    return [f"{m.path}: {m.operator} {m.expected!r}, event has {m.actual!r}" for m in mismatches]


def check_read_only(ctx: DoctorContext) -> list[Finding]:
    """Read-only calls never reach an ENABLED rule (delivery-path.md §2 item 22)."""
    if ctx.rule is None or not ctx.rule.get("EventPattern"):
        return []
    names = json.loads(ctx.rule["EventPattern"]).get("detail", {}).get("eventName", [])
    reads = [n for n in names if isinstance(n, str) and n.startswith(READ_ONLY_PREFIXES)]
    if not reads or ctx.rule.get("State") == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
        return []
    return [
        warn(
            "read-only-events",
            "sns",
            f"the pattern lists read-only calls {reads}: an ENABLED rule never receives them",
            "set the rule state to ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
            event_names=reads,
        )
    ]


# ---- CloudTrail -----------------------------------------------------------------------------
def check_trail(ctx: DoctorContext) -> list[Finding]:
    """A logging trail covering us-east-1 and IAM's write management events (§2 item 5)."""
    cloudtrail = ctx.client("cloudtrail", PIPELINE_REGION)
    trails = cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]
    seen: list[dict[str, Any]] = []
    for trail in trails:
        verdict = _trail_verdict(cloudtrail, trail)
        seen.append({"name": trail.get("Name"), "verdict": verdict})
        if verdict == "ok":
            return [ok("cloudtrail-trail", "eventbridge", f"trail {trail['Name']} logs IAM writes")]
    fix = (
        "create a trail (multi-region, or in us-east-1 with global service events), "
        "start logging, and keep management write events selected"
    )
    summary = "no trail is logging IAM's write management events in us-east-1"
    return [fail("cloudtrail-trail", "eventbridge", summary, fix, trails=seen)]


def _trail_verdict(cloudtrail: Any, trail: dict[str, Any]) -> str:
    arn = trail.get("TrailARN") or trail["Name"]
    covers = trail.get("IsMultiRegionTrail") or trail.get("HomeRegion") == PIPELINE_REGION
    if not covers:
        return f"home region {trail.get('HomeRegion')} and not multi-region"
    if trail.get("IncludeGlobalServiceEvents") is False:
        return "IncludeGlobalServiceEvents is false: IAM is a global service"
    status = cloudtrail.get_trail_status(Name=arn)
    if not status.get("IsLogging"):
        return "logging is stopped"
    selectors = cloudtrail.get_event_selectors(TrailName=arn)
    if not selects_management_writes(selectors):
        return "its event selectors exclude management write events"
    return "ok"


# ---- targets, failures and the DLQ -----------------------------------------------------------
def check_target(ctx: DoctorContext) -> list[Finding]:
    """An SNS target that exists in the rule's region (§2 item 6)."""
    if ctx.rule is None:
        return []
    fix = f"aws events put-targets --rule {ctx.rule['Name']} --targets Id=sns,Arn=<topic ARN>"
    topics = [t for t in ctx.targets if ":sns:" in str(t["Arn"])]
    if not topics:
        targets = [t["Arn"] for t in ctx.targets]
        return [
            fail("rule-target", "sns", "the rule has no SNS topic target", fix, targets=targets)
        ]
    arn = str(topics[0]["Arn"])
    region = arn.split(":")[3]
    if region != ctx.rule_region:
        summary = f"the topic is in {region}, the rule in {ctx.rule_region}"
        return [fail("rule-target", "sns", summary, fix, target=arn)]
    if topic_attributes(ctx, arn) is None:
        return [fail("rule-target", "sns", f"the target topic {arn} does not exist", fix)]
    return [ok("rule-target", "sns", f"the rule targets {arn}")]


def check_failures(ctx: DoctorContext) -> list[Finding]:
    """FailedInvocations in the last 24 h, and whether a DLQ would keep what failed (§2 item 10)."""
    if ctx.rule is None:
        return []
    name, findings = str(ctx.rule["Name"]), []
    failed = metric_sum(ctx, "AWS/Events", "FailedInvocations", "RuleName", name)
    local = _local_failures(ctx)
    if failed or local:
        findings.append(
            fail(
                "failed-invocations",
                "sns",
                f"EventBridge failed to invoke the target {int(failed or 0) + len(local)} time(s)",
                "check the topic policy and encryption findings; add a DLQ to see each error",
                metric_sum_24h=failed,
                local_failures=local[:5],
            )
        )
    else:
        findings.append(ok("failed-invocations", "sns", "no failed invocations in the last 24 h"))
    without_dlq = [t["Id"] for t in ctx.targets if not t.get("DeadLetterConfig")]
    if without_dlq:
        findings.append(
            warn(
                "dead-letter-queue",
                "sns",
                "targets without a dead-letter queue: failed events vanish after retries",
                "add an SQS DLQ in the same region (policy: events.amazonaws.com sqs:SendMessage)",
                targets=without_dlq,
            )
        )
    return findings


def _local_failures(ctx: DoctorContext) -> list[str]:
    dispatcher = getattr(ctx.local, "dispatcher", None) if ctx.local is not None else None
    if dispatcher is None or ctx.rule is None:
        return []
    arn = ctx.rule["Arn"]
    return [f.error for f in list(dispatcher.failed_invocations) if f.rule_arn == arn]


def metric_sum(
    ctx: DoctorContext, namespace: str, metric: str, dimension: str, value: str
) -> float | None:
    """Sum of a metric over the last 24 h in us-east-1 (None: no datapoints)."""
    end = datetime.now(timezone.utc)
    reply = ctx.client("cloudwatch", PIPELINE_REGION).get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": metric,
                        "Dimensions": [{"Name": dimension, "Value": value}],
                    },
                    "Period": 86400,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=end - timedelta(days=1),
        EndTime=end,
    )
    values = [v for r in reply.get("MetricDataResults", []) for v in r.get("Values", [])]
    return float(sum(values)) if values else None


CHECKS = [
    ("rule-region", "sns", check_region),
    ("rule-bus", "sns", check_bus),
    ("rule-state", "sns", check_state),
    ("pattern-matches", "sns", check_pattern),
    ("read-only-events", "sns", check_read_only),
    ("cloudtrail-trail", "eventbridge", check_trail),
    ("rule-target", "sns", check_target),
    ("failed-invocations", "sns", check_failures),
]
