"""simulator.strategies: draws realistic events; bad arguments fail at draw time."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis.errors import InvalidArgument

from simulator.errors import ScenarioError
from simulator.events import realism_problems
from simulator.schemas import validate_event
from simulator.strategies import (
    StrategyArgumentError,
    cloudtrail_records,
    create_access_key_events,
    near_misses,
)


@settings(max_examples=40)
@given(create_access_key_events())
def test_events_strategy_create_access_key_events(event: dict) -> None:
    assert event["detail"]["eventName"] == "CreateAccessKey"
    assert validate_event(event) == []


@settings(max_examples=20)
@given(create_access_key_events(["root-console", "sso-role"], format="record"))
def test_events_strategy_named_scenarios_as_records(record: dict) -> None:
    assert record["userIdentity"]["type"] in ("Root", "AssumedRole")


@settings(max_examples=20)
@given(create_access_key_events(at="2022-02-02T02:02:02Z"))
def test_events_strategy_at_keeps_to_compatible_scenarios(event: dict) -> None:
    assert event["detail"]["eventTime"] == "2022-02-02T02:02:02Z"
    assert event["detail"]["eventVersion"] == "1.08"


@settings(max_examples=30)
@given(near_misses())
def test_events_strategy_near_misses(event: dict) -> None:
    detail = event["detail"]
    assert not (detail["eventName"] == "CreateAccessKey" and event["region"] == "us-east-1")


@settings(max_examples=40)
@given(cloudtrail_records())
def test_events_strategy_cloudtrail_records(record: dict) -> None:
    assert validate_event(record, "record") == []
    ignore = {"iam-region"} if record["awsRegion"] != "us-east-1" else set()
    assert realism_problems(record, ignore=ignore) == []


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (
            lambda: create_access_key_events("rot"),
            "scenario='rot' is not a scenario; run 'trailsim scenarios'",
        ),
        (lambda: create_access_key_events([]), "scenario=[] is empty"),
        (lambda: create_access_key_events(format="xml"), "format='xml' is not one of"),
        (lambda: create_access_key_events(at="soon"), "at='soon' is not an ISO 8601 time"),
        (lambda: near_misses("rot"), "near_miss='rot' is not a near miss"),
    ],
    ids=["scenario", "empty", "format", "at", "near-miss"],
)
def test_events_strategy_errors_surface_at_draw_time(strategy: object, message: str) -> None:
    built = strategy()  # type: ignore[operator]  # building never raises

    @settings(max_examples=1, database=None)
    @given(built)
    def draw(_: dict) -> None:
        pass

    with pytest.raises(StrategyArgumentError) as caught:
        draw()
    assert message in str(caught.value)
    assert isinstance(caught.value, ScenarioError) and isinstance(caught.value, InvalidArgument)
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)
