"""Realistic CloudTrail events for iam:CreateAccessKey, its near misses, and background traffic.

Pure: no network, no wall clock (defaults derive from seeds), nothing of trailsim's but errors.
Ground truth: research/cloudtrail-anatomy.md; :func:`realism_problems` checks its rules.

Modules: ``ids`` (key IDs that encode the account, UUIDs), ``clock`` (CloudTrail's time formats,
eventVersion by date), ``identities`` (userIdentity per caller type), ``clients`` (userAgent,
IP, TLS), ``cloudtrail`` (record layout and version gating), ``context`` (seeded generation
state, caller and client factories), ``builders``/``scenarios`` (CreateAccessKey scenarios),
``near_misses``, ``background``, ``envelope``, ``logfiles``, ``apicalls`` (records for calls the
local cloud observes), ``overrides``, ``realism*`` (the checker), ``fixtures``, ``strategies``
(Hypothesis; imported only by ``simulator.strategies``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.events.apicalls import (
    cloudtrail_error_code,
    cloudtrail_shape,
    query_parameters,
    record_for_api_call,
)
from simulator.events.background import background_records
from simulator.events.envelope import (
    ENVELOPE_FIELDS,
    envelope_to_record,
    event_bridge_source,
    record_to_envelope,
)
from simulator.events.identities import CallerIdentity, Session, SessionIssuer
from simulator.events.ids import decode_account, make_id
from simulator.events.logfiles import (
    log_file_problems,
    read_s3_log_file,
    s3_log_file,
    s3_log_key,
)
from simulator.events.near_misses import (
    NEAR_MISSES,
    NearMiss,
    get_near_miss,
    near_miss_event,
    near_miss_record,
)
from simulator.events.overrides import DELETE
from simulator.events.realism import envelope_realism_problems, realism_problems
from simulator.events.scenarios import SCENARIOS, Scenario, create_access_key_record, get_scenario


def create_access_key_event(
    scenario: str = "iam-user-cli",
    seed: int = 0,
    at: datetime | str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """An iam:CreateAccessKey event as EventBridge delivers it (see create_access_key_record)."""
    return record_to_envelope(create_access_key_record(scenario, seed, at, **overrides))


__all__ = [
    "DELETE",
    "ENVELOPE_FIELDS",
    "NEAR_MISSES",
    "SCENARIOS",
    "CallerIdentity",
    "NearMiss",
    "Scenario",
    "Session",
    "SessionIssuer",
    "background_records",
    "cloudtrail_error_code",
    "cloudtrail_shape",
    "create_access_key_event",
    "create_access_key_record",
    "decode_account",
    "envelope_realism_problems",
    "envelope_to_record",
    "event_bridge_source",
    "get_near_miss",
    "get_scenario",
    "log_file_problems",
    "make_id",
    "near_miss_event",
    "near_miss_record",
    "query_parameters",
    "read_s3_log_file",
    "realism_problems",
    "record_for_api_call",
    "record_to_envelope",
    "s3_log_file",
    "s3_log_key",
]
