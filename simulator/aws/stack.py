"""A throwaway copy of the alert pipeline: SNS topic, EventBridge rule, Chatbot configuration.

`deploy_stack` builds the seed pipeline in us-east-1 (IAM events reach EventBridge only there,
delivery-path.md §1), tags every resource with ``trailsim:run=<run id>`` so that `trailsim sweep`
finds what a killed run left, and `teardown_stack` deletes exactly what was created.
`stack_lookup.existing_stack` describes a pipeline that already exists (rule by name or ARN), which trailsim
never deletes.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from simulator.errors import AwsError, CleanupError

TAG_KEY = "trailsim:run"
NAME_PREFIX = "trailsim-"
PROBE_USER_PREFIX = "trailsim-probe-"
PIPELINE_REGION = "us-east-1"
# The Chatbot API is served in us-east-2, us-west-2, ap-southeast-1 and eu-west-1 only
# (delivery-path.md §1.4, botocore's chatbot model).
CHATBOT_API_REGION = "us-east-2"
CHATBOT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "chatbot.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class Cloud:
    """Where AWS calls go: a boto3 session plus an optional endpoint (the local cloud)."""

    session: Any  # boto3.Session
    endpoint_url: str | None = None
    region: str = PIPELINE_REGION

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client, made once per (service, region): creating one costs ~40 ms."""
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=key[1], endpoint_url=self.endpoint_url
            )
        return self._clients[key]


@dataclass(frozen=True)
class Stack:
    """The pipeline under test; `created` lists what this run made (and must delete)."""

    run_id: str
    rule_name: str
    rule_arn: str
    topic_arn: str
    configuration_arn: str | None = None
    configuration_name: str | None = None
    role_arn: str | None = None
    created: tuple[str, ...] = ()  # kinds: "role", "topic", "rule", "configuration"
    event_bus: str = "default"

    @property
    def region(self) -> str:
        return self.rule_arn.split(":")[3]


def new_run_id() -> str:
    """A short random id naming one run's resources (8 hex characters)."""
    return secrets.token_hex(4)


def run_tags(run_id: str) -> list[dict[str, str]]:
    """The tag list (Key/Value form) every resource of a run carries."""
    return [{"Key": TAG_KEY, "Value": run_id}]


def rule_description(run_id: str, what: str) -> str:
    """A rule description that also carries the run tag, for endpoints without rule tagging."""
    return f"{TAG_KEY}={run_id} trailsim {what} (deleted after the run)"


def run_from_description(description: str) -> str | None:
    """The run id `rule_description` wrote, if any."""
    head = description.split(" ", 1)[0]
    key, _, value = head.partition("=")
    return value if key == TAG_KEY and value else None


def topic_policy(topic_arn: str) -> dict[str, Any]:
    """The statement the console adds and `put_targets` does not (delivery-path.md §2 item 7)."""
    return _services_may(
        "AllowEventBridgePublish", "events.amazonaws.com", "sns:Publish", topic_arn
    )


def queue_policy(
    queue_arn: str, services: tuple[str, ...] = ("events.amazonaws.com",)
) -> dict[str, Any]:
    """The statement a queue needs before `services` may send to it: EventBridge (an SQS
    target) and SNS (an SQS subscription) are authorised by the queue's policy alone, and
    neither PutTargets nor Subscribe adds one (EventBridge user guide, resource-based policies;
    SNS developer guide, subscribing a queue to a topic)."""
    return _services_may("AllowServicesSend", list(services), "sqs:SendMessage", queue_arn)


def _services_may(sid: str, services: str | list[str], action: str, arn: str) -> dict[str, Any]:
    """A resource policy with one statement: these service principals may call `action`."""
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": services},
        "Action": action,
        "Resource": arn,
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def aws_call(operation: str, call: Callable[..., Any], **kwargs: Any) -> Any:
    """Call boto3, turning a ClientError into an AwsError that names the operation."""
    try:
        return call(**kwargs)
    except ClientError as err:
        error = err.response.get("Error", {})
        raise AwsError(
            operation, str(error.get("Code", "?")), str(error.get("Message", ""))
        ) from err


