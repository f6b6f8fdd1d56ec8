"""Background traffic: realistic mix, requested share, deterministic, ordered in time."""

from __future__ import annotations

import itertools
from collections import Counter

import orjson
import pytest

from simulator.errors import ScenarioError
from simulator.events import background_records, realism_problems, record_to_envelope
from simulator.schemas import validate_event


def test_events_background_count_and_determinism() -> None:
    first = [orjson.dumps(r) for r in background_records(500, seed=4)]
    assert len(first) == 500
    assert [orjson.dumps(r) for r in background_records(500, seed=4)] == first
    assert [orjson.dumps(r) for r in background_records(500, seed=5)] != first


def test_events_background_is_valid_and_realistic() -> None:
    for record in background_records(1500, share=0.05, seed=11):
        assert validate_event(record, "record") == [], record
        assert realism_problems(record) == [], record
        assert validate_event(record_to_envelope(record), "envelope") == []


def test_events_background_share_and_mix() -> None:
    records = list(background_records(20000, share=0.02, seed=1))
    names = Counter(r["eventName"] for r in records)
    sources = Counter(r["eventSource"] for r in records)
    create = names["CreateAccessKey"] / len(records)
    iam_writes = sum(
        1
        for r in records
        if (
            r["eventSource"] == "iam.amazonaws.com"
            and r["eventName"] != "CreateAccessKey"
            and not r["readOnly"]
        )
        or r["eventName"] == "ListAccessKeys"
    ) / len(records)
    assert 0.015 < create < 0.025
    assert 0.035 < iam_writes < 0.055
    assert len(sources) >= 10
    assert len({r["recipientAccountId"] for r in records}) == 1


def test_events_background_zero_share_has_no_create_access_key() -> None:
    assert all(
        r["eventName"] != "CreateAccessKey" for r in background_records(3000, share=0.0, seed=2)
    )


def test_events_background_time_never_decreases_and_starts_at_at() -> None:
    records = list(background_records(2000, seed=3, at="2024-05-01T10:00:00Z"))
    times = [r["eventTime"] for r in records]
    assert times[0] == "2024-05-01T10:00:00Z"
    assert times == sorted(times)
    assert {r["eventVersion"] for r in records} == {"1.09"}


def test_events_background_is_lazy() -> None:
    stream = background_records(10**12, seed=1)
    assert len(list(itertools.islice(stream, 5))) == 5


@pytest.mark.parametrize(("count", "share"), [(-1, 0.1), (1.5, 0.1), (10, 1.0), (10, -0.1)])
def test_events_background_bad_arguments(count: object, share: object) -> None:
    with pytest.raises(ScenarioError):
        background_records(count, share=share)  # type: ignore[arg-type]
