"""The raw prefilter and the framing only save work: they never change a verdict or a count.

Each example writes one log file whose records may be spelled in ways a naive byte search would
miss (``\\u`` escapes, ``\\/``), or framed in ways the splitter must refuse (a nested
``eventVersion`` key, a missing ``eventName``); the fast run must equal a run that parses every
record (--validate-all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.events import background_records, create_access_key_record, s3_log_file
from simulator.patterns import SEED_PATTERN
from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay

PREFIX = {"detail": {"eventName": [{"prefix": "CreateAcc"}], "userAgent": [{"suffix": "cli"}]}}
RULES = (Rule("seed", SEED_PATTERN), Rule("prefix", PREFIX))
BASE = [
    *background_records(30, share=0.0, seed=11),
    *(create_access_key_record(seed=i) for i in range(4)),
]
TWISTS = ("none", "unicode-escape", "slash-escape", "nested-eventVersion", "no-eventName")


def _spell(record: dict[str, Any], twist: str) -> bytes:
    record = dict(record)
    if twist == "nested-eventVersion":
        record["requestParameters"] = {"items": [{"eventVersion": "1"}, {"eventVersion": "2"}]}
    if twist == "no-eventName":
        del record["eventName"]
    text = orjson.dumps(record)
    if twist == "unicode-escape":  # "CreateAccessKey" spelled "\u0043reateAccessKey"
        name = orjson.dumps(record["eventName"])
        text = text.replace(name, b'"\\u00' + f"{name[1]:02x}".encode() + name[2:], 1)
    if twist == "slash-escape":
        text = text.replace(b"/", b"\\/")
    return text


def _document(twists: list[str], lines: bool = False) -> bytes:
    """The log file (or JSON Lines), with ``twists`` applied to its last records (the 4 key
    creations come last)."""
    twists = ["none"] * (len(BASE) - len(twists)) + twists
    records = [_spell(r, t) for r, t in zip(BASE, twists, strict=True)]
    if lines:
        return b"\n".join(records) + b"\n"
    return b'{"Records":[' + b",".join(records) + b"]}"


def _replay(path: Path, validate_all: bool, near_misses: int = 0) -> dict[str, Any]:
    plan = ReplayPlan(rules=RULES, near_misses=near_misses, validate_all=validate_all)
    report = report_json(run_replay(list_inputs([str(path)], TimeWindow(), None), plan))
    return {
        k: v
        for k, v in report.items()
        if k not in ("seconds", "events_per_second", "parsed_candidates")
    }


@settings(max_examples=40)
@given(
    twists=st.lists(st.sampled_from(TWISTS), min_size=8, max_size=8),
    near_misses=st.sampled_from([0, 3]),
    lines=st.booleans(),
)
def test_fast_path_equals_parsing_everything(
    tmp_path_factory: Any, twists: list[str], near_misses: int, lines: bool
) -> None:
    path = tmp_path_factory.mktemp("prefilter") / ("log.jsonl" if lines else "log.json")
    path.write_bytes(_document(twists, lines))
    fast = _replay(path, validate_all=False, near_misses=near_misses)
    assert fast == _replay(path, validate_all=True, near_misses=near_misses)


def test_the_escaped_spellings_still_match(tmp_path: Path) -> None:
    twists = ["unicode-escape", "slash-escape", "none", "none"]
    path = tmp_path / "log.json"
    path.write_bytes(_document(twists))
    report = _replay(path, validate_all=False)
    assert report["rules"][0]["matches"] == 4


def test_gzip_log_files_take_the_same_path(tmp_path: Path) -> None:
    path = tmp_path / "log.json.gz"
    path.write_bytes(s3_log_file(BASE))
    assert _replay(path, False) == _replay(path, True)
