"""Delivery of matched events to rule targets, off the request thread, through real APIs.

EventBridge delivers asynchronously; so does this dispatcher: PutEvents queues each (rule,
target, event) and returns, and a worker thread calls SNS Publish or SQS SendMessage with boto3
against the local cloud's own endpoint (so the request thread never waits on itself).  A target
that cannot be reached counts as a failed invocation, as EventBridge's FailedInvocations metric
does (delivery-path.md §2.6); it is kept in `failed_invocations`, never raised at the caller.
Before sending, the dispatcher checks what AWS checks (`target_access`: the topic policy and
its KMS key, or the queue policy), and a failed event goes to the target's dead-letter queue,
if any.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.local.eventbridge import Delivery
from simulator.local.target_access import (
    DeliveryFailure,
    check_sns_publish,
    check_sqs_send,
    dead_letter_attributes,
    dead_letter_problem,
)
from simulator.local.transformer import TransformError, target_input

log = logging.getLogger(__name__)
DUMMY_SECRET = "testing"


@dataclass(frozen=True, slots=True)
class FailedInvocation:
    """A target EventBridge could not invoke; `error` says why."""

    rule_arn: str
    target_id: str
    target_arn: str
    error: str
    code: str = "UNKNOWN"  # the ERROR_CODE a dead-letter queue would receive


def delivery_input(delivery: Delivery) -> str:
    """The text the target receives (Input, InputPath or InputTransformer applied)."""
    return target_input(
        delivery.target,
        delivery.event,
        delivery.event_json,
        rule_name=delivery.rule_name,
        rule_arn=delivery.rule_arn,
        ingestion_time=delivery.ingestion_time,
    )


class TargetDispatcher:
    """A queue and worker threads that deliver to SNS and SQS targets (in no promised order)."""

    def __init__(
        self, endpoint_url: str, on_bug: Callable[[BaseException], None], workers: int = 4
    ) -> None:
        self.endpoint_url = endpoint_url
        self.on_bug = on_bug
        self.failed_invocations: list[FailedInvocation] = []
        self.dead_lettered = 0  # events sent to a dead-letter queue (InvocationsSentToDLQ)
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._local = threading.local()  # boto3 clients are per thread
        self._queue_urls: dict[str, str] = {}
        self._idle = threading.Condition()
        self._pending = 0
        self._threads = [
            threading.Thread(target=self._run, name=f"trailsim-delivery-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, delivery: Delivery) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put(delivery)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery is done; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def reset(self) -> None:
        self.wait_idle()
        self.failed_invocations.clear()
        self.dead_lettered = 0
        self._queue_urls.clear()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=10)

    def _run(self) -> None:
        while (delivery := self._queue.get()) is not None:
            try:
                self._deliver(delivery)
            except Exception as err:  # a bug in trailsim, not a target failure: report it
                log.exception("delivery failed unexpectedly")
                self.on_bug(err)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, delivery: Delivery) -> None:
        target = delivery.target
        arn = str(target["Arn"])
        try:
            self._invoke(delivery, arn)
        except DeliveryFailure as failure:
            error = str(failure)
            dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
            if isinstance(dlq, str) and dlq:
                error += self._dead_letter(delivery, arn, dlq, failure)
            self.failed_invocations.append(
                FailedInvocation(delivery.rule_arn, str(target["Id"]), arn, error, failure.code)
            )

    def _invoke(self, delivery: Delivery, arn: str) -> None:
        """Build the target's input and send it; every way this fails is a `DeliveryFailure`."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = delivery_input(delivery)
            if arn.split(":")[3:4] != delivery.rule_arn.split(":")[3:4]:
                # A rule's SNS/SQS targets must be in its region (delivery-path.md §1, table).
                raise DeliveryFailure("INVALID_PARAMETER", "the target is not in the rule's region")
            if arn.split(":")[2:3] == ["sns"]:
                role = delivery.target.get("RoleArn")
                role_arn = role if isinstance(role, str) else None
                check_sns_publish(self._client, arn, delivery.rule_arn, role_arn)
            elif arn.split(":")[2:3] == ["sqs"]:
                check_sqs_send(self._client, arn, delivery.rule_arn)
            self._send(arn, body, delivery.target)
        except TransformError as err:
            raise DeliveryFailure("INVALID_PARAMETER", str(err)) from err
        except ClientError as err:
            raise DeliveryFailure(client_error_code(err), str(err)) from err
        except BotoCoreError as err:
            raise DeliveryFailure("CONNECTION_FAILURE", str(err)) from err

    def _dead_letter(
        self, delivery: Delivery, target_arn: str, queue_arn: str, failure: DeliveryFailure
    ) -> str:
        """Send the event to the target's DLQ; the text to add to the failure ("" when sent)."""
        from botocore.exceptions import BotoCoreError, ClientError

        problem = dead_letter_problem(self._client, queue_arn, delivery.rule_arn)
        if problem is None:
            region, account, name = queue_arn.split(":")[3:6]
            sqs = self._client("sqs", region, account)
            try:
                url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
                sqs.send_message(
                    QueueUrl=url["QueueUrl"],
                    MessageBody=delivery.event_json,
                    MessageAttributes=dead_letter_attributes(
                        delivery.rule_arn, target_arn, failure
                    ),
                )
            except (ClientError, BotoCoreError) as err:
                problem = str(err)
        if problem is None:
            with self._idle:  # worker threads share the counter
                self.dead_lettered += 1
        return "" if problem is None else f"; not sent to the dead-letter queue: {problem}"

    def _send(self, arn: str, body: str, target: Any) -> None:
        parts = arn.split(":", 5)
        service, region, account, resource = parts[2], parts[3], parts[4], parts[5]
        if service == "sns":
            self._client("sns", region, account).publish(TopicArn=arn, Message=body)
        elif service == "sqs":
            sqs = self._client("sqs", region, account)
            url = self._queue_urls.get(arn)
            if url is None:
                reply = sqs.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)
                url = self._queue_urls[arn] = reply["QueueUrl"]
            extra: dict[str, str] = {}
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if resource.endswith(".fifo") and group:
                extra["MessageGroupId"] = group
            try:
                sqs.send_message(QueueUrl=url, MessageBody=body, **extra)
            except Exception:
                self._queue_urls.pop(arn, None)  # the queue may have been deleted since
                raise
        else:
            raise DeliveryFailure(
                "INVALID_PARAMETER",
                f"the local cloud delivers to SNS and SQS targets, not {service}",
            )

    def _client(self, service: str, region: str, account: str) -> Any:
        clients: dict[tuple[str, str, str], Any] = self._local.__dict__.setdefault("clients", {})
        key = (service, region, account)
        client = clients.get(key)
        if client is None:
            import boto3
            from botocore.config import Config

            # A slow local server must not turn into a retry (and a duplicate delivery).
            config = Config(read_timeout=300, retries={"mode": "standard", "max_attempts": 3})
            client = boto3.session.Session(
                aws_access_key_id=DUMMY_SECRET,
                aws_secret_access_key=DUMMY_SECRET,
                region_name=region,
            ).client(service, endpoint_url=self.endpoint_url, config=config)

            # moto's documented header for acting in another account than the key's own.
            def in_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account

            client.meta.events.register("before-sign.*.*", in_account)
            clients[key] = client
        return client


def client_error_code(err: Any) -> str:
    """The DLQ ERROR_CODE for an SNS/SQS error (codes from the EventBridge user guide's list)."""
    code = str(err.response.get("Error", {}).get("Code", ""))
    if code in ("NotFound", "NotFoundException") or "NonExistentQueue" in code:
        return "NO_RESOURCE"
    if code in ("AuthorizationError", "AccessDenied", "AccessDeniedException"):
        return "NO_PERMISSIONS"
    if code in ("Throttling", "ThrottlingException", "ThrottledException"):
        return "THROTTLING"
    return "SDK_CLIENT_ERROR"
