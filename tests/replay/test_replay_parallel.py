"""The parent scans batches beside its workers; results still merge in input order."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.patterns import SEED_PATTERN
from simulator.replay import (
    ReplayPlan,
    Rule,
    TimeWindow,
    list_inputs,
    report_json,
    run_replay,
    runner,
)

VOLATILE = ("seconds", "jobs", "events_per_second")


@pytest.mark.parametrize("jobs", [2, 3])
def test_many_small_batches_merge_like_a_serial_run(
    trail: Any, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(runner, "BATCH_INPUTS", 1)  # one batch per file: parent and pool share
    plan = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),), near_misses=3, keep_matches=True)
    inputs = list_inputs([str(trail.root)], TimeWindow(), None)
    seen: dict[int, list[bytes]] = {1: [], jobs: []}
    serial = report_json(run_replay(inputs, plan, jobs=1, on_matches=seen[1].extend))
    parallel = report_json(run_replay(inputs, plan, jobs=jobs, on_matches=seen[jobs].extend))
    assert {k: v for k, v in parallel.items() if k not in VOLATILE} == {
        k: v for k, v in serial.items() if k not in VOLATILE
    }
    assert seen[jobs] == seen[1] != []
