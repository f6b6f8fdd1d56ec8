"""The report: --diff, --json, --jsonl-out, near misses, text output, progress only on a TTY."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from simulator.cli import main
from simulator.events import create_access_key_record, near_miss_record
from simulator.patterns import SEED_PATTERN, compile_pattern
from simulator.replay.progress import Progress
from simulator.replay.report import UnitTally

STRICT = {**SEED_PATTERN, "detail": {**SEED_PATTERN["detail"], "errorCode": [{"exists": False}]}}


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """4 created keys, 1 denied attempt, 2 near misses (JSON Lines of records)."""
    records = [create_access_key_record(seed=i) for i in range(4)]
    records.append(create_access_key_record("error-access-denied", seed=7))
    records.append(near_miss_record("delete-access-key", seed=1))
    records.append(near_miss_record("create-user", seed=2))
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    return path


def _patterns(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(SEED_PATTERN))
    new.write_text(json.dumps(STRICT))
    return old, new


def _run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(argv) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_diff_shows_what_one_rule_matches_and_the_other_does_not(
    tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _patterns(tmp_path)
    report = _run_json(["replay", str(history), "--diff", str(old), str(new), "--json"], capsys)
    diff = report["diff"]
    assert (diff["both"], diff["only_old"], diff["only_new"]) == (4, 1, 0)
    [example] = diff["examples_only_old"]
    assert example["position"] == "line 5"
    assert [m["path"] for m in example["mismatches"]] == ["detail.errorCode"]
    assert [r["name"] for r in report["rules"]] == ["old", "new"]


def test_diff_text_names_both_rules(
    tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _patterns(tmp_path)
    assert main(["replay", str(history), "--diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "Diff old -> new: both 4, only old 1, only new 0" in out
    assert "detail.errorCode" in out


def test_jsonl_out_writes_matched_envelopes(
    tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = _patterns(tmp_path)
    out = tmp_path / "matched.jsonl"
    report = _run_json(
        [
            "replay",
            str(history),
            "--pattern",
            str(old),
            "--json",
            "--jsonl-out",
            str(out),
            "--jobs",
            "1",
        ],
        capsys,
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == report["rules"][0]["matches"] == 5
    rule = compile_pattern(SEED_PATTERN)
    assert all(rule.matches(envelope) for envelope in lines)
    assert all(
        envelope["source"] == "aws.iam" and envelope["id"] != envelope["detail"]["eventID"]
        for envelope in lines
    )


def test_near_misses_are_explained(
    tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = _patterns(tmp_path)
    report = _run_json(
        [
            "replay",
            str(history),
            "--pattern",
            f"keys={old}",
            "--json",
            "--explain-near-misses",
            "1",
        ],
        capsys,
    )
    [miss] = report["rules"][0]["near_misses"]
    # DeleteAccessKey is the closest of the two near misses to CreateAccessKey.
    assert miss["event_name"] == "DeleteAccessKey"
    assert miss["mismatches"] == [
        {
            "path": "detail.eventName",
            "operator": "equals",
            "expected": ["CreateAccessKey"],
            "actual": "DeleteAccessKey",
            "missing": False,
        }
    ]


def test_text_report_and_exit_status(
    tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = _patterns(tmp_path)
    assert (
        main(["replay", str(history), "--pattern", f"keys={old}", "--explain-near-misses", "2"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Rule keys: 5 matches" in out
    assert "2 closest near misses" in out
    assert "All inputs read cleanly." in out


def test_usage_errors(tmp_path: Path, history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _patterns(tmp_path)
    assert main(["replay", str(history)]) == 2
    assert "--pattern" in capsys.readouterr().err
    assert main(["replay", str(history), "--pattern", str(old), "--diff", str(old), str(new)]) == 2
    assert main(["replay", str(history), "--pattern", str(old), "--since", "yesterday"]) == 2
    err = capsys.readouterr().err
    assert "--since='yesterday'" in err and "Traceback" not in err


def test_progress_is_off_when_stderr_is_not_a_terminal(tmp_path: Path, history: Path) -> None:
    old, _ = _patterns(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "replay", str(history), "--pattern", str(old)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Rule " in done.stdout


def test_progress_bar_draws_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(2, 100, stream=stream)
    time.sleep(0.15)  # tqdm redraws at most every 0.1 s
    progress.advance(UnitTally(inputs=1, input_bytes=50, events=10))
    progress.close()
    assert "files 1/2" in stream.getvalue()
    batch = Progress(5, 100, stream=stream)  # a worker's batch tally holds several inputs
    time.sleep(0.15)
    batch.advance(UnitTally(inputs=3, input_bytes=60, events=30))
    batch.close()
    assert "files 3/5" in stream.getvalue()
    silent = Progress(2, 100, enabled=False)
    assert silent.bar is None
