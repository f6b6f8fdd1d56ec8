"""CloudTrail records: field order, eventVersion gating, and records for observed API calls.

Key order follows a real trail record (research §1, rule 18): errorCode/errorMessage right after
userAgent, tlsDetails then sessionCredentialFromConsole last.  A field appears only from the
eventVersion that introduced it (§3, rule 33).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.events.clock import (
    event_time_text,
)
from simulator.events.identities import CallerIdentity, version_at_least

# First eventVersion of each optional top-level field (§3).  readOnly dates from 1.01 on the
# record-contents page, but IAM records of 2018 (1.02) lack it [BOTS]; we emit it from 1.05.
FIELD_SINCE: Mapping[str, str] = {
    "requestID": "1.01",
    "eventID": "1.01",
    "readOnly": "1.05",
    "eventType": "1.02",
    "recipientAccountId": "1.02",
    "sharedEventID": "1.03",
    "vpcEndpointId": "1.04",
    "serviceEventDetails": "1.05",
    "managementEvent": "1.06",
    "eventCategory": "1.07",
    "tlsDetails": "1.08",
    "sessionCredentialFromConsole": "1.08",
    "addendum": "1.08",
    "vpcEndpointAccountId": "1.09",
}


@dataclass(frozen=True, slots=True)
class ClientSide:
    """How the request reached AWS: source IP, userAgent, TLS, and console markers."""

    source_ip: str
    user_agent: str
    tls: Mapping[str, str] | None = None
    console: bool = False  # recent console: sessionCredentialFromConsole "true"


def build_record(
    *,
    version: str,
    caller: CallerIdentity,
    moment: datetime,
    event_source: str,
    event_name: str,
    region: str,
    client: ClientSide,
    request_parameters: Mapping[str, Any] | None,
    response_elements: Mapping[str, Any] | None,
    request_id: str,
    event_id: str,
    read_only: bool = False,
    error: tuple[str, str] | None = None,
    additional_event_data: Mapping[str, Any] | None = None,
    event_type: str = "AwsApiCall",
    recipient_account: str | None = None,
) -> dict[str, Any]:
    """One CloudTrail record in CloudTrail's key order, with only the fields ``version`` has."""
    record: dict[str, Any] = {
        "eventVersion": version,
        "userIdentity": caller.user_identity(version, moment),
        "eventTime": event_time_text(moment),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": client.source_ip,
        "userAgent": client.user_agent,
    }
    if error is not None:
        record["errorCode"], record["errorMessage"] = error
    record["requestParameters"] = dict(request_parameters) if request_parameters else None
    record["responseElements"] = (
        dict(response_elements) if response_elements and error is None else None
    )
    if additional_event_data is not None:
        record["additionalEventData"] = dict(additional_event_data)
    record["requestID"] = request_id
    record["eventID"] = event_id
    has_read_only, has_management, has_category, has_tls = _fields_of(version)
    if has_read_only:
        record["readOnly"] = read_only
    record["eventType"] = event_type
    if has_management:
        record["managementEvent"] = True
    record["recipientAccountId"] = recipient_account or caller.account
    if has_category:
        record["eventCategory"] = "Management"
    if has_tls:
        if client.tls is not None:
            record["tlsDetails"] = dict(client.tls)
        if client.console:
            record["sessionCredentialFromConsole"] = "true"
    return record


@functools.lru_cache(maxsize=64)
def _fields_of(version: str) -> tuple[bool, bool, bool, bool]:
    """Whether ``version`` has readOnly, managementEvent, eventCategory, tlsDetails (§3)."""
    return (
        version_at_least(version, FIELD_SINCE["readOnly"]),
        version_at_least(version, FIELD_SINCE["managementEvent"]),
        version_at_least(version, FIELD_SINCE["eventCategory"]),
        version_at_least(version, FIELD_SINCE["tlsDetails"]),
    )


__all__ = ["FIELD_SINCE", "ClientSide", "build_record"]
