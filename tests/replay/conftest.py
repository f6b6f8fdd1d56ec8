"""Shared fixtures for the replay tests: a CloudTrail S3-style tree of gzip log files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from simulator.events import background_records, s3_log_file, s3_log_key
from simulator.patterns import SEED_PATTERN

# Two days apart, the first batch crossing midnight, so date folders and windows are exercised.
BATCHES = (("2024-05-01T23:50:00Z", 1, 2500), ("2024-05-04T10:00:00Z", 2, 1500))


@dataclass(frozen=True)
class Trail:
    """A generated history: its files (key -> gzip bytes) and what the seed rule must find."""

    root: Path
    files: dict[str, bytes]
    records: list[dict[str, Any]]

    def expected_matches(self, since: str = "", until: str = "9999") -> int:
        """CreateAccessKey write events (they reach an ENABLED rule) in the window."""
        return sum(
            1 for r in self.records if is_key_creation(r) and since <= r["eventTime"] < until
        )


def is_key_creation(record: dict[str, Any]) -> bool:
    return (
        record["eventSource"] == "iam.amazonaws.com"
        and record["eventName"] == "CreateAccessKey"
        and record.get("readOnly") is not True
    )


def trail_files(records: list[dict[str, Any]]) -> dict[str, bytes]:
    """Records grouped as CloudTrail delivers them: per account and region, every 5 minutes,
    in a folder of the delivery day (5 minutes after the batch, so 23:58 lands the next day)."""
    groups: dict[tuple[str, str, datetime], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        moment = datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00"))
        bucket = moment.replace(minute=moment.minute - moment.minute % 5, second=0)
        groups[(record["recipientAccountId"], record["awsRegion"], bucket)].append(record)
    files = {}
    for (account, region, bucket), group in groups.items():
        key = s3_log_key(account, region, bucket + timedelta(minutes=10))
        files[key] = s3_log_file(group)
    return dict(sorted(files.items()))


def generate_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for at, seed, count in BATCHES:
        records.extend(background_records(count, share=0.01, seed=seed, at=at))
    return records


@pytest.fixture(scope="session")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Trail:
    root = tmp_path_factory.mktemp("trail")
    records = generate_records()
    files = trail_files(records)
    for key, data in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Trail(root, files, records)


@pytest.fixture
def seed_pattern_file(tmp_path: Path) -> Path:
    import json

    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED_PATTERN))
    return path


__all__ = ["Trail", "datetime", "timezone"]
