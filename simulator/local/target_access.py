"""What EventBridge checks before a target receives an event, and where a failed event goes.

- An SNS target: the topic must exist, its access policy must let ``events.amazonaws.com``
  ``sns:Publish`` (an explicit Deny wins), and an encrypted topic needs a customer managed key
  whose key policy lets EventBridge ``kms:GenerateDataKey*`` and ``kms:Decrypt``; the AWS managed
  key ``alias/aws/sns`` never does (delivery-path.md §2 items 7-9, EventBridge troubleshooting).
  Policies are read through SNS GetTopicAttributes and KMS DescribeKey/GetKeyPolicy, so what the
  local cloud enforces is exactly what a user can see and fix.  A target with a ``RoleArn``
  publishes as that role instead: the role must trust ``events.amazonaws.com`` and its inline or
  attached policies must allow ``sns:Publish`` (read through IAM GetRole/GetRolePolicy/...).
- An SQS target: the queue must exist and its access policy must let ``events.amazonaws.com``
  ``sqs:SendMessage`` (an SQS target is authorised by its queue's policy, never by a role).
- A failed delivery to a target with a ``DeadLetterConfig`` goes to that SQS queue, with the
  message attributes AWS documents (user guide, "Using dead-letter queues to process undelivered
  events"): RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE and RETRY_ATTEMPTS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simulator.policies import (
    Decision,
    ServiceRequest,
    evaluate,
    evaluate_statements,
    statements_of,
)

Client = Callable[[str, str, str], Any]  # (service, region, account) -> boto3 client
AWS_MANAGED_SNS_KEY = "alias/aws/sns"
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


class DeliveryFailure(Exception):
    """EventBridge could not invoke a target; `code` is the DLQ ERROR_CODE AWS would record."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_sns_publish(
    client: Client, topic_arn: str, rule_arn: str, role_arn: str | None = None
) -> None:
    """Raise `DeliveryFailure` unless EventBridge may publish to `topic_arn` for `rule_arn`.

    With a target `role_arn`, EventBridge publishes as that role and the role's policies decide
    (eb-use-resource-based: "If no execution role is configured, EventBridge uses resource-based
    policies on the target resource"); the topic policy and the key are then not evaluated
    [a gap: a Deny in them, or a key policy without the role, is not modelled].
    """
    if role_arn:
        publish = ServiceRequest("sns:Publish", topic_arn, rule_arn, "", as_role=True)
        check_role(client, role_arn, publish, rule_arn)
        return
    from botocore.exceptions import ClientError

    region, account = topic_arn.split(":")[3], topic_arn.split(":")[4]
    try:
        reply = client("sns", region, account).get_topic_attributes(TopicArn=topic_arn)
    except ClientError as err:
        if _error_code(err) in ("NotFound", "NotFoundException"):
            raise DeliveryFailure("NO_RESOURCE", f"the topic {topic_arn} does not exist") from err
        raise
    attributes: Mapping[str, str] = reply.get("Attributes", {})
    request = ServiceRequest("sns:Publish", topic_arn, rule_arn, rule_arn.split(":")[4])
    _require(evaluate(attributes.get("Policy"), request), "the topic's access policy")
    key = attributes.get("KmsMasterKeyId")
    if key:
        check_kms_key(client, key, region, rule_arn)


def check_kms_key(client: Client, key: str, region: str, rule_arn: str) -> None:
    """An encrypted topic's key must be customer managed, enabled, and grant EventBridge."""
    from botocore.exceptions import ClientError

    if key == AWS_MANAGED_SNS_KEY or key.endswith(":" + AWS_MANAGED_SNS_KEY):
        raise DeliveryFailure(
            "NO_PERMISSIONS",
            "the topic is encrypted with the AWS managed key alias/aws/sns, whose key policy "
            "cannot grant events.amazonaws.com; use a customer managed key",
        )
    key_region = key.split(":")[3] if key.startswith("arn:") else region
    kms = client("kms", key_region, rule_arn.split(":")[4])
    try:
        metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
        policy = kms.get_key_policy(KeyId=metadata["KeyId"], PolicyName="default")["Policy"]
    except ClientError as err:
        raise DeliveryFailure(
            "NO_PERMISSIONS", f"the topic's KMS key {key} cannot be used: {_error_code(err)}"
        ) from err
    if metadata.get("KeyManager") == "AWS":
        raise DeliveryFailure("NO_PERMISSIONS", f"the topic's KMS key {key} is AWS managed")
    if metadata.get("KeyState", "Enabled") != "Enabled":
        raise DeliveryFailure(
            "NO_PERMISSIONS", f"the topic's KMS key {key} is {metadata.get('KeyState')}"
        )
    for action in KMS_ACTIONS:
        request = ServiceRequest(action, str(metadata["Arn"]), rule_arn, rule_arn.split(":")[4])
        _require(evaluate(policy, request), f"the key policy of {key}")


