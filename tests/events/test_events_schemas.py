"""simulator.schemas: the three schemas and validate_event's problems with JSON paths."""

from __future__ import annotations

import json

import orjson
import pytest

from simulator.errors import EventValidationError
from simulator.events import create_access_key_event, create_access_key_record, s3_log_file
from simulator.schemas import KINDS, check_event, infer_kind, load_schema, validate_event


def test_events_schemas_are_package_data() -> None:
    for kind in KINDS:
        schema = load_schema(kind)
        assert schema["$id"] == f"urn:trailsim:schema:{kind}"
    with pytest.raises(EventValidationError):
        load_schema("nope")


def test_events_schema_kind_inference_and_inputs() -> None:
    event = create_access_key_event()
    record = create_access_key_record()
    assert infer_kind(event) == "envelope" and infer_kind(record) == "record"
    assert infer_kind({"Records": []}) == "log_file"
    assert validate_event(orjson.dumps(event)) == []
    assert validate_event(json.dumps(record)) == []
    assert validate_event(s3_log_file([record])) == []
    assert validate_event("{nope")[0].path == "$"


def test_events_schema_problems_name_json_paths() -> None:
    event = create_access_key_event()
    event["detail"]["readOnly"] = "false"
    event["detail"]["userIdentity"]["accessKeyId"] = "AKIA0000"
    event["detail"]["responseElements"]["accessKey"]["secretAccessKey"] = "x"
    del event["detail"]["eventTime"]
    event["version"] = 0
    problems = {p.path: p.message for p in validate_event(event)}
    assert "$.detail.readOnly" in problems
    assert "$.detail.userIdentity.accessKeyId" in problems
    assert "secretAccessKey" in problems["$.detail.responseElements.accessKey"]
    assert "eventTime" in problems["$.detail"]
    assert "$.version" in problems
    with pytest.raises(EventValidationError, match=r"not a valid envelope: \$\.detail"):
        check_event(event)


def test_events_schema_error_records_need_a_message_and_null_response() -> None:
    record = create_access_key_record("error-limit-exceeded")
    assert validate_event(record) == []
    record["responseElements"] = {"accessKey": {}}
    del record["errorMessage"]
    paths = {p.path for p in validate_event(record)}
    assert "$" in paths and "$.responseElements" in paths


def test_events_schema_log_file_items_are_records() -> None:
    problems = validate_event({"Records": [create_access_key_record(), {"eventVersion": 1}]})
    assert problems and all(p.path.startswith("$.Records[1]") for p in problems)
