"""Record <-> envelope conversion, S3 log files and their keys."""

from __future__ import annotations

import gzip
import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import EventValidationError, InputError
from simulator.events import (
    SCENARIOS,
    create_access_key_event,
    create_access_key_record,
    envelope_to_record,
    log_file_problems,
    near_miss_record,
    read_s3_log_file,
    record_to_envelope,
    s3_log_file,
    s3_log_key,
)
from simulator.schemas import validate_event


@settings(max_examples=50)
@given(name=st.sampled_from(sorted(SCENARIOS)), seed=st.integers(0, 2**32 - 1))
def test_events_round_trip(name: str, seed: int) -> None:
    record = create_access_key_record(name, seed=seed)
    envelope = record_to_envelope(record)
    assert envelope_to_record(envelope) == record
    assert record_to_envelope(envelope_to_record(envelope)) == envelope
    assert envelope == create_access_key_event(name, seed=seed)


def test_events_envelope_fields() -> None:
    envelope = create_access_key_event(seed=2)
    detail = envelope["detail"]
    assert list(envelope) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert envelope["version"] == "0" and envelope["resources"] == []
    assert envelope["id"] != detail["eventID"]
    assert envelope["account"] == detail["recipientAccountId"]
    assert envelope["time"] >= detail["eventTime"]
    assert record_to_envelope(detail, event_id="abc")["id"] == "abc"


def test_events_envelope_drops_event_context_and_names_sources() -> None:
    record = create_access_key_record(seed=1, eventContext={"x": 1})
    assert "eventContext" not in record_to_envelope(record)["detail"]
    sign_in = record_to_envelope(near_miss_record("console-sign-in", 1))
    assert sign_in["detail-type"] == "AWS Console Sign In via CloudTrail"
    assert sign_in["source"] == "aws.signin"


def test_events_envelope_to_record_copies_and_rejects_non_envelopes() -> None:
    envelope = create_access_key_event()
    record = envelope_to_record(envelope)
    record["eventName"] = "x"
    assert envelope["detail"]["eventName"] == "CreateAccessKey"
    with pytest.raises(EventValidationError, match=r"\$\.detail"):
        envelope_to_record({"detail": "nope"})


def test_events_s3_log_file_round_trip_and_reproducible() -> None:
    records = [create_access_key_record(seed=s) for s in range(3)]
    data = s3_log_file(records)
    assert data[:2] == b"\x1f\x8b" and s3_log_file(records) == data
    assert orjson.loads(gzip.decompress(data)) == {"Records": records}
    assert read_s3_log_file(data) == records
    assert validate_event(data, "log_file") == []
    with pytest.raises(InputError, match="not a CloudTrail log file"):
        read_s3_log_file(b"nope", "x.json.gz")
    with pytest.raises(InputError, match=r"Records"):
        read_s3_log_file(b'{"records": []}', "x.json")


def test_events_s3_log_key_layout() -> None:
    key = s3_log_key("493817265048", "us-east-1", "2025-10-14T14:12:00Z", seed=1)
    assert re.fullmatch(
        r"AWSLogs/493817265048/CloudTrail/us-east-1/2025/10/14/493817265048_CloudTrail_"
        r"us-east-1_20251014T1412Z_[A-Za-z0-9]{16}\.json\.gz",
        key,
    )
    assert key == s3_log_key("493817265048", "us-east-1", "2025-10-14T14:12:00Z", seed=1)
    assert key != s3_log_key("493817265048", "us-east-1", "2025-10-14T14:12:00Z", seed=2)
    org = s3_log_key(
        "493817265048",
        "us-east-1",
        "2025-10-14T14:12:00Z",
        prefix="trail/",
        organization_id="o-abc123defg",
    )
    assert org.startswith("trail/AWSLogs/o-abc123defg/493817265048/CloudTrail/")


def test_events_envelope_time_lag_crosses_minutes_and_days() -> None:
    from simulator.events.envelope import _lagged

    assert _lagged("2025-12-31T23:59:59Z", 0) == "2025-12-31T23:59:59Z"
    assert _lagged("2025-12-31T23:59:59Z", 2) == "2026-01-01T00:00:01Z"
    assert _lagged("2025-10-14T14:07:31Z", 3) == "2025-10-14T14:07:34Z"


def test_events_log_file_problems() -> None:
    records = [create_access_key_record(seed=s, at="2025-10-14T14:07:31Z") for s in range(2)]
    data = s3_log_file(records)
    account = records[0]["recipientAccountId"]
    good = s3_log_key(account, "us-east-1", "2025-10-14T14:12:00Z")
    assert records[1]["recipientAccountId"] != account  # each seed is its own account
    assert any("recipientAccountId" in p for p in log_file_problems(good, data))
    same_account = s3_log_file([records[0]])
    assert log_file_problems(good, same_account) == []
    early = s3_log_key(account, "us-east-1", "2025-10-14T14:05:00Z")
    assert any(
        "after the file's delivery time" in p for p in log_file_problems(early, same_account)
    )
    assert log_file_problems("logs/x.json", same_account)[0].endswith(".json.gz")
    wrong_region = good.replace("us-east-1", "eu-west-1")
    assert any("awsRegion" in p for p in log_file_problems(wrong_region, same_account))
