"""`trailsim sweep`: find and delete what killed runs left behind.

A resource is trailsim's only if its name starts with ``trailsim-`` *and* it carries the
``trailsim:run`` tag: a name alone is never enough to delete anything.  Probe users lose their
access keys first (IAM refuses to delete a user that has keys), rules their targets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from simulator.aws.stack import (
    NAME_PREFIX,
    PIPELINE_REGION,
    TAG_KEY,
    Cloud,
    delete_role,
    delete_rule,
    delete_topic,
    run_from_description,
)
from simulator.aws.stack_lookup import list_configurations
from simulator.aws.triggers import delete_probe_user
from simulator.errors import AwsError

# botocore's clients raise these for a service the endpoint does not serve (e.g. no Chatbot).
_UNREACHABLE = (ClientError, BotoCoreError, AwsError)


@dataclass(frozen=True)
class Leftover:
    """One resource a run left: its kind, its name or ARN and the run that made it."""

    kind: str  # iam-user | iam-role | rule | topic | queue | subscription | chatbot-configuration
    ident: str
    run_id: str


@dataclass(frozen=True)
class SweepReport:
    """What `sweep` found, deleted, could not delete, and which services it could not search."""

    found: tuple[Leftover, ...]
    deleted: tuple[Leftover, ...]
    failed: tuple[tuple[Leftover, str], ...]
    skipped: tuple[tuple[str, str], ...]  # (service, reason)

    @property
    def clean(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "found": [_leftover_dict(item) for item in self.found],
            "deleted": [_leftover_dict(item) for item in self.deleted],
            "failed": [dict(_leftover_dict(item), error=error) for item, error in self.failed],
            "skipped": [{"service": svc, "reason": reason} for svc, reason in self.skipped],
        }


def _leftover_dict(item: Leftover) -> dict[str, str]:
    return {"kind": item.kind, "id": item.ident, "run": item.run_id}


@dataclass
class _Sweep:
    cloud: Cloud
    found: list[tuple[Leftover, Callable[[], None]]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def search(self, service: str, finder: Callable[[], None]) -> None:
        try:
            finder()
        except _UNREACHABLE as err:
            self.skipped.append((service, _reason(err)))


def _reason(err: Exception) -> str:
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        return f"{error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return str(err)


def find_leftovers(cloud: Cloud, *, dry_run: bool = False) -> SweepReport:
    """Search IAM, EventBridge, SNS, SQS and Chatbot; delete unless `dry_run`."""
    sweep = _Sweep(cloud)
    sweep.search("iam", lambda: _find_users(sweep))
    sweep.search("iam", lambda: _find_roles(sweep))
    sweep.search("events", lambda: _find_rules(sweep))
    sweep.search("sns", lambda: _find_topics(sweep))
    sweep.search("sqs", lambda: _find_queues(sweep))
    sweep.search("chatbot", lambda: _find_configurations(sweep))
    deleted: list[Leftover] = []
    failed: list[tuple[Leftover, str]] = []
    # Chatbot configurations and subscriptions before topics and queues, rules before topics.
    order = ["chatbot-configuration", "subscription", "rule", "iam-user", "iam-role", "queue"]
    ranked = sorted(sweep.found, key=lambda pair: _rank(order, pair[0].kind))
    for leftover, delete in [] if dry_run else ranked:
        try:
            delete()
            deleted.append(leftover)
        except _UNREACHABLE as err:
            failed.append((leftover, _reason(err)))
    return SweepReport(
        found=tuple(item for item, _ in sweep.found),
        deleted=tuple(deleted),
        failed=tuple(failed),
        skipped=tuple(sweep.skipped),
    )


def _rank(order: list[str], kind: str) -> int:
    return order.index(kind) if kind in order else len(order)


def _tag_value(tags: Iterable[Mapping[str, Any]], key_field: str = "Key") -> str | None:
    value_field = "TagValue" if key_field == "TagKey" else "Value"
    for tag in tags:
        if tag.get(key_field) == TAG_KEY:
            return str(tag.get(value_field, ""))
    return None


def _find_users(sweep: _Sweep) -> None:
    iam = sweep.cloud.client("iam")
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            name = str(user["UserName"])
            if not name.startswith(NAME_PREFIX):
                continue
            run = _tag_value(iam.list_user_tags(UserName=name)["Tags"])
            if run is not None:
                sweep.found.append(
                    (Leftover("iam-user", name, run), _bind(delete_probe_user, sweep.cloud, name))
                )


def _find_roles(sweep: _Sweep) -> None:
    iam = sweep.cloud.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name, arn = str(role["RoleName"]), str(role["Arn"])
            if not name.startswith(NAME_PREFIX):
                continue
            run = _tag_value(iam.list_role_tags(RoleName=name)["Tags"])
            if run is not None:
                sweep.found.append(
                    (Leftover("iam-role", arn, run), _bind(delete_role, sweep.cloud, arn))
                )


def _find_rules(sweep: _Sweep) -> None:
    events = sweep.cloud.client("events", PIPELINE_REGION)
    reply = events.list_rules(NamePrefix=NAME_PREFIX, EventBusName="default")
    rules = list(reply.get("Rules", []))
    while reply.get("NextToken"):
        reply = events.list_rules(
            NamePrefix=NAME_PREFIX, EventBusName="default", NextToken=reply["NextToken"]
        )
        rules.extend(reply.get("Rules", []))
    for rule in rules:
        run = _rule_run(events, rule)
        if run is not None:
            delete = _bind(delete_rule, sweep.cloud, str(rule["Name"]), PIPELINE_REGION)
            sweep.found.append((Leftover("rule", str(rule["Arn"]), run), delete))


def _rule_run(events: Any, rule: Mapping[str, Any]) -> str | None:
    """The rule's run tag; where the endpoint cannot tag rules, the run id in its description."""
    try:
        return _tag_value(events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"])
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "UnknownOperationException":
            raise
    return run_from_description(str(rule.get("Description", "")))


def _find_topics(sweep: _Sweep) -> None:
    sns = sweep.cloud.client("sns", PIPELINE_REGION)
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            arn = str(topic["TopicArn"])
            if not arn.rsplit(":", 1)[-1].startswith(NAME_PREFIX):
                continue
            run = _tag_value(sns.list_tags_for_resource(ResourceArn=arn)["Tags"])
            if run is not None:
                sweep.found.append(
                    (Leftover("topic", arn, run), _bind(delete_topic, sweep.cloud, arn))
                )


def _find_queues(sweep: _Sweep) -> None:
    sqs = sweep.cloud.client("sqs", PIPELINE_REGION)
    sns = sweep.cloud.client("sns", PIPELINE_REGION)
    urls = sqs.list_queues(QueueNamePrefix=NAME_PREFIX).get("QueueUrls", [])
    ours: dict[str, str] = {}
    for url in urls:
        run = sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(TAG_KEY)
        if run is None:
            continue
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        ours[str(arn["QueueArn"])] = run
        sweep.found.append((Leftover("queue", url, run), _bind(_delete_queue, sqs, url)))
    if not ours:
        return
    # A tap queue's SNS subscription outlives the queue on AWS: remove it explicitly.
    for page in sns.get_paginator("list_subscriptions").paginate():
        for sub in page["Subscriptions"]:
            run_id = ours.get(str(sub.get("Endpoint", "")))
            if run_id is not None and sub["SubscriptionArn"].startswith("arn:"):
                arn = str(sub["SubscriptionArn"])
                delete = _bind(_unsubscribe, sns, arn)
                sweep.found.append((Leftover("subscription", arn, run_id), delete))


def _delete_queue(sqs: Any, url: str) -> None:
    sqs.delete_queue(QueueUrl=url)


def _unsubscribe(sns: Any, arn: str) -> None:
    sns.unsubscribe(SubscriptionArn=arn)


def _find_configurations(sweep: _Sweep) -> None:
    from simulator.aws.stack import CHATBOT_API_REGION

    chatbot = sweep.cloud.client("chatbot", CHATBOT_API_REGION)
    for config in list_configurations(sweep.cloud):
        if not str(config.get("ConfigurationName", "")).startswith(NAME_PREFIX):
            continue
        run = _tag_value(config.get("Tags", []), key_field="TagKey")
        if run is None:
            continue
        arn = str(config["ChatConfigurationArn"])
        delete = _bind(_delete_configuration, chatbot, arn)
        sweep.found.append((Leftover("chatbot-configuration", arn, run), delete))


def _delete_configuration(chatbot: Any, arn: str) -> None:
    chatbot.delete_slack_channel_configuration(ChatConfigurationArn=arn)


def _bind(function: Callable[..., None], *args: Any) -> Callable[[], None]:
    return lambda: function(*args)
