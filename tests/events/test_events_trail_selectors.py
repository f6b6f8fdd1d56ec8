"""Which trails record IAM writes (shared by the doctor and the local cloud's emitter)."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.events.trail_selectors import covers_iam, selects_management_writes

MGMT = {"Field": "eventCategory", "Equals": ["Management"]}

SELECTOR_CASES: dict[str, tuple[dict[str, Any], bool]] = {
    "no-selectors-is-aws-default": ({}, True),
    "basic-all": ({"EventSelectors": [{"ReadWriteType": "All"}]}, True),
    "basic-write-only": ({"EventSelectors": [{"ReadWriteType": "WriteOnly"}]}, True),
    "basic-read-only": ({"EventSelectors": [{"ReadWriteType": "ReadOnly"}]}, False),
    "basic-management-off": (
        {"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False}]},
        False,
    ),
    "advanced-management": ({"AdvancedEventSelectors": [{"FieldSelectors": [MGMT]}]}, True),
    "advanced-management-read-only": (
        {
            "AdvancedEventSelectors": [
                {"FieldSelectors": [MGMT, {"Field": "readOnly", "Equals": ["true"]}]}
            ]
        },
        False,
    ),
    "advanced-data-only": (
        {
            "AdvancedEventSelectors": [
                {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}
            ]
        },
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(SELECTOR_CASES))
def test_selects_management_writes(case: str) -> None:
    selectors, expected = SELECTOR_CASES[case]
    assert selects_management_writes(selectors) is expected


@pytest.mark.parametrize(
    ("trail", "expected"),
    [
        ({"HomeRegion": "us-east-1"}, True),
        ({"HomeRegion": "eu-west-1", "IsMultiRegionTrail": True}, True),
        ({"HomeRegion": "eu-west-1"}, False),
        ({"HomeRegion": "us-east-1", "IncludeGlobalServiceEvents": False}, False),
    ],
    ids=["home-us-east-1", "multi-region", "other-home", "no-global-events"],
)
def test_covers_iam(trail: dict[str, Any], expected: bool) -> None:
    assert covers_iam(trail) is expected
