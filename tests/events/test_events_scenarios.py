"""Every CreateAccessKey scenario: schema-valid, realistic, deterministic, self-consistent."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ScenarioError
from simulator.events import (
    DELETE,
    SCENARIOS,
    create_access_key_event,
    create_access_key_record,
    decode_account,
    envelope_realism_problems,
    realism_problems,
)
from simulator.events.cloudtrail import FIELD_SINCE
from simulator.events.identities import version_at_least
from simulator.events.ids import is_new_format
from simulator.schemas import validate_event

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
NAMES = sorted(SCENARIOS)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
@settings(max_examples=40)
@given(seed=SEEDS)
def test_events_scenario_is_schema_valid_and_realistic(name: str, seed: int) -> None:
    event = create_access_key_event(name, seed=seed)
    assert validate_event(event, "envelope") == []
    assert envelope_realism_problems(event) == []
    detail = event["detail"]
    assert detail["eventName"] == "CreateAccessKey"
    assert detail["eventSource"] == "iam.amazonaws.com"
    assert detail["awsRegion"] == event["region"] == "us-east-1"


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
@settings(max_examples=15)
@given(seed=SEEDS)
def test_events_scenario_is_deterministic(name: str, seed: int) -> None:
    first = orjson.dumps(create_access_key_event(name, seed=seed))
    assert orjson.dumps(create_access_key_event(name, seed=seed)) == first


@settings(max_examples=60)
@given(name=st.sampled_from(NAMES), seed=SEEDS)
def test_events_ids_and_arns_agree_with_the_account(name: str, seed: int) -> None:
    record = create_access_key_record(name, seed=seed)
    account = record["recipientAccountId"]
    identity = record["userIdentity"]
    assert identity["accountId"] == account
    assert f":{account}:" in identity["arn"]
    ids = [identity["accessKeyId"]]
    if identity["type"] in ("IAMUser", "AssumedRole"):
        ids.append(identity["principalId"].split(":")[0])
    if record["responseElements"] is not None:
        new_key = record["responseElements"]["accessKey"]["accessKeyId"]
        assert new_key.startswith("AKIA") and new_key != identity["accessKeyId"]
        ids.append(new_key)
    old_era = record["eventTime"] < "2019"  # IDs encode the account only from about 2019
    for identifier in ids:
        assert is_new_format(identifier) != old_era, identifier
        assert decode_account(identifier) == (None if old_era else account)


@pytest.mark.parametrize("name", [n for n in NAMES if SCENARIOS[n].version], ids=str)
def test_events_version_scenarios_have_only_their_fields(name: str) -> None:
    version = SCENARIOS[name].version
    assert version is not None
    for seed in range(5):
        record = create_access_key_record(name, seed=seed)
        assert record["eventVersion"] == version
        for field, since in FIELD_SINCE.items():
            if field in record:
                assert version_at_least(version, since), (field, version)
        assert ("tlsDetails" in record) == (
            version_at_least(version, "1.08") and "invokedBy" not in record["userIdentity"]
        )


def test_events_several_event_versions_are_covered() -> None:
    versions = {spec.version for spec in SCENARIOS.values() if spec.version}
    assert {"1.05", "1.08", "1.09", "1.10", "1.11"} <= versions


def test_events_secret_never_appears() -> None:
    for name in NAMES:
        for seed in range(10):
            text = orjson.dumps(create_access_key_event(name, seed=seed)).lower()
            assert b"secret" not in text, name


def test_events_at_sets_event_time_and_create_date() -> None:
    at = datetime(2024, 3, 9, 8, 5, 1, 999, tzinfo=timezone.utc)
    record = create_access_key_record("iam-user-cli", seed=3, at=at)
    assert record["eventTime"] == "2024-03-09T08:05:01Z"
    assert record["responseElements"]["accessKey"]["createDate"] == "Mar 9, 2024 8:05:01 AM"
    assert record["eventVersion"] == "1.09"  # IAM's version in 2024
    assert create_access_key_record("iam-user-cli", seed=3, at="2024-03-09T08:05:01Z") == record
    assert realism_problems(record) == []


def test_events_default_time_comes_from_the_seed_not_the_clock() -> None:
    times = {create_access_key_record(seed=s)["eventTime"] for s in range(20)}
    assert len(times) > 10
    assert all(t.startswith("2025-") for t in times)


def test_events_console_calls_look_like_console_calls() -> None:
    record = create_access_key_record("iam-user-console", seed=5)
    assert record["userAgent"] == "AWS Internal"
    assert record["sessionCredentialFromConsole"] == "true"
    assert list(record)[-1] == "sessionCredentialFromConsole"
    assert "tlsDetails" not in record
    assert record["userIdentity"]["accessKeyId"].startswith("ASIA")


def test_events_self_creation_has_null_parameters() -> None:
    record = create_access_key_record("iam-user-self", seed=2)
    assert record["requestParameters"] is None
    key = record["responseElements"]["accessKey"]
    assert key["userName"] == record["userIdentity"]["userName"]


def test_events_errors_have_null_response_and_exception_codes() -> None:
    for name, code in (
        ("error-limit-exceeded", "LimitExceededException"),
        ("error-no-such-entity", "NoSuchEntityException"),
        ("error-access-denied", "AccessDenied"),
    ):
        record = create_access_key_record(name, seed=1)
        assert record["errorCode"] == code
        assert record["responseElements"] is None
        keys = list(record)
        assert keys.index("errorCode") == keys.index("userAgent") + 1


def test_events_overrides_dotted_and_double_underscore() -> None:
    record = create_access_key_record(
        seed=1,
        eventName="CreateAccessKey2",
        requestParameters__userName="zed",
        **{"userIdentity.userName": "yy", "tlsDetails": DELETE, "new.nested": 1},
    )
    assert record["eventName"] == "CreateAccessKey2"
    assert record["requestParameters"] == {"userName": "zed"}
    assert record["userIdentity"]["userName"] == "yy"
    assert "tlsDetails" not in record
    assert record["new"] == {"nested": 1}
    event = create_access_key_event(
        seed=1, recipientAccountId="111122223333", awsRegion="eu-west-1"
    )
    assert event["account"] == "111122223333" and event["region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"scenario": "rot"}, "scenario='rot' is not a scenario; run 'trailsim scenarios'"),
        ({"seed": "x"}, "seed='x' is not an integer"),
        ({"at": "yesterday"}, "at='yesterday' is not an ISO 8601 time"),
        ({"scenario": "version-1.05", "at": "2025-01-01T00:00:00Z"}, "outside version-1.05's era"),
        ({"**": "x"}, "is not a field path"),
    ],
    ids=["scenario", "seed", "at", "era", "override"],
)
def test_events_bad_arguments_raise_scenario_error(kwargs: dict[str, object], text: str) -> None:
    with pytest.raises(ScenarioError, match=text.replace("(", r"\(").replace("'", "'")):
        if "**" in kwargs:
            create_access_key_record(**{"a..b": kwargs["**"]})
        else:
            create_access_key_record(**kwargs)  # type: ignore[arg-type]
