"""The doctor's discovery: from what the user named to the rule, topic, configuration, channel.

Given a rule by name, other regions are searched too, so a rule created in the wrong region is
found and named (delivery-path.md §2 item 1).  Without a rule, the first us-east-1 default-bus
rule whose pattern matches a CreateAccessKey event (EventBridge's TestEventPattern) is used.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from simulator.aws.doctor import DoctorContext, fail, ok
from simulator.aws.e2e_report import Finding
from simulator.aws.stack import PIPELINE_REGION
from simulator.aws.stack_lookup import find_configuration, parse_rule


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


# ---- discovery ------------------------------------------------------------------------------
def discover(ctx: DoctorContext) -> list[Finding]:
    """Find the rule, its targets, the topic, the Chatbot configuration and the channel."""
    ctx.account = _account(ctx)
    findings = _find_rule(ctx)
    if ctx.rule is not None:
        events = ctx.client("events", ctx.rule_region)
        bus = str(ctx.rule.get("EventBusName", "default"))
        ctx.targets = events.list_targets_by_rule(Rule=ctx.rule["Name"], EventBusName=bus)[
            "Targets"
        ]
    sns_targets = [str(t["Arn"]) for t in ctx.targets if ":sns:" in str(t["Arn"])]
    ctx.topic_arn = ctx.target.topic or (sns_targets[0] if sns_targets else None)
    if ctx.topic_arn:
        ctx.topic_attrs = topic_attributes(ctx, ctx.topic_arn)
    ctx.configuration = _configuration(ctx)
    ctx.channel = ctx.target.channel or (ctx.configuration or {}).get("SlackChannelId")
    return findings


def _account(ctx: DoctorContext) -> str | None:
    try:
        return str(ctx.client("sts").get_caller_identity()["Account"])
    except ClientError:
        return None


def topic_attributes(ctx: DoctorContext, topic_arn: str) -> dict[str, Any] | None:
    sns = ctx.client("sns", topic_arn.split(":")[3])
    try:
        return dict(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"])
    except ClientError as err:
        if _code(err) in ("NotFound", "NotFoundException", "InvalidParameter"):
            return None
        raise


def _configuration(ctx: DoctorContext) -> dict[str, Any] | None:
    from simulator.aws.stack_lookup import list_configurations

    if ctx.target.configuration:
        wanted = ctx.target.configuration
        for config in list_configurations(ctx.cloud):
            if wanted in (config.get("ChatConfigurationArn"), config.get("ConfigurationName")):
                return config
        return None
    return find_configuration(ctx.cloud, ctx.topic_arn) if ctx.topic_arn else None


def _find_rule(ctx: DoctorContext) -> list[Finding]:
    if ctx.target.rule:
        return _find_named_rule(ctx, ctx.target.rule)
    return _find_matching_rule(ctx)


def _find_named_rule(ctx: DoctorContext, spec: str) -> list[Finding]:
    name, region, bus = parse_rule(spec, PIPELINE_REGION)
    regions = [region] if spec.startswith("arn:") else [region, *_other_regions(ctx, region)]
    for candidate in regions:
        try:
            described = ctx.client("events", candidate).describe_rule(Name=name, EventBusName=bus)
        except ClientError as err:
            # Elsewhere than the named region, a region that refuses us (opt-in regions answer
            # UnrecognizedClientException) only means the rule is not found there.
            if _code(err) == "ResourceNotFoundException" or candidate != region:
                continue
            raise
        ctx.rule = dict(described, Region=candidate)
        return [ok("rule", "sns", f"found rule {name} in {candidate}", arn=described["Arn"])]
    return [
        fail(
            "rule",
            "sns",
            f"no rule named {name} on bus {bus} in {', '.join(regions[:3])}"
            + (" or any other region" if len(regions) > 1 else ""),
            "create the rule in us-east-1 on the default bus (or pass its ARN with --rule)",
            rule=spec,
        )
    ]


def _other_regions(ctx: DoctorContext, skip: str) -> list[str]:
    regions = ctx.cloud.session.get_available_regions("events")
    return [r for r in regions if r != skip]


def _find_matching_rule(ctx: DoctorContext) -> list[Finding]:
    """Without --rule: the first us-east-1 default-bus rule whose pattern matches the event."""
    from simulator.aws.pattern_api import test_event_pattern

    events = ctx.client("events", PIPELINE_REGION)
    event = canonical_event(ctx.account)
    matching: list[dict[str, Any]] = []
    for rule in _list_rules(events):
        if not rule.get("EventPattern"):
            continue
        if test_event_pattern(
            rule["EventPattern"],
            event,
            session=ctx.cloud.session,
            endpoint_url=ctx.cloud.endpoint_url,
        ):
            matching.append(rule)
    with_topic = [r for r in matching if _targets_topic(ctx, r)]
    candidates = with_topic or matching
    if not candidates:
        return [
            fail(
                "rule",
                "sns",
                "no rule on the us-east-1 default bus matches a CreateAccessKey event",
                "create one (or name yours with --rule; the doctor then says why it misses)",
                rules_examined=len(_list_rules(events)),
            )
        ]
    chosen = candidates[0]
    described = events.describe_rule(Name=chosen["Name"])
    ctx.rule = dict(described, Region=PIPELINE_REGION)
    others = [r["Name"] for r in matching if r is not chosen]
    return [ok("rule", "sns", f"using rule {chosen['Name']}", arn=chosen["Arn"], others=others)]


def _targets_topic(ctx: DoctorContext, rule: dict[str, Any]) -> bool:
    events = ctx.client("events", PIPELINE_REGION)
    targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    wanted = ctx.target.topic
    return any(":sns:" in t["Arn"] and (not wanted or t["Arn"] == wanted) for t in targets)


def _list_rules(events: Any) -> list[dict[str, Any]]:
    reply = events.list_rules(EventBusName="default")
    rules = list(reply.get("Rules", []))
    while reply.get("NextToken"):
        reply = events.list_rules(EventBusName="default", NextToken=reply["NextToken"])
        rules.extend(reply.get("Rules", []))
    return rules


def canonical_event(account: str | None) -> dict[str, Any]:
    """A realistic CreateAccessKey event as CloudTrail delivers it to us-east-1."""
    from simulator.events import create_access_key_event

    event: dict[str, Any] = create_access_key_event()
    if account:
        event["account"] = account
    event["region"] = PIPELINE_REGION
    return event
