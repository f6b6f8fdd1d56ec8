"""--push re-sends matched events through EventBridge with a custom source and a mirror rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from simulator.aws.stack import queue_policy
from simulator.cli import main
from simulator.errors import ConfigError
from simulator.events import create_access_key_record, near_miss_record
from simulator.patterns import SEED_PATTERN
from simulator.replay import Pusher, mirror_pattern


def test_pushed_events_reach_a_mirror_rule_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.local import LocalCloud

    records = [create_access_key_record(seed=i) for i in range(3)]
    records.append(near_miss_record("delete-access-key", seed=4))
    history = tmp_path / "history.jsonl"
    history.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    pattern = tmp_path / "rule.json"
    pattern.write_text(json.dumps(SEED_PATTERN))
    with LocalCloud() as cloud:
        sqs, events = cloud.client("sqs"), cloud.client("events")
        queue = sqs.create_queue(QueueName="replayed")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sqs.set_queue_attributes(
            QueueUrl=queue, Attributes={"Policy": json.dumps(queue_policy(arn))}
        )
        events.put_rule(Name="mirror", EventPattern=json.dumps(mirror_pattern(SEED_PATTERN)))
        events.put_targets(Rule="mirror", Targets=[{"Id": "q", "Arn": arn}])
        status = main(
            [
                "replay",
                str(history),
                "--pattern",
                str(pattern),
                "--json",
                "--push",
                cloud.endpoint_url,
                "--push-rate",
                "100",
            ]
        )
        report = json.loads(capsys.readouterr().out)
        assert status == 0
        assert report["push"] == {"sent": 3, "failed": 0, "errors": {}}
        cloud.wait_delivered()
        received: list[dict[str, Any]] = []
        for _ in range(5):
            batch = sqs.receive_message(
                QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            received.extend(json.loads(m["Body"]) for m in batch)
            if len(received) >= 3:
                break
        cloud.check()
    assert sorted(e["detail"]["eventID"] for e in received) == sorted(
        r["eventID"] for r in records[:3]
    )
    assert {e["source"] for e in received} == {"trailsim.replay"}


def test_aws_sources_and_bad_rates_are_refused() -> None:
    with pytest.raises(ConfigError, match="aws"):
        Pusher(object(), source="aws.iam")
    with pytest.raises(ConfigError, match="push-rate"):
        Pusher(object(), rate=0)


def test_mirror_pattern_swaps_only_the_source() -> None:
    mirrored: dict[str, Any] = mirror_pattern(SEED_PATTERN, "my.replay")
    assert mirrored["source"] == ["my.replay"]
    assert mirrored["detail"] == SEED_PATTERN["detail"]
