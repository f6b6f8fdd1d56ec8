"""The EventBridge envelope CloudTrail events arrive in (research §5).

``id`` is fresh (never the record's eventID) and, like AWS's, 32 hex digits in UUID layout that
are not RFC 4122; ``time`` is eventTime or up to 3 s later (observed [NUV]); ``resources`` is
``[]`` and ``version`` ``"0"``; ``detail`` is the record without Lake-only ``eventContext``.
Both are derived from a hash of the record's eventID, so conversion is deterministic.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson

from simulator.errors import EventValidationError
from simulator.events.clock import event_time_text

DETAIL_TYPES: Mapping[str, str] = {
    "AwsApiCall": "AWS API Call via CloudTrail",
    "AwsConsoleSignIn": "AWS Console Sign In via CloudTrail",
    "AwsConsoleAction": "AWS Console Action via CloudTrail",
    "AwsServiceEvent": "AWS Service Event via CloudTrail",
}
# eventSource prefixes whose EventBridge source is not "aws.<prefix>".
_SOURCE_EXCEPTIONS: Mapping[str, str] = {"monitoring": "aws.cloudwatch"}


@functools.lru_cache(maxsize=512)
def event_bridge_source(event_source: str) -> str:
    """``iam.amazonaws.com`` -> ``aws.iam``."""
    prefix = event_source.split(".", 1)[0]
    return _SOURCE_EXCEPTIONS.get(prefix) or "aws." + prefix


def _lagged(event_time: str, lag: int) -> str:
    if lag == 0:
        return event_time
    second = event_time[17:19]
    if len(event_time) == 20 and second.isdigit() and int(second) + lag < 60:
        # Same minute: only the seconds change (the common case, and much cheaper).
        return f"{event_time[:17]}{int(second) + lag:02d}Z"
    moment = datetime.fromisoformat(event_time[:-1]) + timedelta(seconds=lag)
    return event_time_text(moment)


# The fields of every EventBridge event, in the order EventBridge writes them (anatomy §5).
ENVELOPE_FIELDS: tuple[str, ...] = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)


def record_to_envelope(record: Mapping[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """``record`` as EventBridge delivers it; ``event_id`` sets the envelope ``id``.

    ``detail`` is ``record`` itself (not a copy) unless the record has ``eventContext``; copy the
    record first if you will change one and not the other.
    """
    digest = _blake2b(str(record.get("eventID", "")).encode(), digest_size=17).digest()
    # The id is the first 16 bytes in hex (same text as ids.envelope_id_text of their int).
    hex_id = digest.hex()
    detail = record
    if "eventContext" in record:
        detail = {k: v for k, v in record.items() if k != "eventContext"}
    account = record.get("recipientAccountId")
    if account is None:
        account = record.get("userIdentity", {}).get("accountId", "")
    return {
        "version": "0",
        "id": event_id
        or f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:32]}",
        "detail-type": _DETAIL_TYPE_OF.get(record.get("eventType"), _API_CALL),
        "source": event_bridge_source(str(record.get("eventSource", ""))),
        "account": account,
        "time": _lagged(str(record.get("eventTime", "")), _LAGS[digest[16] & 7]),
        "region": record.get("awsRegion", "us-east-1"),
        "resources": [],
        "detail": detail,
    }


_blake2b = hashlib.blake2b
_LAGS = (0, 0, 1, 1, 1, 2, 2, 3)  # seconds from eventTime to the envelope's time (0-3 s [NUV])
_API_CALL = "AWS API Call via CloudTrail"
_DETAIL_TYPE_OF: dict[Any, str] = dict(DETAIL_TYPES)


def envelope_to_record(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudTrail record inside an EventBridge envelope (a deep copy)."""
    detail = envelope.get("detail") if isinstance(envelope, Mapping) else None
    if not isinstance(detail, Mapping):
        raise EventValidationError("envelope", ["$.detail: expected an object (the record)"])
    copied: dict[str, Any] = orjson.loads(orjson.dumps(detail))
    return copied