@dataclass
class _Deploying:
    """What has been created so far, so a failed deploy can be torn down."""

    run_id: str
    topic_arn: str = ""
    rule_name: str = ""
    rule_arn: str = ""
    role_arn: str | None = None
    configuration_arn: str | None = None
    configuration_name: str | None = None
    created: list[str] = field(default_factory=list)

    def freeze(self) -> Stack:
        return Stack(
            run_id=self.run_id,
            rule_name=self.rule_name,
            rule_arn=self.rule_arn,
            topic_arn=self.topic_arn,
            configuration_arn=self.configuration_arn,
            configuration_name=self.configuration_name,
            role_arn=self.role_arn,
            created=tuple(self.created),
        )


@dataclass(frozen=True)
class SlackTarget:
    """The Slack side of a Chatbot configuration."""

    team_id: str
    channel_id: str
    channel_name: str | None = None


def deploy_stack(
    cloud: Cloud,
    *,
    run_id: str,
    pattern: Mapping[str, Any],
    slack: SlackTarget | None,
    role_arn: str | None = None,
) -> Stack:
    """Create topic (+policy), rule (+SNS target) and, with `slack`, a Chatbot configuration."""
    state = _Deploying(run_id=run_id)
    try:
        _create_topic(cloud, state)
        _create_rule(cloud, state, pattern)
        if slack is not None:
            state.role_arn = role_arn or _create_role(cloud, state)
            _create_configuration(cloud, state, slack)
    except BaseException:
        teardown_stack(cloud, state.freeze(), strict=False)
        raise
    return state.freeze()


def _create_topic(cloud: Cloud, state: _Deploying) -> None:
    sns = cloud.client("sns", PIPELINE_REGION)
    name = f"{NAME_PREFIX}{state.run_id}-alerts"
    reply = aws_call("sns:CreateTopic", sns.create_topic, Name=name, Tags=run_tags(state.run_id))
    state.topic_arn = str(reply["TopicArn"])
    state.created.append("topic")
    policy = json.dumps(topic_policy(state.topic_arn))
    aws_call(
        "sns:SetTopicAttributes",
        sns.set_topic_attributes,
        TopicArn=state.topic_arn,
        AttributeName="Policy",
        AttributeValue=policy,
    )


def _create_rule(cloud: Cloud, state: _Deploying, pattern: Mapping[str, Any]) -> None:
    events = cloud.client("events", PIPELINE_REGION)
    state.rule_name = f"{NAME_PREFIX}{state.run_id}-alert"
    reply = aws_call(
        "events:PutRule",
        events.put_rule,
        Name=state.rule_name,
        EventPattern=json.dumps(pattern),
        State="ENABLED",
        Description=rule_description(state.run_id, "throwaway alert rule"),
        Tags=run_tags(state.run_id),
    )
    state.rule_arn = str(reply["RuleArn"])
    state.created.append("rule")
    target = {"Id": "trailsim-sns", "Arn": state.topic_arn}
    reply = aws_call(
        "events:PutTargets", events.put_targets, Rule=state.rule_name, Targets=[target]
    )
    if reply.get("FailedEntryCount"):
        entry = reply["FailedEntries"][0]
        raise AwsError(
            "events:PutTargets", entry.get("ErrorCode", "?"), entry.get("ErrorMessage", "")
        )


def _create_role(cloud: Cloud, state: _Deploying) -> str:
    iam = cloud.client("iam")
    reply = aws_call(
        "iam:CreateRole",
        iam.create_role,
        RoleName=f"{NAME_PREFIX}{state.run_id}-chatbot",
        AssumeRolePolicyDocument=json.dumps(CHATBOT_TRUST),
        Description="trailsim throwaway Chatbot role (deleted after the run)",
        Tags=run_tags(state.run_id),
    )
    state.created.append("role")
    return str(reply["Role"]["Arn"])