def check_role(client: Client, role_arn: str, request: ServiceRequest, rule_arn: str) -> None:
    """The role must trust ``events.amazonaws.com`` and its policies must allow `request`."""
    from botocore.exceptions import ClientError

    iam = client("iam", "us-east-1", role_arn.split(":")[4])
    name = role_arn.rsplit("/", 1)[-1]
    try:
        trust = iam.get_role(RoleName=name)["Role"].get("AssumeRolePolicyDocument")
        documents = [
            iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
        ] + [_policy_document(iam, attached["PolicyArn"]) for attached in _attached(iam, name)]
    except ClientError as err:
        raise DeliveryFailure(
            "FAILED_TO_ASSUME_ROLE", f"the target's role {role_arn}: {_error_code(err)}"
        ) from err
    assume = ServiceRequest("sts:AssumeRole", role_arn, rule_arn, rule_arn.split(":")[4])
    trusted = evaluate(trust, assume)
    if not trusted.allowed:
        raise DeliveryFailure(
            "FAILED_TO_ASSUME_ROLE", f"the trust policy of {role_arn}: {trusted.reason}"
        )
    statements = [s for document in documents for s in statements_of(document)]
    _require(evaluate_statements(statements, request, identity=True), f"the role {role_arn}")


def _attached(iam: Any, role: str) -> list[dict[str, Any]]:
    return list(iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])


def _policy_document(iam: Any, policy_arn: str) -> Any:
    version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    reply = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)
    return reply["PolicyVersion"]["Document"]


def _require(decision: Decision, what: str) -> None:
    if not decision.allowed:
        raise DeliveryFailure("NO_PERMISSIONS", f"{what} denies EventBridge: {decision.reason}")


def _error_code(err: Any) -> str:
    return str(err.response.get("Error", {}).get("Code", "?"))


def dead_letter_attributes(
    rule_arn: str, target_arn: str, failure: DeliveryFailure
) -> dict[str, dict[str, str]]:
    """The SQS message attributes of a dead-lettered event.

    Errors the local cloud meets (permissions, a missing resource, a bad input, another region)
    are the ones AWS sends to the DLQ without retrying, hence RETRY_ATTEMPTS 0 and no
    EXHAUSTED_RETRY_CONDITION (that attribute names the retry limit that ran out).
    """
    values = {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target_arn,
        "ERROR_CODE": failure.code,
        "ERROR_MESSAGE": str(failure),
        "RETRY_ATTEMPTS": "0",
    }
    return {name: {"DataType": "String", "StringValue": v} for name, v in values.items()}


def check_sqs_send(client: Client, queue_arn: str, rule_arn: str) -> None:
    """Raise `DeliveryFailure` unless the queue's policy lets EventBridge send for `rule_arn`.

    SQS targets are authorised by the queue's resource-based policy (user guide, "Using
    resource-based policies for Amazon EventBridge": Lambda, SNS, SQS and CloudWatch Logs
    targets); PutTargets adds no statement to it [a gap: an SSE-KMS queue's key policy is not
    checked].
    """
    policy = queue_policy(client, queue_arn)
    request = ServiceRequest("sqs:SendMessage", queue_arn, rule_arn, rule_arn.split(":")[4])
    _require(evaluate(policy, request), "the queue's access policy")


def queue_policy(client: Client, queue_arn: str) -> str | None:
    """The access policy of the queue `queue_arn`; `DeliveryFailure` when there is no queue."""
    from botocore.exceptions import ClientError

    region, account, name = queue_arn.split(":")[3:6]
    sqs = client("sqs", region, account)
    try:
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    except ClientError as err:
        code = _error_code(err)
        raise DeliveryFailure(
            "NO_RESOURCE", f"the queue {queue_arn} cannot be used: {code}"
        ) from err
    policy: str | None = attributes.get("Attributes", {}).get("Policy")
    return policy


def dead_letter_problem(client: Client, queue_arn: str, rule_arn: str) -> str | None:
    """Why EventBridge could not send to the DLQ `queue_arn` (None when it can).

    The queue must be a standard SQS queue in the rule's region whose policy lets
    ``events.amazonaws.com`` ``sqs:SendMessage`` (user guide, "Granting permissions to the
    dead-letter queue").
    """
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        return f"the dead-letter queue {queue_arn} is not an SQS queue ARN"
    if parts[5].endswith(".fifo"):
        return "a FIFO queue cannot be an EventBridge dead-letter queue"
    if parts[3] != rule_arn.split(":")[3]:
        return "the dead-letter queue is not in the rule's region"
    try:
        policy = queue_policy(client, queue_arn)
    except DeliveryFailure as failure:
        return str(failure).replace("the queue", "the dead-letter queue", 1)
    request = ServiceRequest("sqs:SendMessage", queue_arn, rule_arn, rule_arn.split(":")[4])
    decision = evaluate(policy, request)
    return None if decision.allowed else f"the dead-letter queue policy: {decision.reason}"
