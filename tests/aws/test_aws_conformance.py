"""Every AWS-recorded case gives AWS's answer through boto3's TestEventPattern on the local cloud.

Two views of each case in ../shared/conformance/aws-recorded.jsonl: the raw boto3 answer (Result,
or the exception class, HTTP status and full message AWS recorded), and trailsim's
`test_event_pattern` mapping of it (bool, PatternError, InvalidEventError).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.aws import pattern_api
from simulator.errors import InvalidEventError, PatternError

CASES_FILE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "aws-recorded.jsonl"
if not CASES_FILE.exists():
    pytest.skip(f"{CASES_FILE} is absent (reference material)", allow_module_level=True)

CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line]
# {case_name: reason} for cases where the local cloud is known to differ from AWS (none today).
KNOWN_DEVIATIONS: dict[str, str] = {}

pytestmark = pytest.mark.conformance


def wire_text(case: dict[str, Any], field: str) -> str:
    """What AWS received: verbatim text when `<field>_raw`, else Python's default json.dumps."""
    value = case[field]
    return value if case.get(f"{field}_raw") else json.dumps(value)


def recorded_message(case: dict[str, Any]) -> str:
    """AWS's full message; `<partition>`/`<region>` are recording placeholders (semantics §3.1)."""
    raw = case.get("aws_error_raw") or case["aws_error"]
    return str(raw).replace("<partition>", "aws").replace("<region>", "us-east-1")


def params() -> list[Any]:
    """One parameter per recorded case (a list: pytest deprecates generators here)."""
    return [_param(case) for case in CASES]


def _param(case: dict[str, Any]) -> Any:
    marks = []
    if case["name"] in KNOWN_DEVIATIONS:
        marks.append(pytest.mark.xfail(reason=KNOWN_DEVIATIONS[case["name"]], strict=True))
    return pytest.param(case, id=case["name"], marks=marks)


@pytest.fixture(scope="module")
def events(local_cloud_server: Any) -> Any:
    return local_cloud_server.client("events")


@pytest.fixture(scope="module")
def session(local_cloud_server: Any) -> Any:
    return local_cloud_server.session()


def assert_recorded_answer(case: dict[str, Any], events: Any) -> None:
    """`events` (a boto3 client) answers TestEventPattern as AWS did when the case was recorded."""
    from botocore.exceptions import ClientError

    call = {"EventPattern": wire_text(case, "pattern"), "Event": wire_text(case, "event")}
    expected = case["expected"]
    if expected in ("match", "no_match"):
        assert events.test_event_pattern(**call)["Result"] is (expected == "match")
    elif expected == "invalid_pattern":
        with pytest.raises(events.exceptions.InvalidEventPatternException) as info:
            events.test_event_pattern(**call)
        assert info.value.response["Error"]["Message"] == recorded_message(case)
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    else:
        with pytest.raises(ClientError) as raised:
            events.test_event_pattern(**call)
        assert raised.value.response["Error"]["Code"] == case["aws_error_code"]
        assert raised.value.response["Error"]["Message"] == case["aws_error"]
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("case", params())
def test_boto3_answer_is_the_recorded_one(
    case: dict[str, Any], events: Any, local_cloud_server: Any
) -> None:
    assert_recorded_answer(case, events)
    local_cloud_server.check()


@pytest.mark.live
@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_live_aws_still_answers_as_recorded(case: dict[str, Any], aws_client: Any) -> None:
    """Differential check against real AWS (--trailsim-live): has AWS drifted from the record?"""
    assert_recorded_answer(case, aws_client("events"))


@pytest.mark.parametrize("case", params())
def test_trailsim_maps_the_recorded_answer(
    case: dict[str, Any], session: Any, local_cloud_server: Any
) -> None:
    def ask() -> bool:
        return pattern_api.test_event_pattern(
            wire_text(case, "pattern"),
            wire_text(case, "event"),
            session=session,
            endpoint_url=local_cloud_server.endpoint_url,
        )

    expected = case["expected"]
    if expected in ("match", "no_match"):
        assert ask() is (expected == "match")
    elif expected == "invalid_pattern":
        with pytest.raises(PatternError) as info:
            ask()
        reason = case["aws_error"].removeprefix("Event pattern is not valid. Reason: ")
        assert info.value.reason == reason
        assert str(info.value) == case["aws_error"]
        located = pattern_api.pattern_error_from_message(recorded_message(case))
        assert (info.value.line, info.value.column) == (located.line, located.column)
    else:
        with pytest.raises(InvalidEventError) as raised:
            ask()
        assert str(raised.value) == case["aws_error"]
