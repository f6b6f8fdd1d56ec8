"""The local cloud under load: 50 concurrent clients for 30 s, no failed request, no lost event.

Bounded: 50 client threads whose loops end when 30 s have passed, then a bounded wait for
delivery.  The rate reached is not asserted (speed is measured in benchmarks/); only
correctness under concurrency is.  Events are spread over SHARDS rules and queues, each drained
by its own consumer, because moto's SQS slows down as a queue grows.
"""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest
from botocore.config import Config

CLIENTS = 50
SECONDS = 30.0
SHARDS = 5
EVENT = json.dumps(
    {
        "id": "1",
        "account": "123456789012",
        "source": "load.test",
        "time": "2025-06-01T03:04:05Z",
        "region": "us-east-1",
        "detail-type": "x",
        "resources": [],
        "detail": {"shard": 0},
    }
)


def shard_pattern(shard: int) -> dict:
    return {"source": ["load.test"], "detail": {"shard": [shard]}}


def events_client(cloud):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    # No retries: a request that fails once counts as failed.
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=300)
    return session.client("events", endpoint_url=cloud.endpoint_url, config=config)


class Consumer(threading.Thread):
    """Receives and deletes a queue's messages, keeping their markers, until told to stop."""

    def __init__(self, cloud, url: str) -> None:
        super().__init__()
        self.sqs, self.url = cloud.client("sqs"), url
        self.markers: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            reply = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            messages = reply.get("Messages", [])
            self.markers.extend(json.loads(m["Body"])["detail"]["marker"] for m in messages)
            if messages:
                handles = [
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ]
                self.sqs.delete_message_batch(QueueUrl=self.url, Entries=handles)


@pytest.mark.slow
def test_fifty_clients_for_thirty_seconds(cloud, kit):
    consumers = []
    for shard in range(SHARDS):
        url, arn = kit.queue(f"load-{shard}")
        # A lagging consumer must not see SQS redeliver (default visibility is 30 s).
        kit.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "900"})
        kit.rule(f"load-{shard}", shard_pattern(shard), arn)
        consumers.append(Consumer(cloud, url))
    clients = [events_client(cloud) for _ in range(CLIENTS)]
    sent: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def work(number: int) -> None:
        client, n, shard = clients[number], 0, number % SHARDS
        while time.monotonic() < deadline:
            n += 1
            try:
                if n % 2:
                    marker = f"{number}-{n}"
                    detail = json.dumps({"shard": shard, "marker": marker})
                    entries = [{"Source": "load.test", "DetailType": "x", "Detail": detail}]
                    reply = client.put_events(Entries=entries)
                    assert reply["FailedEntryCount"] == 0, reply
                    with lock:
                        sent.append(marker)
                else:
                    reply = client.test_event_pattern(
                        EventPattern=json.dumps(shard_pattern(0)), Event=EVENT
                    )
                    assert reply["Result"] is True, reply
            except Exception as err:  # collected, reported below
                with lock:
                    failures.append(f"client {number}: {type(err).__name__}: {err}")

    for consumer in consumers:
        consumer.start()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    delivered = cloud.wait_delivered(300)
    wait_until = time.monotonic() + 180
    while sum(len(c.markers) for c in consumers) < len(sent) and time.monotonic() < wait_until:
        time.sleep(0.2)
    for consumer in consumers:
        consumer.done.set()
    for consumer in consumers:
        consumer.join(timeout=30)

    received = [marker for c in consumers for marker in c.markers]
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert delivered, f"{len(sent)} sent, delivery backlog not done"
    missing, extra = set(sent) - set(received), len(received) - len(set(received))
    assert (len(missing), extra) == (0, 0), (
        f"{len(sent)} sent, {len(received)} received, {len(missing)} missing, {extra} doubled; "
        f"failed invocations: {cloud.dispatcher.failed_invocations[:3]}"
    )
    assert len(sent) > CLIENTS
