"""Which CloudTrail trails record an IAM write call: the facts both the doctor and the local cloud
need (delivery-path.md §2, §5.6).

IAM is a global service: its events are recorded in us-east-1, by a trail whose home region is
us-east-1 or that is multi-region, and that includes global service events.  A trail records
write management events when a basic selector includes management events with ReadWriteType All
or WriteOnly, or an advanced selector selects eventCategory Management without restricting
readOnly to true.  A trail with no selectors at all is AWS's default (All, management events on);
moto reports none for a new trail, so "none" reads as that default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IAM_REGION = "us-east-1"


def covers_iam(trail: Mapping[str, Any]) -> bool:
    """True when `trail` (a DescribeTrails item) can record IAM's global events."""
    home = trail.get("HomeRegion", IAM_REGION)
    in_home = home == IAM_REGION or bool(trail.get("IsMultiRegionTrail"))
    return in_home and trail.get("IncludeGlobalServiceEvents", True) is not False


def selects_management_writes(selectors: Mapping[str, Any]) -> bool:
    """True when a GetEventSelectors reply records write management events."""
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if not basic and not advanced:
        return True
    return any(_basic_selects_writes(s) for s in basic) or any(
        _advanced_selects_writes(s) for s in advanced
    )


def _basic_selects_writes(selector: Mapping[str, Any]) -> bool:
    included = selector.get("IncludeManagementEvents", True)
    return bool(included) and selector.get("ReadWriteType", "All") in ("All", "WriteOnly")


def _advanced_selects_writes(selector: Mapping[str, Any]) -> bool:
    fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
    category = fields.get("eventCategory", {}).get("Equals", [])
    read_only = fields.get("readOnly", {}).get("Equals", [])
    return "Management" in category and "true" not in read_only
