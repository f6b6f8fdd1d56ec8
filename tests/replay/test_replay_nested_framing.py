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
