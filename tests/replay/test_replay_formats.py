"""Every accepted input format gives the same verdicts: log files, JSON Lines, lookup-events,
Lake results, single documents."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from simulator.events import (
    background_records,
    create_access_key_event,
    create_access_key_record,
    near_miss_record,
    record_to_envelope,
)
from simulator.patterns import SEED_PATTERN
from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, report_json, run_replay

SHARED = Path(__file__).resolve().parents[3] / "shared"
PLAN = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), near_misses=2)


def _replay(path: Path, plan: ReplayPlan = PLAN) -> dict[str, Any]:
    inputs = list_inputs([str(path)], TimeWindow(), None)
    return report_json(run_replay(inputs, plan))


def _mixed() -> list[dict[str, Any]]:
    """3 key creations among background traffic and a near miss."""
    records = list(background_records(40, share=0.0, seed=5))
    records[3:3] = [create_access_key_record(seed=1)]
    records[20:20] = [create_access_key_record("assumed-role", seed=2)]
    records.append(create_access_key_record(seed=3))
    records.append(near_miss_record("delete-access-key", seed=4))
    return records


def _lookup_export(records: list[dict[str, Any]]) -> dict[str, Any]:
    """`aws cloudtrail lookup-events` output (cloudtrail-anatomy.md §6 [LKP])."""
    return {
        "Events": [
            {
                "EventId": r["eventID"],
                "EventName": r["eventName"],
                "ReadOnly": "true" if r.get("readOnly") else "false",
                "EventTime": r["eventTime"],
                "EventSource": r["eventSource"],
                "Username": "someone",
                "Resources": [],
                "CloudTrailEvent": json.dumps(r),
            }
            for r in records
        ]
    }


def _lake_export(records: list[dict[str, Any]]) -> dict[str, Any]:
    """GetQueryResults rows: lists of one-key maps, every value a string [GQR]."""

    def cell(key: str, value: Any) -> dict[str, str]:
        if isinstance(value, bool):
            return {key: "true" if value else "false"}
        if isinstance(value, (dict, list)):
            return {key: json.dumps(value)}
        return {
            key: str(value).replace("T", " ").replace("Z", ".000")
            if key == "eventTime"
            else str(value)
        }

    return {
        "QueryStatus": "FINISHED",
        "QueryResultRows": [[cell(k, v) for k, v in r.items() if v is not None] for r in records],
    }


def _expect(report: dict[str, Any], matches: int = 3, events: int | None = None) -> None:
    assert report["bad_inputs"] == 0, report["problems"]
    assert report["rules"][0]["matches"] == matches
    if events is not None:
        assert report["events"] == events


@pytest.mark.parametrize("form", ["json", "json.gz", "pretty", "sorted-keys"])
def test_records_documents(tmp_path: Path, form: str) -> None:
    records = _mixed()
    if form == "pretty":
        data = json.dumps({"Records": records}, indent=2).encode()
    elif form == "sorted-keys":  # anonymised exports sort keys: framing falls back to a parse
        data = orjson.dumps({"Records": records}, option=orjson.OPT_SORT_KEYS)
    else:
        data = orjson.dumps({"Records": records})
    path = tmp_path / ("log.json.gz" if form == "json.gz" else "log.json")
    path.write_bytes(gzip.compress(data) if form == "json.gz" else data)
    report = _replay(path)
    _expect(report, events=len(records))
    assert report["rules"][0]["first"]["position"].startswith("Records[")


def test_lookup_events_export(tmp_path: Path) -> None:
    path = tmp_path / "lookup.json"
    path.write_text(json.dumps(_lookup_export(_mixed()), indent=2))
    report = _replay(path)
    _expect(report, events=len(_mixed()))
    assert report["rules"][0]["first"]["position"].endswith(".CloudTrailEvent")


def test_lake_query_results(tmp_path: Path) -> None:
    path = tmp_path / "lake.json"
    path.write_text(json.dumps(_lake_export(_mixed())))
    report = _replay(path)
    _expect(report, events=len(_mixed()))
    assert report["rules"][0]["first"]["time"].endswith("Z")


@pytest.mark.parametrize("kind", ["records", "envelopes", "lookup-items"])
def test_json_lines(tmp_path: Path, kind: str) -> None:
    records = _mixed()
    if kind == "records":
        items: list[Any] = records
    elif kind == "envelopes":
        items = [record_to_envelope(r) for r in records]
    else:
        items = _lookup_export(records)["Events"]
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n".join(orjson.dumps(i) for i in items) + b"\n"))
    report = _replay(path)
    _expect(report, events=len(records))
    assert report["rules"][0]["first"]["position"].startswith("line ")


def test_single_envelope_and_array(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(create_access_key_event(seed=8), indent=2))
    (tmp_path / "many.json").write_text(
        json.dumps([create_access_key_event(seed=9), near_miss_record("create-user")])
    )
    _expect(_replay(tmp_path), matches=2, events=3)


@pytest.mark.skipif(not (SHARED / "samples").is_dir(), reason="../shared/samples not present")
def test_published_samples(tmp_path: Path) -> None:
    """The anonymised public samples (keys sorted, odd values) still replay as key creations."""
    report = _replay(SHARED / "samples")
    assert report["rules"][0]["matches"] == 4
