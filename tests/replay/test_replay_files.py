"""Replaying an S3-style tree of gzip log files counts exactly, serially and in parallel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.patterns import SEED_PATTERN
from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay

VOLATILE = ("seconds", "jobs", "events_per_second")


def _stable(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in VOLATILE}


def _replay(root: Path, plan: ReplayPlan, jobs: int = 1) -> dict[str, Any]:
    inputs = list_inputs([str(root)], TimeWindow(), None)
    return report_json(run_replay(inputs, plan, jobs=jobs))


def test_counts_every_key_creation_exactly(trail: Any) -> None:
    report = _replay(trail.root, ReplayPlan(rules=(Rule("seed", SEED_PATTERN),)))
    assert report["inputs"] == len(trail.files)
    assert report["events"] == len(trail.records)
    assert report["rules"][0]["matches"] == trail.expected_matches() > 0
    assert report["bad_inputs"] == 0


def test_parallel_run_equals_serial_run(trail: Any) -> None:
    plan = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), near_misses=3)
    serial = _replay(trail.root, plan, jobs=1)
    parallel = _replay(trail.root, plan, jobs=2)
    assert _stable(parallel) == _stable(serial)
    assert parallel["jobs"] == 2


def test_batches_across_the_pool_equal_the_serial_run(
    trail: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers send one tally per batch; merging it equals merging its inputs one by one,
    near misses, the diff and the matched events (in input order) included."""
    from simulator.replay import runner

    monkeypatch.setattr(runner, "BATCH_INPUTS", 2)
    creates = {"detail": {"eventName": [{"prefix": "Create"}]}}
    plan = ReplayPlan(
        rules=(Rule("seed", SEED_PATTERN), Rule("creates", creates)),
        near_misses=4,
        diff=("seed", "creates"),
        keep_matches=True,
    )
    inputs = list_inputs([str(trail.root)], TimeWindow(), None)
    assert len(inputs) > 4 * runner.BATCH_INPUTS
    runs = []
    for jobs in (1, 2):
        matched: list[bytes] = []
        result = run_replay(inputs, plan, jobs=jobs, on_matches=matched.extend)
        runs.append((_stable(report_json(result)), matched))
    assert runs[0] == runs[1]
    assert runs[0][1] and runs[0][0]["diff"]


def test_prefilter_never_changes_the_result(trail: Any) -> None:
    """The raw prefilter only saves parsing: parsing every record gives the same report."""
    deletes = {"detail": {"eventSource": ["iam.amazonaws.com"], "eventName": [{"prefix": "Del"}]}}
    rules = (Rule("seed", SEED_PATTERN), Rule("deletes", deletes))
    fast = _replay(trail.root, ReplayPlan(rules=rules, near_misses=5))
    full = _replay(trail.root, ReplayPlan(rules=rules, near_misses=5, validate_all=True))
    assert _stable(fast) | {"parsed_candidates": 0} == _stable(full) | {"parsed_candidates": 0}
    assert fast["parsed_candidates"] < full["parsed_candidates"] == len(trail.records)


def test_breakdowns_and_first_last(trail: Any) -> None:
    report = _replay(trail.root, ReplayPlan(rules=(Rule("seed", SEED_PATTERN),)))
    rule = report["rules"][0]
    matching = sorted(
        (r["eventTime"], r["eventID"])
        for r in trail.records
        if r["eventName"] == "CreateAccessKey" and r["eventSource"] == "iam.amazonaws.com"
    )
    assert rule["first"]["time"] == matching[0][0]
    assert rule["last"]["time"] == matching[-1][0]
    assert sum(rule["by_day"].values()) == rule["matches"]
    assert sum(rule["by_caller"].values()) == rule["matches"]
    assert sum(rule["by_user_agent"].values()) == rule["matches"]
    assert set(rule["by_account"]) == {r["recipientAccountId"] for r in trail.records}
    assert set(rule["by_day"]) >= {"2024-05-04"}


def test_cli_json_serial_and_jobs_two(
    trail: Any, seed_pattern_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for jobs in ("1", "2"):
        status = main(
            [
                "replay",
                str(trail.root),
                "--pattern",
                f"seed={seed_pattern_file}",
                "--json",
                "--jobs",
                jobs,
            ]
        )
        assert status == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0]["rules"][0] == outputs[1]["rules"][0]
    assert outputs[0]["rules"][0]["name"] == "seed"
    assert outputs[0]["rules"][0]["matches"] == trail.expected_matches()


def test_time_window_skips_day_folders_and_events(trail: Any) -> None:
    since, until = "2024-05-04T00:00:00Z", "2024-05-05T00:00:00Z"
    window = TimeWindow(*(datetime_of(t) for t in (since, until)))
    inputs = list_inputs([str(trail.root)], window, None)
    assert 0 < len(inputs) < len(trail.files)
    assert all("/2024/05/0" in i.name and "/2024/05/02/" not in i.name for i in inputs)
    plan = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), since=since, until=until)
    report = report_json(run_replay(inputs, plan))
    assert report["rules"][0]["matches"] == trail.expected_matches(since, until) > 0


def datetime_of(text: str) -> Any:
    from simulator.replay import parse_time

    return parse_time("--since", text)


def test_read_only_matches_are_not_delivered_to_enabled_rules(trail: Any) -> None:
    pattern = {"source": ["aws.iam"], "detail": {"readOnly": [True]}}
    plain = _replay(trail.root, ReplayPlan(rules=(Rule("reads", pattern),)))
    everything = _replay(
        trail.root,
        ReplayPlan(
            rules=(Rule("reads", pattern),),
            rule_state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        ),
    )
    reads = sum(
        1
        for r in trail.records
        if r["eventSource"] == "iam.amazonaws.com" and r["readOnly"] is True
    )
    assert reads > 0
    assert plain["rules"][0]["matches"] == 0
    assert plain["rules"][0]["not_delivered"] == reads
    assert everything["rules"][0]["matches"] == reads


def test_events_from_other_regions_never_reach_a_regional_rule(trail: Any) -> None:
    pattern = {"detail": {"eventName": ["DescribeInstances"]}}
    plan = ReplayPlan(
        rules=(Rule("ec2", pattern),),
        rule_region="us-east-1",
        rule_state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
    )
    rule = _replay(trail.root, plan)["rules"][0]
    described = [r for r in trail.records if r["eventName"] == "DescribeInstances"]
    here = sum(1 for r in described if r["awsRegion"] == "us-east-1")
    elsewhere = sum(1 for r in described if r["awsRegion"] != "us-east-1")
    assert elsewhere > 0 and here > 0
    assert rule["other_region"] == elsewhere
    assert rule["matches"] == here
