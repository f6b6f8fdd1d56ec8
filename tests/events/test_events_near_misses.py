"""Near misses: realistic, schema-valid, and never a CreateAccessKey in us-east-1 from IAM."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ScenarioError
from simulator.events import (
    NEAR_MISSES,
    envelope_realism_problems,
    near_miss_event,
    near_miss_record,
)
from simulator.schemas import validate_event

NAMES = sorted(NEAR_MISSES)
# The one near miss that breaks a realism rule on purpose.
DELIBERATE = {"iam-wrong-region": {"iam-region"}}


def is_create_access_key_in_us_east_1(event: dict) -> bool:
    detail = event["detail"]
    return (
        event["source"] == "aws.iam"
        and event["region"] == "us-east-1"
        and detail["eventSource"] == "iam.amazonaws.com"
        and detail["eventName"] == "CreateAccessKey"
    )


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_events_near_miss_is_valid_realistic_and_not_the_event(name: str, seed: int) -> None:
    event = near_miss_event(name, seed=seed)
    assert validate_event(event, "envelope") == []
    assert envelope_realism_problems(event, ignore=DELIBERATE.get(name, ())) == []
    assert not is_create_access_key_in_us_east_1(event)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_events_near_miss_is_deterministic(name: str) -> None:
    assert orjson.dumps(near_miss_record(name, 9)) == orjson.dumps(near_miss_record(name, 9))
    assert near_miss_record(name, 9) != near_miss_record(name, 10)


def test_events_required_near_misses_exist() -> None:
    required = {
        "delete-access-key",
        "update-access-key",
        "create-user",
        "create-login-profile",
        "create-service-specific-credential",
        "list-access-keys",
        "iam-wrong-region",
    }
    assert required <= set(NEAR_MISSES)
    assert any(not miss.iam for miss in NEAR_MISSES.values())


def test_events_list_access_keys_is_read_only() -> None:
    record = near_miss_record("list-access-keys", 1)
    assert record["readOnly"] is True and record["responseElements"] is None


def test_events_wrong_region_breaks_only_the_region() -> None:
    event = near_miss_event("iam-wrong-region", 3)
    assert event["region"] != "us-east-1" and event["detail"]["eventName"] == "CreateAccessKey"
    problems = envelope_realism_problems(event)
    assert problems and all(p.startswith("detail.iam-region") for p in problems)


def test_events_near_miss_never_logs_passwords() -> None:
    for name in NAMES:
        text = orjson.dumps(near_miss_record(name, 4)).lower()
        assert b'password"' not in text.replace(b"passwordresetrequired", b"")
        assert b"secret" not in text and b"sessiontoken" not in text


def test_events_unknown_near_miss() -> None:
    with pytest.raises(ScenarioError, match="near_miss='nope' is not a near miss"):
        near_miss_record("nope")
