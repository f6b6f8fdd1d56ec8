"""Replay recorded CloudTrail history through EventBridge rules, in bounded memory.

``list_inputs`` finds the files or S3 objects, ``ReplayPlan`` says which rules and what to
report, ``run_replay`` scans (in a process pool with ``jobs`` > 1) and returns a
``ReplayResult`` whose tally ``render.report_json``/``report_text`` present.
"""

from __future__ import annotations

from simulator.replay.plan import STATE_ALL_MANAGEMENT, STATE_ENABLED, ReplayPlan, Rule
from simulator.replay.push import Pusher, mirror_pattern
from simulator.replay.render import report_json, report_text
from simulator.replay.runner import ReplayResult, ReplayWorkerError, default_jobs, run_replay
from simulator.replay.sources import (
    LocalInput,
    ReplayInput,
    S3Access,
    S3Input,
    TimeWindow,
    list_inputs,
    parse_time,
)

__all__ = [
    "STATE_ALL_MANAGEMENT",
    "STATE_ENABLED",
    "LocalInput",
    "Pusher",
    "ReplayInput",
    "ReplayPlan",
    "ReplayResult",
    "ReplayWorkerError",
    "Rule",
    "S3Access",
    "S3Input",
    "TimeWindow",
    "default_jobs",
    "list_inputs",
    "mirror_pattern",
    "parse_time",
    "report_json",
    "report_text",
    "run_replay",
]
