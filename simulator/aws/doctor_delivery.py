"""The doctor's SNS, KMS, Chatbot and Slack checks (delivery-path.md §2 items 7-9, 11-20, 23)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from simulator.aws.doctor import DoctorContext, fail, ok, policy_statements, warn
from simulator.aws.doctor_checks import metric_sum
from simulator.aws.e2e_report import Finding
from simulator.aws.stack import CHATBOT_API_REGION
from simulator.policies import ServiceRequest, evaluate

EVENTS_PRINCIPAL = "events.amazonaws.com"
CHATBOT_HOST = "global.sns-api.chatbot.amazonaws.com"
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


# ---- the topic policy (item 7) ---------------------------------------------------------------
def check_topic_policy(ctx: DoctorContext) -> list[Finding]:
    if not ctx.topic_arn or ctx.topic_attrs is None:
        return []
    fix = (
        f"add to the topic policy: Allow Principal {{Service: {EVENTS_PRINCIPAL}}} "
        f"Action sns:Publish Resource {ctx.topic_arn} (the console adds it; put_targets does not)"
    )
    request = ServiceRequest("sns:Publish", ctx.topic_arn, _rule_arn(ctx), ctx.account or "")
    decision = evaluate(ctx.topic_attrs.get("Policy"), request)
    if not decision.allowed:
        statements = policy_statements(ctx.topic_attrs.get("Policy"))
        summary = f"the topic policy does not let EventBridge publish: {decision.reason}"
        return [fail("topic-policy", "sns", summary, fix, statements=statements)]
    return [
        ok("topic-policy", "sns", f"the topic policy lets EventBridge publish ({decision.reason})")
    ]


def _rule_arn(ctx: DoctorContext) -> str:
    return str((ctx.rule or {}).get("Arn", ""))


# ---- encryption (items 8-9) ------------------------------------------------------------------
def check_encryption(ctx: DoctorContext) -> list[Finding]:
    if not ctx.topic_arn or ctx.topic_attrs is None:
        return []
    key = ctx.topic_attrs.get("KmsMasterKeyId")
    if not key:
        return [ok("topic-encryption", "sns", "the topic is not encrypted")]
    fix_managed = "use a customer managed key whose policy allows events.amazonaws.com"
    if key == AWS_MANAGED_SNS_KEY:
        summary = "the topic uses the AWS managed key alias/aws/sns, which EventBridge cannot use"
        return [fail("topic-encryption", "sns", summary, fix_managed, key=key)]
    kms = ctx.client("kms", ctx.topic_arn.split(":")[3])
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    if meta.get("KeyManager") == "AWS":
        summary = f"the topic uses an AWS managed key ({key}), which EventBridge cannot use"
        return [fail("topic-encryption", "sns", summary, fix_managed, key=key)]
    if meta.get("KeyState") != "Enabled":
        summary = f"the topic's KMS key is {meta.get('KeyState')}"
        return [fail("topic-encryption", "sns", summary, "enable the key", key=key)]
    policy = kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"]
    if not _key_allows_events(policy, str(meta.get("Arn", key)), ctx):
        summary = "the topic's KMS key policy does not let EventBridge use the key"
        fix = "allow events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt in the key policy"
        return [fail("topic-encryption", "sns", summary, fix, key=key)]
    return [ok("topic-encryption", "sns", "the topic's customer managed key allows EventBridge")]


def _key_allows_events(policy: str, key_arn: str, ctx: DoctorContext) -> bool:
    account = ctx.account or ""
    requests = [ServiceRequest(a, key_arn, _rule_arn(ctx), account) for a in KMS_ACTIONS]
    return all(evaluate(policy, r).allowed for r in requests)


# ---- the Chatbot subscription (items 11-13) ---------------------------------------------------
def check_subscription(ctx: DoctorContext) -> list[Finding]:
    if not ctx.topic_arn or ctx.topic_attrs is None:
        return []
    sns = ctx.client("sns", ctx.topic_arn.split(":")[3])
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=ctx.topic_arn)
    subs = [s for page in pages for s in page["Subscriptions"] if _is_chatbot(ctx, s)]
    fix = "re-attach the topic in the Chatbot configuration (Chatbot subscribes it itself)"
    if not subs:
        summary = "the topic has no subscription to Chatbot's endpoint"
        return [fail("chatbot-subscription", "chatbot", summary, fix, endpoint=CHATBOT_HOST)]
    sub = subs[0]
    if not str(sub["SubscriptionArn"]).startswith("arn:"):
        summary = f"the Chatbot subscription is {sub['SubscriptionArn']}"
        return [fail("chatbot-subscription", "chatbot", summary, fix)]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
    subscribed = ok("chatbot-subscription", "chatbot", "the topic is subscribed by Chatbot")
    return [subscribed, *_subscription_attributes(attrs)]


def _is_chatbot(ctx: DoctorContext, sub: dict[str, Any]) -> bool:
    endpoint = str(sub.get("Endpoint", ""))
    if sub.get("Protocol") == "https" and CHATBOT_HOST in endpoint:
        return True
    # The local Chatbot is subscribed at <endpoint>/_chatbot/ (local/chatbot.py).
    local = ctx.cloud.endpoint_url
    return bool(local) and endpoint.startswith(f"{local}/_chatbot/")


def _subscription_attributes(attrs: dict[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    if str(attrs.get("RawMessageDelivery", "false")).lower() == "true":
        summary = "raw message delivery is on: Chatbot needs the SNS envelope and drops the rest"
        fix = "set the subscription attribute RawMessageDelivery to false"
        findings.append(fail("raw-delivery", "slack", summary, fix))
    policy = attrs.get("FilterPolicy")
    if policy:
        scope = attrs.get("FilterPolicyScope", "MessageAttributes")
        status = fail if scope == "MessageAttributes" else warn
        summary = (
            "a MessageAttributes filter policy drops every EventBridge message (they carry none)"
            if scope == "MessageAttributes"
            else "a MessageBody filter policy must match the event, or the message is dropped"
        )
        findings.append(
            status(
                "filter-policy", "chatbot", summary, "remove or fix it", policy=json.loads(policy)
            )
        )
    return findings


# ---- Chatbot (items 14-16, 19, 23) -------------------------------------------------------------
def check_configuration(ctx: DoctorContext) -> list[Finding]:
    if ctx.configuration is None and not (ctx.topic_arn or ctx.target.configuration):
        return []  # no topic to look for: the rule and target findings say why
    if ctx.configuration is None:
        summary = f"no Chatbot Slack configuration subscribes {ctx.topic_arn or 'the topic'}"
        fix = "add the topic to the Slack channel's Chatbot configuration"
        return [fail("chatbot-configuration", "chatbot", summary, fix, topic=ctx.topic_arn)]
    config, findings = ctx.configuration, []
    name = str(config.get("ConfigurationName"))
    if config.get("State", "ENABLED") != "ENABLED":
        summary = f"configuration {name} is {config.get('State')}: {config.get('StateReason', '')}"
        fix = "an organization Chatbot policy disables it: change the policy"
        findings.append(fail("chatbot-configuration", "slack", summary, fix))
    wanted = ctx.target.channel
    if wanted and config.get("SlackChannelId") != wanted:
        summary = f"configuration {name} posts to {config.get('SlackChannelId')}, not {wanted}"
        findings.append(fail("chatbot-channel", "slack", summary, "update the configuration"))
    if not findings:
        summary = f"configuration {name} is enabled and posts to {config.get('SlackChannelId')}"
        findings.append(ok("chatbot-configuration", "chatbot", summary))
    return findings + _workspace(ctx, config)


def _workspace(ctx: DoctorContext, config: dict[str, Any]) -> list[Finding]:
    chatbot = ctx.client("chatbot", CHATBOT_API_REGION)
    spaces = chatbot.describe_slack_workspaces().get("SlackWorkspaces", [])
    team = config.get("SlackTeamId")
    space = next((s for s in spaces if s.get("SlackTeamId") == team), None)
    fix = "re-authorise the Slack workspace in the Chatbot console"
    if space is None:
        return [fail("slack-workspace", "slack", f"workspace {team} is not authorised", fix)]
    if space.get("State", "ENABLED") != "ENABLED":
        summary = f"workspace {team} is {space.get('State')}: {space.get('StateReason', '')}"
        return [fail("slack-workspace", "slack", summary, fix)]
    return [ok("slack-workspace", "slack", f"workspace {team} is authorised")]


def check_chatbot_health(ctx: DoctorContext) -> list[Finding]:
    """AWS/Chatbot metrics (or the local Chatbot's counters): unsupported, throttled, failed."""
    if ctx.configuration is None:
        return []
    name = str(ctx.configuration.get("ConfigurationName"))
    counts = {
        metric: metric_sum(ctx, "AWS/Chatbot", metric, "ConfigurationName", name)
        for metric in ("UnsupportedEvents", "EventsThrottled", "MessageDeliveryFailure")
    }
    reasons = _local_chatbot(ctx, name, counts)
    findings: list[Finding] = []
    if counts["UnsupportedEvents"]:
        summary = f"Chatbot dropped {int(counts['UnsupportedEvents'])} unsupported message(s)"
        fix = "send the unmodified event or a valid custom notification (delivery-path.md §1.6)"
        findings.append(fail("chatbot-unsupported", "slack", summary, fix, **reasons))
    if counts["EventsThrottled"]:
        summary = f"Chatbot throttled {int(counts['EventsThrottled'])} event(s) (over 10/s)"
        findings.append(warn("chatbot-throttled", "slack", summary, "aggregate or rate-limit"))
    if counts["MessageDeliveryFailure"]:
        summary = f"Chatbot failed to post {int(counts['MessageDeliveryFailure'])} message(s)"
        fix = "see the Slack channel findings (archived, private without the app, app removed)"
        findings.append(fail("chatbot-delivery", "slack", summary, fix, **reasons))
    return findings or [ok("chatbot-health", "slack", "no unsupported, throttled or failed posts")]


def _local_chatbot(
    ctx: DoctorContext, name: str, counts: dict[str, float | None]
) -> dict[str, str]:
    chatbot = getattr(ctx.local, "chatbot", None) if ctx.local is not None else None
    if chatbot is None:
        return {}
    try:
        local = chatbot.counters(name)
    except Exception:  # the configuration may be gone already
        return {}
    counts["UnsupportedEvents"] = (counts["UnsupportedEvents"] or 0) + local.unsupported
    counts["MessageDeliveryFailure"] = (counts["MessageDeliveryFailure"] or 0) + local.failed
    return {
        "last_unsupported_reason": local.last_unsupported_reason,
        "last_failure_reason": local.last_failure_reason,
    }


def check_chatbot_role(ctx: DoctorContext) -> list[Finding]:
    """Whether a broken role silences notifications is unconfirmed: warn only (§2 item 23)."""
    if ctx.configuration is None or not ctx.configuration.get("IamRoleArn"):
        return []
    role = str(ctx.configuration["IamRoleArn"]).rsplit("/", 1)[-1]
    try:
        trust = ctx.client("iam").get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        return [warn("chatbot-role", "slack", f"the Chatbot role {role} does not exist", "fix it")]
    trust_text = trust if isinstance(trust, str) else json.dumps(trust)
    if "chatbot.amazonaws.com" not in trust_text:
        summary = f"the Chatbot role {role} does not trust chatbot.amazonaws.com"
        return [warn("chatbot-role", "slack", summary, "add chatbot.amazonaws.com to its trust")]
    return [ok("chatbot-role", "slack", f"the Chatbot role {role} trusts Chatbot")]


def check_sns_failures(ctx: DoctorContext) -> list[Finding]:
    if not ctx.topic_arn:
        return []
    name = ctx.topic_arn.rsplit(":", 1)[-1]
    failed = metric_sum(ctx, "AWS/SNS", "NumberOfNotificationsFailed", "TopicName", name)
    if failed:
        summary = f"SNS failed {int(failed)} deliveries in the last 24 h"
        fix = "usually transient; enable delivery-status logging to see why"
        return [warn("sns-delivery", "chatbot", summary, fix)]
    return [ok("sns-delivery", "chatbot", "no failed SNS deliveries in the last 24 h")]


# ---- Slack (items 17-18) ---------------------------------------------------------------------
def check_slack_channel(ctx: DoctorContext) -> list[Finding]:
    from slack_sdk.errors import SlackApiError

    if not ctx.channel:
        return []
    if ctx.slack is None:
        fix = "set SLACK_BOT_TOKEN (a bot with channels:read) to check the channel"
        return [warn("slack-channel", "slack", "no Slack token: channel not checked", fix)]
    try:
        channel = ctx.slack.conversations_info(channel=ctx.channel)["channel"]
    except SlackApiError as err:
        error = str(err.response.get("error", "error"))
        if error != "channel_not_found":
            raise
        summary = f"channel {ctx.channel} not found (or private without trailsim's bot)"
        fix = "check the channel ID; for a private channel invite trailsim's bot and @aws"
        return [fail("slack-channel", "slack", summary, fix)]
    if channel.get("is_archived"):
        summary = f"channel #{channel.get('name')} is archived: Chatbot cannot post"
        return [
            fail("slack-channel", "slack", summary, "unarchive it or repoint the configuration")
        ]
    findings = [
        ok("slack-channel", "slack", f"channel #{channel.get('name')} exists, not archived")
    ]
    if not channel.get("is_member"):
        summary = "trailsim's bot is not in the channel: it cannot read the history to confirm"
        fix = f"/invite trailsim's bot to #{channel.get('name')} (or conversations.join)"
        findings.append(warn("slack-membership", "slack", summary, fix))
    elif channel.get("is_private"):
        findings.extend(_aws_app_member(ctx))
    return findings


def _aws_app_member(ctx: DoctorContext) -> list[Finding]:
    """In a private channel the AWS app must be invited (§2 item 18)."""
    members = ctx.slack.conversations_members(channel=ctx.channel)["members"]
    for member in members:
        user = ctx.slack.users_info(user=member)["user"]
        if user.get("is_bot") and str(user.get("name", "")).lower() in (
            "aws",
            "amazon_q",
            "amazonq",
        ):
            return [ok("slack-aws-app", "slack", "the AWS app is in the private channel")]
    summary = "the AWS app is not in this private channel: Chatbot cannot post"
    return [fail("slack-aws-app", "slack", summary, "/invite @aws (now possibly 'Amazon Q')")]


CHECKS = [
    ("topic-policy", "sns", check_topic_policy),
    ("topic-encryption", "sns", check_encryption),
    ("chatbot-subscription", "chatbot", check_subscription),
    ("sns-delivery", "chatbot", check_sns_failures),
    ("chatbot-configuration", "chatbot", check_configuration),
    ("chatbot-role", "slack", check_chatbot_role),
    ("chatbot-health", "slack", check_chatbot_health),
    ("slack-channel", "slack", check_slack_channel),
]
