"""Large inputs are scanned block by block with the same result as a whole read."""

from __future__ import annotations

import gzip
import io
from typing import Any

import orjson
import pytest

from simulator.events import background_records, create_access_key_record, s3_log_file
from simulator.patterns import SEED_PATTERN
from simulator.replay import stream
from simulator.replay.plan import CompiledPlan, ReplayPlan, Rule
from simulator.replay.report import UnitTally
from simulator.replay.scan import InputScan

PLAN = CompiledPlan(ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), near_misses=2))


def _records() -> list[dict[str, Any]]:
    records = list(background_records(300, share=0.0, seed=21))
    for at in (5, 150, 290):
        records.insert(at, create_access_key_record(seed=at))
    return records


def _lines(records: list[dict[str, Any]]) -> bytes:
    lines = [orjson.dumps(r) for r in records]
    lines[40] = b"{broken"
    return b"\n".join(lines) + b"\n"


def _both(data: bytes, name: str) -> tuple[UnitTally, UnitTally]:
    """The same input scanned whole and streamed, each merged as the runner merges."""
    whole, streamed = UnitTally(), UnitTally()
    whole.merge(InputScan(PLAN, name, 0).scan(data), 2)
    streamed.merge(InputScan(PLAN, name, 0).scan_stream(io.BytesIO(data), len(data)), 2)
    return whole, streamed


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BLOCK", 4096)  # so that lines and gzip members cross blocks


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_streamed_lines_equal_a_whole_read(compress: bool) -> None:
    data = _lines(_records())
    if compress:
        data = gzip.compress(data)
    whole, streamed = _both(data, "export.jsonl" + (".gz" if compress else ""))
    assert streamed.rules["seed"].matches == whole.rules["seed"].matches == 3
    assert streamed.events == whole.events == len(_records())
    assert streamed.problems == whole.problems
    assert [p.line for p in streamed.problems] == [41]
    assert streamed.rules["seed"].closest() == whole.rules["seed"].closest()


def test_a_truncated_gzip_stream_is_reported() -> None:
    data = gzip.compress(_lines(_records()))
    _, streamed = _both(data[: len(data) // 2], "export.jsonl.gz")
    assert "truncated-gzip" in streamed.problem_counts


def test_one_big_document_is_read_whole() -> None:
    data = s3_log_file(_records())
    whole, streamed = _both(data, "big.json.gz")
    assert streamed.rules["seed"].matches == whole.rules["seed"].matches == 3
    assert streamed.input_bytes == len(data)
