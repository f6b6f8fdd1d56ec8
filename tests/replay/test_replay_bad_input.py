"""Bad input never stops a replay and never passes silently: each is reported with its place."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from simulator.cli import main
from simulator.events import background_records, create_access_key_record, s3_log_file
from simulator.patterns import SEED_PATTERN
from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay

PLAN = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),))


def _replay(*paths: Path, plan: ReplayPlan = PLAN) -> dict[str, Any]:
    inputs = list_inputs([str(p) for p in paths], TimeWindow(), None)
    return report_json(run_replay(inputs, plan))


def _key_records(count: int) -> list[dict[str, Any]]:
    return [create_access_key_record(seed=i) for i in range(count)]


def test_truncated_gzip_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    data = s3_log_file(_key_records(40))
    broken = tmp_path / "cut.json.gz"
    broken.write_bytes(data[: len(data) * 2 // 3])
    report = _replay(broken)
    kinds = report["problems_by_kind"]
    assert kinds.get("truncated-gzip") == 1
    assert all(p["source"] == str(broken) for p in report["problems"])
    assert 0 < report["rules"][0]["matches"] < 40
    assert any(p["path"].startswith("Records[") for p in report["problems"])


def test_corrupt_gzip_is_reported(tmp_path: Path) -> None:
    data = bytearray(s3_log_file(_key_records(5)))
    data[len(data) // 2] ^= 0xFF
    data[len(data) // 2 + 1] ^= 0xFF
    bad = tmp_path / "flipped.json.gz"
    bad.write_bytes(bytes(data))
    report = _replay(bad)
    assert report["bad_inputs"] >= 1
    assert report["problems"][0]["source"] == str(bad)


def test_bad_lines_are_counted_with_their_line_numbers(tmp_path: Path) -> None:
    good = [orjson.dumps(r).decode() for r in _key_records(3)]
    nameless = dict(create_access_key_record(seed=9))
    del nameless["eventName"]
    lines = [good[0], "{not json", good[1], "", orjson.dumps(nameless).decode(), good[2]]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = _replay(path)
    assert report["rules"][0]["matches"] == 3
    assert report["events"] == 5
    found = {(p["kind"], p["line"]) for p in report["problems"]}
    assert found == {("invalid-json", 2), ("missing-eventName", 5)}


def test_nameless_record_in_a_log_file_is_found_without_the_prefilter(tmp_path: Path) -> None:
    records = list(background_records(50, seed=3))
    del records[17]["eventName"]
    path = tmp_path / "log.json.gz"
    path.write_bytes(s3_log_file(records))
    report = _replay(path)
    assert [(p["kind"], p["path"]) for p in report["problems"]] == [
        ("missing-eventName", "Records[17]")
    ]


def test_invalid_json_inside_a_log_file_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    text = orjson.dumps({"Records": _key_records(6)})
    cut = text.index(b'"eventVersion"', text.index(b'"eventVersion"', 200) + 1)
    broken = text[:cut] + b"{{" + text[cut:]
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(broken))
    report = _replay(path)
    assert report["bad_inputs"] >= 1
    assert report["problems"][0]["kind"] == "invalid-json"
    assert report["rules"][0]["matches"] >= 1


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.json.gz").write_bytes(b"\x1f\x8b\x08garbage")
    (tmp_path / "b.json.gz").write_bytes(s3_log_file(_key_records(4)))
    (tmp_path / "c.json").write_text("[1, 2")
    report = _replay(tmp_path)
    assert report["rules"][0]["matches"] == 4
    assert sorted(Path(p["source"]).name for p in report["problems"]) == ["a.json.gz", "c.json"]


def test_cli_exit_status_is_one_when_input_was_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pattern = tmp_path / "p.json"
    pattern.write_text(json.dumps(SEED_PATTERN))
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "x.jsonl").write_text("{broken\n")
    assert main(["replay", str(tmp_path / "logs"), "--pattern", str(pattern)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'logs' / 'x.jsonl'}:1: invalid-json" in out


def test_cli_missing_source_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pattern = tmp_path / "p.json"
    pattern.write_text(json.dumps(SEED_PATTERN))
    assert main(["replay", str(tmp_path / "nope"), "--pattern", str(pattern)]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "Traceback" not in err


def test_folders_skip_digests_other_services_and_other_files(tmp_path: Path) -> None:
    account = tmp_path / "AWSLogs" / "123456789012"
    logs = account / "CloudTrail" / "us-east-1" / "2024" / "05" / "01"
    logs.mkdir(parents=True)
    (logs / "a.json.gz").write_bytes(s3_log_file(_key_records(2)))
    for other in ("CloudTrail-Digest/us-east-1/2024/05/01", "Config/us-east-1/2024/5/1"):
        (account / other).mkdir(parents=True)
        (account / other / "x.json.gz").write_bytes(b"not a log")
    (tmp_path / "README.md").write_text("notes")
    inputs = list_inputs([str(tmp_path)], TimeWindow(), None)
    assert [Path(i.name).name for i in inputs] == ["a.json.gz"]
    assert _replay(tmp_path)["bad_inputs"] == 0


def test_a_record_repeated_across_files_is_one_match(tmp_path: Path) -> None:
    """CloudTrail log files occasionally repeat a record (same eventID): one call, one match."""
    record = create_access_key_record(seed=5)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json.gz").write_bytes(s3_log_file([record, *_key_records(2)]))
    (logs / "b.json.gz").write_bytes(s3_log_file([record]))
    out = tmp_path / "matched.jsonl"
    argv = ["replay", str(logs), "--pattern", str(_pattern_file(tmp_path)), "--jobs", "1"]
    assert main([*argv, "--jsonl-out", str(out)]) == 0
    report = _replay(logs)
    assert (report["rules"][0]["matches"], report["rules"][0]["duplicates"]) == (3, 1)
    assert len(out.read_text().splitlines()) == 3


def _pattern_file(folder: Path) -> Path:
    path = folder / "pattern.json.txt"
    path.write_text(json.dumps(SEED_PATTERN))
    return path
