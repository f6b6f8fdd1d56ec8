"""Replay from s3:// through the local cloud (moto serves S3) gives the same counts as files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.patterns import SEED_PATTERN
from simulator.replay import (
    ReplayPlan,
    Rule,
    S3Access,
    TimeWindow,
    list_inputs,
    parse_time,
    report_json,
    run_replay,
)

BUCKET = "trail-logs"
PREFIX = "org"  # CloudTrail's optional S3 key prefix


@pytest.fixture(scope="module")
def cloud_with_trail(trail: Any) -> Iterator[tuple[Any, Any]]:
    from simulator.local import LocalCloud

    with LocalCloud() as cloud:
        s3 = cloud.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for key, data in trail.files.items():
            s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}", Body=data)
        digest = f"{PREFIX}/AWSLogs/230140346260/CloudTrail-Digest/us-east-1/2024/05/02/d.json.gz"
        s3.put_object(Bucket=BUCKET, Key=digest, Body=b'{"digestStartTime": "x"}')
        yield cloud, trail
        cloud.check()


def _access(cloud: Any) -> S3Access:
    return S3Access(
        region="us-east-1",
        endpoint_url=cloud.endpoint_url,
        access_key="testing",
        secret_key="testing",
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_s3_replay_counts_like_the_files(
    cloud_with_trail: tuple[Any, Any],
    jobs: str,
    seed_pattern_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cloud, trail = cloud_with_trail
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    status = main(
        [
            "replay",
            f"s3://{BUCKET}/{PREFIX}/",
            "--pattern",
            f"seed={seed_pattern_file}",
            "--json",
            "--endpoint-url",
            cloud.endpoint_url,
            "--jobs",
            jobs,
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert status == 0, report["problems"]
    assert report["inputs"] == len(trail.files)  # the digest folder is skipped
    assert report["events"] == len(trail.records)
    assert report["rules"][0]["matches"] == trail.expected_matches()
    assert report["rules"][0]["first"]["source"].startswith(f"s3://{BUCKET}/{PREFIX}/AWSLogs/")


def test_s3_window_lists_only_the_day_folders_it_needs(cloud_with_trail: tuple[Any, Any]) -> None:
    cloud, trail = cloud_with_trail
    since, until = "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"
    window = TimeWindow(parse_time("--since", since), parse_time("--until", until))
    inputs = list_inputs([f"s3://{BUCKET}/{PREFIX}"], window, _access(cloud))
    days = {i.name.split("/CloudTrail/")[1].split("/", 1)[1][:10] for i in inputs}
    # The 23:50-23:59 events of May 1st were delivered on May 2nd (folders use delivery time,
    # cloudtrail-anatomy.md §6): that folder is read; May 4th's is not even listed.
    assert days == {"2024/05/02"}
    plan = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), since=since, until=until)
    report = report_json(run_replay(inputs, plan))
    assert report["rules"][0]["matches"] == trail.expected_matches(since, until) > 0


def test_s3_window_never_lists_other_days(cloud_with_trail: tuple[Any, Any]) -> None:
    """The listing itself skips day folders (seen through botocore's own event hooks)."""
    from simulator.replay.sources import list_s3

    cloud, _ = cloud_with_trail
    listed: list[str] = []
    access = _access(cloud)
    client = access.client()
    client.meta.events.register(
        "before-parameter-build.s3.ListObjectsV2",
        lambda params, **_: listed.append(params.get("Prefix", "")),
    )
    window = TimeWindow(parse_time("--since", "2024-05-04"), parse_time("--until", "2024-05-05"))
    found = list(list_s3(f"s3://{BUCKET}/{PREFIX}/AWSLogs", window, access, client=client))
    assert found and all("/2024/05/04/" in i.key or "/2024/05/05/" in i.key for i in found)
    assert not any(
        "/2024/05/0" in prefix and "/2024/05/04" not in prefix and "/2024/05/05" not in prefix
        for prefix in listed
    )
    assert any(prefix.endswith("/2024/05/04/") for prefix in listed)


def test_an_object_that_cannot_be_read_is_a_reported_bad_input(
    cloud_with_trail: tuple[Any, Any],
) -> None:
    cloud, _ = cloud_with_trail
    s3 = cloud.client("s3")
    s3.put_object(Bucket=BUCKET, Key="gone/AWSLogs/1/x.json.gz", Body=b"{}")
    inputs = list_inputs([f"s3://{BUCKET}/gone/"], TimeWindow(), _access(cloud))
    s3.delete_object(Bucket=BUCKET, Key="gone/AWSLogs/1/x.json.gz")
    report = report_json(run_replay(inputs, ReplayPlan(rules=(Rule("seed", SEED_PATTERN),))))
    assert report["problems_by_kind"] == {"read-error": 1}
    assert report["problems"][0]["source"] == f"s3://{BUCKET}/gone/AWSLogs/1/x.json.gz"
    assert "NoSuchKey" in report["problems"][0]["detail"]


def test_a_missing_bucket_is_a_usage_error(
    cloud_with_trail: tuple[Any, Any], seed_pattern_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud, _ = cloud_with_trail
    status = main(
        [
            "replay",
            "s3://no-such-bucket-here/",
            "--pattern",
            str(seed_pattern_file),
            "--endpoint-url",
            cloud.endpoint_url,
        ]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "NoSuchBucket" in err and "Traceback" not in err


def test_a_deployed_rule_is_replayed_by_name(
    cloud_with_trail: tuple[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    cloud, trail = cloud_with_trail
    cloud.client("events").put_rule(Name="key-alert", EventPattern=json.dumps(SEED_PATTERN))
    status = main(
        [
            "replay",
            str(trail.root),
            "--rule",
            "key-alert",
            "--json",
            "--jobs",
            "1",
            "--endpoint-url",
            cloud.endpoint_url,
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["rules"][0]["name"] == "key-alert"
    assert report["rules"][0]["matches"] == trail.expected_matches()
