"""PutEvents entries: AWS's per-entry checks and the event envelope AWS builds from an entry."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from simulator.local import eventbridge_errors as errs
from simulator.local.eventbridge_model import Scope

MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"


def check_entries(entries: object) -> list[Any]:
    """Request-level checks: Entries is a list of 1..10 entries within 256 KB (botocore model)."""
    if entries is None:
        raise errs.missing("entries")
    if not isinstance(entries, list):
        raise errs.serialization("Entries must be a list")
    if not entries:
        raise errs.constraint("[]", "entries", "Member must have length greater than or equal to 1")
    if len(entries) > MAX_ENTRIES:
        # AWS prints the list as Java's toString; moto and LocalStack quote it as below.
        raise errs.constraint(
            "[PutEventsRequestEntry]", "entries", "Member must have length less than or equal to 10"
        )
    if sum(entry_size(e) for e in entries if isinstance(e, Mapping)) > MAX_REQUEST_BYTES:
        raise errs.validation("Total size of the entries in the request is over the limit.")
    return entries


def entry_size(entry: Mapping[str, Any]) -> int:
    """The PutEvents entry size as the EventBridge guide computes it (eb-putevent-size)."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        size += len(value.encode()) if isinstance(value, str) else 0
    resources = entry.get("Resources") or []
    size += sum(len(r.encode()) for r in resources if isinstance(r, str))
    return size


def entry_problem(entry: object, *, trusted: bool = False) -> tuple[str, str] | None:
    """AWS's (ErrorCode, ErrorMessage) for one entry, or None when it is accepted.

    Messages: AWS's, as moto's tests pin them ("Parameter Source is not valid. Reason: Source is a
    required argument.") and delivery-path.md §5.4 ("Not authorized for the source.").
    `trusted` is the local CloudTrail emitter: only AWS services may use `aws.*` sources.
    """
    if not isinstance(entry, Mapping):
        return ("InvalidArgument", "Parameter Entry is not valid.")
    for key in ("Source", "DetailType", "Detail"):
        if not isinstance(entry.get(key), str) or not entry.get(key):
            return (
                "InvalidArgument",
                f"Parameter {key} is not valid. Reason: {key} is a required argument.",
            )
    if entry["Source"].startswith("aws.") and not trusted:
        return ("NotAuthorizedForSourceException", "Not authorized for the source.")
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return ("MalformedDetail", "Detail is malformed.")
    return None


def build_envelope(entry: Mapping[str, Any], scope: Scope, received: datetime) -> dict[str, Any]:
    """The event AWS delivers for an accepted entry, keys in AWS's order (delivery-path.md §1.1)."""
    resources = entry.get("Resources")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": scope.account,
        "time": format_time(entry_time(entry.get("Time"), received)),
        "region": scope.region,
        "resources": list(resources) if isinstance(resources, list) else [],
        "detail": json.loads(entry["Detail"]),
    }


def entry_time(value: object, default: datetime) -> datetime:
    """An entry's Time: botocore sends epoch seconds; strings in ISO 8601 are accepted too."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return default
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return default


def format_time(moment: datetime) -> str:
    """EventBridge's `time`: UTC, whole seconds, `Z` suffix ("2015-11-11T21:29:54Z")."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_read_only_management_event(event: Mapping[str, Any]) -> bool:
    """A read-only CloudTrail management event, which reaches ENABLED rules no more (§1.1)."""
    detail = event.get("detail")
    return (
        event.get("detail-type") == CLOUDTRAIL_DETAIL_TYPE
        and isinstance(detail, Mapping)
        and detail.get("readOnly") is True
    )


def event_json(event: Mapping[str, Any]) -> str:
    """The event as EventBridge sends it to targets: minified JSON, keys in envelope order."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)