def _create_configuration(cloud: Cloud, state: _Deploying, slack: SlackTarget) -> None:
    chatbot = cloud.client("chatbot", CHATBOT_API_REGION)
    name = f"{NAME_PREFIX}{state.run_id}"
    extra = {"SlackChannelName": slack.channel_name} if slack.channel_name else {}
    reply = aws_call(
        "chatbot:CreateSlackChannelConfiguration",
        chatbot.create_slack_channel_configuration,
        SlackTeamId=slack.team_id,
        SlackChannelId=slack.channel_id,
        IamRoleArn=str(state.role_arn),
        ConfigurationName=name,
        SnsTopicArns=[state.topic_arn],
        LoggingLevel="ERROR",
        Tags=[{"TagKey": TAG_KEY, "TagValue": state.run_id}],
        **extra,
    )
    state.configuration_arn = str(reply["ChannelConfiguration"]["ChatConfigurationArn"])
    state.configuration_name = name
    state.created.append("configuration")


def teardown_stack(cloud: Cloud, stack: Stack, *, strict: bool = True) -> list[str]:
    """Delete what `stack.created` lists, newest first; return what was deleted.

    Every deletion is attempted even if an earlier one fails; with `strict`, the first failure
    is raised afterwards as a CleanupError naming the resource.
    """
    deleted: list[str] = []
    failures: list[CleanupError] = []
    steps: list[tuple[str, str | None, Callable[[], None]]] = [
        ("configuration", stack.configuration_arn, lambda: _delete_configuration(cloud, stack)),
        ("role", stack.role_arn, lambda: delete_role(cloud, str(stack.role_arn))),
        ("rule", stack.rule_arn, lambda: delete_rule(cloud, stack.rule_name, PIPELINE_REGION)),
        ("topic", stack.topic_arn, lambda: delete_topic(cloud, stack.topic_arn)),
    ]
    for kind, ident, delete in steps:
        if kind not in stack.created or not ident:
            continue
        try:
            delete()
            deleted.append(ident)
        except (AwsError, ClientError) as err:
            failures.append(CleanupError(ident, str(err)))
    if failures and strict:
        raise failures[0]
    return deleted


def _delete_configuration(cloud: Cloud, stack: Stack) -> None:
    chatbot = cloud.client("chatbot", CHATBOT_API_REGION)
    aws_call(
        "chatbot:DeleteSlackChannelConfiguration",
        chatbot.delete_slack_channel_configuration,
        ChatConfigurationArn=stack.configuration_arn,
    )


def delete_rule(cloud: Cloud, name: str, region: str, bus: str = "default") -> None:
    """Remove a rule's targets, then the rule (EventBridge refuses to delete a rule with targets)."""
    events = cloud.client("events", region)
    try:
        targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
    except ClientError as err:
        if code_of(err) == "ResourceNotFoundException":
            return
        raise
    if targets:
        ids = [t["Id"] for t in targets]
        aws_call(
            "events:RemoveTargets", events.remove_targets, Rule=name, EventBusName=bus, Ids=ids
        )
    aws_call("events:DeleteRule", events.delete_rule, Name=name, EventBusName=bus)


def delete_topic(cloud: Cloud, topic_arn: str) -> None:
    sns = cloud.client("sns", topic_arn.split(":")[3])
    aws_call("sns:DeleteTopic", sns.delete_topic, TopicArn=topic_arn)


def delete_role(cloud: Cloud, role_arn: str) -> None:
    """Delete a role and its inline/attached policies (IAM refuses otherwise)."""
    iam = cloud.client("iam")
    name = role_arn.rsplit("/", 1)[-1]
    try:
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    except ClientError as err:
        if code_of(err) == "NoSuchEntity":
            return
        raise
    for policy in attached:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    aws_call("iam:DeleteRole", iam.delete_role, RoleName=name)


def code_of(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))
