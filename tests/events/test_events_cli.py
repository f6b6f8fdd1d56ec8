"""`trailsim generate` and `trailsim scenarios` through a real subprocess."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from simulator.events import (
    SCENARIOS,
    create_access_key_event,
    create_access_key_record,
    log_file_problems,
)


def trailsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def lines(result: subprocess.CompletedProcess[bytes]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def test_events_cli_default_is_one_reference_event() -> None:
    events = lines(trailsim("generate"))
    assert events == [create_access_key_event("iam-user-cli", seed=0)]


def test_events_cli_count_seed_and_format() -> None:
    records = lines(
        trailsim(
            "generate",
            "--scenario",
            "root-console",
            "--count",
            "3",
            "--seed",
            "7",
            "--format",
            "cloudtrail",
        )
    )
    assert records == [create_access_key_record("root-console", seed=s) for s in (7, 8, 9)]
    assert trailsim("generate", "--seed", "5").stdout == trailsim("generate", "--seed", "5").stdout


def test_events_cli_all_scenarios_near_misses_background() -> None:
    assert len(lines(trailsim("generate", "--all-scenarios"))) == len(SCENARIOS)
    at_2022 = lines(trailsim("generate", "--all-scenarios", "--at", "2022-05-01T00:00:00Z"))
    assert {e["detail"]["eventVersion"] for e in at_2022} == {"1.08"}
    misses = lines(trailsim("generate", "--near-misses", "--count", "2"))
    assert len(misses) == 20
    background = lines(trailsim("generate", "--background", "300", "--share", "0.1"))
    assert len(background) == 300 and all(e["version"] == "0" for e in background)


def test_events_cli_out_file(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = trailsim("generate", "--near-miss", "create-user", "--out", str(out))
    assert result.returncode == 0 and result.stdout == b""
    assert orjson.loads(out.read_bytes())["detail"]["eventName"] == "CreateUser"


def test_events_cli_s3_log_layout(tmp_path: Path) -> None:
    result = trailsim(
        "generate", "--background", "400", "--format", "s3-log", "--out", str(tmp_path / "logs")
    )
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "logs").rglob("*.json.gz"))
    assert files and b"log files (400 records)" in result.stderr
    total = 0
    for path in files:
        assert log_file_problems(str(path.relative_to(tmp_path / "logs")), path.read_bytes()) == []
        relative = path.relative_to(tmp_path / "logs").parts
        assert relative[0] == "AWSLogs" and relative[2] == "CloudTrail"
        records = orjson.loads(gzip.decompress(path.read_bytes()))["Records"]
        total += len(records)
        stamp = path.name.split("_")[3]  # YYYYMMDDTHHmmZ: delivery time
        delivered = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:59Z"
        assert all(r["eventTime"] <= delivered for r in records)
        assert {r["awsRegion"] for r in records} == {relative[3]}
    assert total == 400


def test_events_cli_scenarios_text_and_json() -> None:
    text = trailsim("scenarios")
    assert text.returncode == 0
    for name in ("iam-user-cli", "error-access-denied", "delete-access-key"):
        assert name.encode() in text.stdout
    listing = orjson.loads(trailsim("scenarios", "--json").stdout)
    assert [s["name"] for s in listing["scenarios"]] == list(SCENARIOS)
    assert {"name", "description", "iam"} <= set(listing["near_misses"][0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "rot"], b"scenario='rot' is not a scenario; run 'trailsim scenarios'"),
        (["--near-miss", "rot"], b"near_miss='rot' is not a near miss"),
        (["--count", "0"], b"--count"),
        (["--count", "many"], b"--count"),
        (["--seed", "-1"], b"--seed"),
        (["--at", "nope"], b"--at='nope'"),
        (["--format", "xml"], b"--format"),
        (["--background", "10", "--share", "2"], b"--share"),
        (["--share", "0.1"], b"--share=0.1: expected to be used with --background N"),
        (["--format", "s3-log"], b"--out DIRECTORY"),
        (["--scenario", "version-1.05", "--at", "2025-01-01T00:00:00Z"], b"outside"),
        (["--scenario", "x", "--near-misses"], b"not allowed with"),
    ],
    ids=[
        "scenario",
        "near-miss",
        "count0",
        "count-word",
        "seed",
        "at",
        "format",
        "share",
        "share-alone",
        "s3-no-out",
        "era",
        "exclusive",
    ],
)
def test_events_cli_bad_values_exit_2_with_one_line(args: list[str], message: bytes) -> None:
    result = trailsim("generate", *args)
    assert result.returncode == 2
    assert result.stdout == b""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert b"Traceback" not in result.stderr


def test_events_cli_output_does_not_depend_on_hash_seed() -> None:
    """Byte-identical across processes: nothing may depend on set/dict hash order."""
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        for args in (["--all-scenarios"], ["--near-misses"], ["--background", "500"]):
            result = subprocess.run(
                [sys.executable, "-m", "simulator", "generate", *args],
                capture_output=True,
                timeout=120,
                check=True,
                env=env,
            )
            outputs.add((tuple(args), result.stdout))
    assert len(outputs) == 3
