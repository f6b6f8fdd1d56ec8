"""Does a trail record IAM's write management events?  Asked of moto's CloudTrail, in-process.

On AWS, CloudTrail events reach EventBridge only when a trail with logging on records them
(delivery-path.md §2.5, §3 row 5).  For IAM (a global service, recorded in us-east-1) that
means a trail that is logging, includes global service events, lives in us-east-1 or is
multi-region, and selects write management events.  moto reports no event selectors for a new
trail where AWS reports its default (all management events, read and write) [§5.6], so an
empty selector list counts as that default.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.test import Client

from simulator.events.trail_selectors import IAM_REGION, covers_iam, selects_management_writes
from simulator.local.moto_app import authorization_header

_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."


def trail_records_iam_writes(moto_app: Any, access_key_id: str) -> bool:
    """True when some trail of the key's account would deliver IAM write calls to EventBridge."""
    client = Client(moto_app)
    trails = _call(client, access_key_id, "DescribeTrails", {"includeShadowTrails": True})
    for trail in trails.get("trailList", []):
        if not covers_iam(trail):
            continue
        arn = trail.get("TrailARN") or trail.get("Name")
        status = _call(client, access_key_id, "GetTrailStatus", {"Name": arn})
        if not status.get("IsLogging"):
            continue
        selectors = _call(client, access_key_id, "GetEventSelectors", {"TrailName": arn})
        if selects_management_writes(selectors):
            return True
    return False


def _call(client: Client, access_key_id: str, operation: str, body: dict[str, Any]) -> Any:
    response = client.post(
        "/",
        data=json.dumps(body),
        headers={
            "Authorization": authorization_header(access_key_id, "cloudtrail", IAM_REGION),
            "X-Amz-Target": _TARGET + operation,
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    if response.status_code != 200:
        return {}
    try:
        return json.loads(response.get_data() or b"{}")
    except ValueError:
        return {}
