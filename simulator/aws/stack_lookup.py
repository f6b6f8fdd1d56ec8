"""An alert pipeline that already exists, found from its rule (name or ARN).

trailsim never deletes any of it: `Stack.created` stays empty.  The topic defaults to the
rule's SNS target, the Chatbot configuration to the one subscribing that topic.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from simulator.aws.stack import CHATBOT_API_REGION, Cloud, Stack, aws_call, code_of
from simulator.errors import AwsError, ConfigError


def existing_stack(
    cloud: Cloud, rule: str, *, topic: str | None = None, configuration: str | None = None
) -> Stack:
    """Describe a deployed pipeline from its rule (name or ARN); nothing in it is ours to delete.

    The topic defaults to the rule's SNS target, the Chatbot configuration (name or ARN) to the
    one subscribing that topic; an unreachable Chatbot API leaves it unknown (the doctor says).
    """
    name, region, bus = parse_rule(rule, cloud.region)
    events = cloud.client("events", region)
    try:
        described = events.describe_rule(Name=name, EventBusName=bus)
    except ClientError as err:
        if code_of(err) == "ResourceNotFoundException":
            raise ConfigError("--rule", rule, f"a rule that exists in {region}") from err
        raise AwsError("events:DescribeRule", code_of(err), str(err)) from err
    targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
    topics = [t["Arn"] for t in targets if ":sns:" in t["Arn"]]
    topic_arn = topic or (topics[0] if topics else "")
    config = _configuration_for(cloud, topic_arn, configuration)
    return Stack(
        run_id="",
        rule_name=name,
        rule_arn=str(described["Arn"]),
        topic_arn=topic_arn,
        configuration_arn=(config or {}).get("ChatConfigurationArn", configuration),
        configuration_name=(config or {}).get("ConfigurationName"),
        event_bus=str(described.get("EventBusName", bus)),
    )


def _configuration_for(cloud: Cloud, topic_arn: str, wanted: str | None) -> dict[str, Any] | None:
    try:
        if wanted:
            return next(
                (
                    c
                    for c in list_configurations(cloud)
                    if wanted in (c.get("ChatConfigurationArn"), c.get("ConfigurationName"))
                ),
                None,
            )
        return find_configuration(cloud, topic_arn) if topic_arn else None
    except AwsError:
        return None


def parse_rule(rule: str, default_region: str) -> tuple[str, str, str]:
    """(name, region, bus) from a rule name or ARN (arn:aws:events:R:A:rule[/bus]/name)."""
    if not rule.startswith("arn:"):
        return rule, default_region, "default"
    parts = rule.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("rule/"):
        raise ConfigError(
            "--rule", rule, "a rule name or arn:aws:events:<region>:<account>:rule/..."
        )
    path = parts[5].split("/")[1:]
    bus = path[0] if len(path) == 2 else "default"
    return path[-1], parts[3], bus


def find_configuration(cloud: Cloud, topic_arn: str) -> dict[str, Any] | None:
    """The Chatbot Slack configuration that subscribes `topic_arn`, if any."""
    for config in list_configurations(cloud):
        if topic_arn in config.get("SnsTopicArns", []):
            return config
    return None


def list_configurations(cloud: Cloud) -> list[dict[str, Any]]:
    chatbot = cloud.client("chatbot", CHATBOT_API_REGION)
    configs: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        reply = aws_call(
            "chatbot:DescribeSlackChannelConfigurations",
            chatbot.describe_slack_channel_configurations,
            **kwargs,
        )
        configs.extend(reply.get("SlackChannelConfigurations", []))
        token = reply.get("NextToken")
        if not token:
            return configs
