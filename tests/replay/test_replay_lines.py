"""JSON Lines picked from the whole text (lines.py) equal the line-by-line answer.

Texts mix key creations, other events, blank and whitespace-only lines, lines that are not JSON,
nameless records and ``\\u``-escaped names, with and without a final newline; the fast replay
must report exactly what a replay parsing every line (--validate-all) reports, and
``pick_lines`` must number lines as ``split`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.events import background_records, create_access_key_record
from simulator.patterns import SEED_PATTERN
from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay
from simulator.replay.lines import pick_lines

KEY = orjson.dumps(create_access_key_record(seed=3))
OTHER = orjson.dumps(next(iter(background_records(1, share=0.0, seed=5))))
NAMELESS = orjson.dumps({k: v for k, v in orjson.loads(KEY).items() if k != "eventName"})
ESCAPED = KEY.replace(b'"CreateAccessKey"', b'"\\u0043reateAccessKey"')
LINES = (KEY, OTHER, OTHER, b"", b"   ", b"\t\r", b"{not json", NAMELESS, ESCAPED)
VOLATILE = ("seconds", "events_per_second", "parsed_candidates")


def _report(path: Path, validate_all: bool) -> dict[str, Any]:
    plan = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), validate_all=validate_all)
    report = report_json(run_replay(list_inputs([str(path)], TimeWindow(), None), plan))
    return {k: v for k, v in report.items() if k not in VOLATILE}


@settings(max_examples=30)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=12), st.booleans())
def test_whole_text_picking_equals_parsing_every_line(
    tmp_path_factory: Any, lines: list[bytes], final_newline: bool
) -> None:
    path = tmp_path_factory.mktemp("lines") / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if final_newline else b""))
    assert _report(path, validate_all=False) == _report(path, validate_all=True)


@given(st.lists(st.sampled_from([KEY, OTHER, b"", b" ", b"{}"]), min_size=1, max_size=12))
def test_lines_are_numbered_and_counted_as_split_does(lines: list[bytes]) -> None:
    text = b"\n".join(lines)
    starts = sorted({text.rfind(b"\n", 0, p) + 1 for p in _positions(text, b"Create")})
    found = pick_lines(text, starts, lambda line: True)
    items = text.split(b"\n")
    filled = [i for i, item in enumerate(items) if item.strip()]
    if text.count(b'"eventName":') != len(filled):
        assert found is None
        return
    assert found is not None
    assert (found.lines, found.filled) == (len(items), len(filled))
    assert found.picked == [(i, item) for i, item in enumerate(items) if b"Create" in item]


def _positions(text: bytes, needle: bytes) -> list[int]:
    found, position = [], text.find(needle)
    while position != -1:
        found.append(position)
        position = text.find(needle, position + 1)
    return found
