"""A record that fools the framing (a nested array of objects keyed ``eventVersion``) is still
replayed exactly: the scan notices the slice that does not parse and parses the whole document."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.events import create_access_key_record

FOOLING = {"x": [{"a": 1}, {"eventVersion": "2"}]}


def _log_file(tmp_path: Path) -> Path:
    records = [create_access_key_record("iam-user-cli", seed=seed) for seed in range(3)]
    records[0]["requestParameters"] = {"userName": "bob", **FOOLING}
    records[2]["additionalEventData"] = {"eventName": "nested"}
    body = json.dumps({"Records": records}, separators=(",", ":")).encode()
    path = tmp_path / "fooling.json.gz"
    path.write_bytes(gzip.compress(body))
    return path


@pytest.mark.parametrize("mode", [[], ["--validate-all"]], ids=["fast-path", "validate-all"])
def test_fooled_framing_still_counts_every_match(
    tmp_path: Path, seed_pattern_file: Path, mode: list[str]
) -> None:
    args = [str(_log_file(tmp_path)), "--pattern", str(seed_pattern_file), "--json", *mode]
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "replay", *args], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [rule["matches"] for rule in report["rules"]] == [3]
    assert "invalid-json" not in out.stdout


SEED = {"detail": {"eventSource": ["iam.amazonaws.com"], "eventName": ["CreateAccessKey"]}}
HEAD = '{"eventVersion":"1.08","eventTime":"2024-05-01T00:00:0%d.000Z"'
IAM = ',"eventSource":"iam.amazonaws.com"'
# (records after each record's head, rule): documents that once gave the fast path another
# report than parsing every record (found in review); each is checked against --validate-all.
DIFFERENTIAL = {
    "value-spelled-eventName": ([',"x":"eventName"'], SEED),
    "nested-separator-after-a-name-value": (
        [IAM + ',"y":"eventName","x":[{"a":1},{"eventVersion":"2"}],"eventName":"CreateAccessKey"'],
        SEED,
    ),
    "nested-separator-and-nested-name": (
        [
            IAM
            + ',"y":{"eventName":"n"},"x":[{"a":1},{"eventVersion":"2"}],"eventName":"CreateAccessKey"'
        ],
        SEED,
    ),
    "dotted-pattern-key": (
        [',"eventName":"GetUser","a.eventName":"x"'],
        {"detail": {"a.eventName": ["x"]}},
    ),
    "eventName-not-a-string": (
        [',"eventName":5', ',"eventName":"GetUser"' + ',"p":"' + "v" * 40 + '"'],
        SEED,
    ),
    "spaced-name-key": ([IAM + ',"eventName" : "CreateAccessKey","p":"' + "v" * 40 + '"'], SEED),
}


def _document(tails: list[str]) -> bytes:
    records = [HEAD % i + tail + "}" for i, tail in enumerate(tails)]
    return ('{"Records":[' + ",".join(records) + "]}").encode()


@pytest.mark.parametrize("case", sorted(DIFFERENTIAL))
def test_fast_path_reports_what_parsing_every_record_reports(tmp_path: Path, case: str) -> None:
    from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay

    tails, pattern = DIFFERENTIAL[case]
    path = tmp_path / "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/x.json.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(_document(tails)))
    inputs = list_inputs([str(tmp_path)], TimeWindow(), None)
    reports = []
    for validate_all in (False, True):
        plan = ReplayPlan(rules=(Rule("rule", pattern),), validate_all=validate_all)
        report = report_json(run_replay(inputs, plan))
        reports.append({k: v for k, v in report.items() if k not in VOLATILE})
    assert reports[0] == reports[1]


def test_records_framed_as_one_are_split_again(tmp_path: Path) -> None:
    """A record without eventVersion is framed together with the one before it; the slice holds
    two eventName keys, is parsed, fails, and the document is parsed whole."""
    body = (
        '{"Records":['
        + HEAD % 0
        + ',"eventName":"GetUser"},{"eventName":"GetUser"},'
        + HEAD % 2
        + IAM
        + ',"eventName":"CreateAccessKey"}]}'
    ).encode()
    path = tmp_path / "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/x.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(body)
    from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay

    inputs = list_inputs([str(tmp_path)], TimeWindow(), None)
    report = report_json(run_replay(inputs, ReplayPlan(rules=(Rule("rule", SEED),))))
    assert report["events"] == 3
    assert report["rules"][0]["first"]["position"] == "Records[2]"


VOLATILE = ("seconds", "jobs", "events_per_second", "parsed_candidates")
