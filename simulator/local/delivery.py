"""Delivery of matched events to rule targets, off the request thread, through real APIs.

EventBridge delivers asynchronously; so does this dispatcher: PutEvents queues each (rule,
target, event) and returns, and a worker thread calls SNS Publish or SQS SendMessage with boto3
against the local cloud's own endpoint (so the request thread never waits on itself).  A target
that cannot be reached counts as a failed invocation, as EventBridge's FailedInvocations metric
does (delivery-path.md §2.6); it is kept in `failed_invocations`, never raised at the caller.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.local.eventbridge import Delivery
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


class TargetDispatcher:
    """A queue and worker threads that deliver to SNS and SQS targets (in no promised order)."""

    def __init__(
        self, endpoint_url: str, on_bug: Callable[[BaseException], None], workers: int = 4
    ) -> None:
        self.endpoint_url = endpoint_url
        self.on_bug = on_bug
        self.failed_invocations: list[FailedInvocation] = []
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
        from botocore.exceptions import BotoCoreError, ClientError

        target = delivery.target
        arn = str(target["Arn"])
        try:
            body = target_input(
                target,
                delivery.event,
                delivery.event_json,
                rule_name=delivery.rule_name,
                rule_arn=delivery.rule_arn,
                ingestion_time=delivery.ingestion_time,
            )
            if arn.split(":")[3:4] != delivery.rule_arn.split(":")[3:4]:
                # A rule's SNS/SQS targets must be in its region (delivery-path.md §1, table).
                raise UnsupportedTarget("the target is not in the rule's region")
            self._send(arn, body, target)
        except (TransformError, ClientError, BotoCoreError, UnsupportedTarget) as err:
            self.failed_invocations.append(
                FailedInvocation(delivery.rule_arn, str(target["Id"]), arn, str(err))
            )

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
            raise UnsupportedTarget(
                f"the local cloud delivers to SNS and SQS targets, not {service}"
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


class UnsupportedTarget(Exception):
    """The target's service is not one the local cloud delivers to."""
