"""record_for_api_call + CallerIdentity.from_arn: the local cloud's CloudTrail emitter input."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest

from simulator.errors import ScenarioError
from simulator.events import CallerIdentity, realism_problems, record_for_api_call
from simulator.schemas import validate_event

ACCOUNT = "123456789012"
AT = "2026-03-02T10:11:12Z"
LOCAL = {"public-ip"}  # the local cloud's callers really are on 127.0.0.1
USER = CallerIdentity.from_arn(
    f"arn:aws:iam::{ACCOUNT}:user/ops/alice", "AKIARZPUZDIKK6ADW2BQ", user_id="q1w2e3r4t5y6u7i8o9p0"
)  # moto-style ID: replaced
ROOT = CallerIdentity.from_arn(f"arn:aws:iam::{ACCOUNT}:root", "AKIARZPUZDIKK6ADW2BQ")
ROLE = CallerIdentity.from_arn(
    f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/s1", "ASIARZPUZDIKK6ADW2BQ"
)
FEDERATED = CallerIdentity.from_arn(
    f"arn:aws:sts::{ACCOUNT}:federated-user/bob", "ASIARZPUZDIKK6ADW2BQ"
)


def call(
    event_name: str, caller: CallerIdentity, params: dict, response: dict | None, **kwargs: object
) -> dict:
    record = record_for_api_call(
        event_name=event_name,
        caller=caller,
        region="us-east-1",
        request_parameters=params,
        response_elements=response,
        at=AT,
        **kwargs,
    )  # type: ignore[arg-type]
    assert validate_event(record, "record") == []
    assert realism_problems(record, ignore=LOCAL) == []
    return record


def test_events_from_arn_shapes() -> None:
    assert USER.type == "IAMUser" and USER.user_name == "alice"
    assert USER.principal_id.startswith("AIDA") and len(USER.principal_id) == 21
    assert USER.principal_id == CallerIdentity.from_arn(USER.arn, "AKIA").principal_id
    assert ROOT.type == "Root" and ROOT.principal_id == ACCOUNT
    assert ROLE.type == "AssumedRole" and ROLE.principal_id.endswith(":s1")
    assert ROLE.session is not None and ROLE.session.issuer is not None
    assert ROLE.session.issuer.arn == f"arn:aws:iam::{ACCOUNT}:role/Admin"
    assert FEDERATED.principal_id == f"{ACCOUNT}:bob"
    with pytest.raises(ScenarioError, match="arn='nope'"):
        CallerIdentity.from_arn("nope", "AKIA")


def test_events_from_arn_keeps_valid_ids_and_session_context() -> None:
    role = CallerIdentity.from_arn(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/s1",
        "ASIARZPUZDIKK6ADW2BQ",
        user_id="AROARZPUZDIKIAX7QAMLR:s1",
        session_context={
            "attributes": {"creationDate": "2026-03-02T10:00:00Z", "mfaAuthenticated": "true"}
        },
    )
    assert role.principal_id == "AROARZPUZDIKIAX7QAMLR:s1"
    identity = role.user_identity("1.11", datetime(2026, 3, 2, 10, 11, 12, tzinfo=timezone.utc))
    assert identity["sessionContext"]["attributes"] == {
        "creationDate": "2026-03-02T10:00:00Z",
        "mfaAuthenticated": "true",
    }


@pytest.mark.parametrize("caller", [USER, ROOT, ROLE], ids=["user", "root", "role"])
def test_events_create_access_key_from_iam_api_shapes(caller: CallerIdentity) -> None:
    response = {
        "AccessKey": {
            "UserName": "bob",
            "AccessKeyId": "AKIARZPUZDIKK6ADW2BZ",
            "Status": "Active",
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
            "CreateDate": datetime(2026, 3, 2, 10, 11, 12, 345000, tzinfo=timezone.utc),
        }
    }
    record = call(
        "CreateAccessKey",
        caller,
        {"Action": "CreateAccessKey", "Version": "2010-05-08", "UserName": "bob"},
        response,
    )
    assert record["requestParameters"] == {"userName": "bob"}
    assert record["responseElements"] == {
        "accessKey": {
            "accessKeyId": "AKIARZPUZDIKK6ADW2BZ",
            "status": "Active",
            "userName": "bob",
            "createDate": "Mar 2, 2026 10:11:12 AM",
        }
    }
    assert b"wJalr" not in orjson.dumps(record)
    assert record["eventVersion"] == "1.11" and record["sourceIPAddress"] == "127.0.0.1"


def test_events_other_write_calls() -> None:
    call("DeleteAccessKey", USER, {"UserName": "bob", "AccessKeyId": "AKIARZPUZDIKK6ADW2BZ"}, None)
    update = call(
        "UpdateAccessKey",
        ROLE,
        {"UserName": "bob", "AccessKeyId": "AKIARZPUZDIKK6ADW2BZ", "Status": "Inactive"},
        {},
    )
    assert update["responseElements"] is None
    user = call(
        "CreateUser",
        ROOT,
        {"UserName": "carol", "Path": "/"},
        {
            "User": {
                "Path": "/",
                "UserName": "carol",
                "UserId": "x9y8z7",
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/carol",
                "CreateDate": "2026-03-02T10:11:12.345Z",
            }
        },
    )
    created = user["responseElements"]["user"]
    assert (
        created["userId"].startswith("AIDA") and created["createDate"] == "Mar 2, 2026 10:11:12 AM"
    )
    assert created["userId"] == CallerIdentity.from_arn(created["arn"], "AKIA").principal_id
    call("DeleteUser", USER, {"UserName": "carol"}, None)
    tagged = call(
        "CreateUser",
        USER,
        {"UserName": "dan", "Tags.member.1.Key": "team", "Tags.member.1.Value": "ops"},
        None,
    )
    assert tagged["requestParameters"] == {
        "userName": "dan",
        "tags": [{"key": "team", "value": "ops"}],
    }


DENIED = (
    f"User: arn:aws:iam::{ACCOUNT}:user/ops/alice is not authorized to perform: "
    "iam:CreateAccessKey on resource: user bob because no identity-based policy allows "
    "the iam:CreateAccessKey action"
)


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", "LimitExceededException"),
        ("NoSuchEntity", "The user with name bob cannot be found.", "NoSuchEntityException"),
        ("AccessDenied", DENIED, "AccessDenied"),
    ],
    ids=["limit", "no-such-entity", "denied"],
)
def test_events_error_calls(code: str, message: str, expected: str) -> None:
    record = call(
        "CreateAccessKey", USER, {"UserName": "bob"}, None, error_code=code, error_message=message
    )
    assert record["errorCode"] == expected and record["responseElements"] is None


def test_events_api_call_is_deterministic_without_at() -> None:
    kwargs = dict(
        event_name="DeleteUser",
        caller=USER,
        region="us-east-1",
        request_parameters={"UserName": "x"},
        response_elements=None,
    )
    first = record_for_api_call(**kwargs)  # type: ignore[arg-type]
    assert record_for_api_call(**kwargs) == first  # type: ignore[arg-type]
    assert first["eventID"] != first["requestID"]
    ids = record_for_api_call(**kwargs, event_id="e" * 8, request_id="r")  # type: ignore[arg-type]
    assert ids["eventID"] == "e" * 8 and ids["requestID"] == "r"


def test_events_console_user_agent_gives_console_markers() -> None:
    console = CallerIdentity.from_arn(f"arn:aws:iam::{ACCOUNT}:user/alice", "ASIARZPUZDIKK6ADW2BQ")
    record = call(
        "CreateAccessKey",
        console,
        {"UserName": "bob"},
        {
            "AccessKey": {
                "UserName": "bob",
                "AccessKeyId": "AKIARZPUZDIKK6ADW2BZ",
                "Status": "Active",
            }
        },
        user_agent="AWS Internal",
    )
    assert record["sessionCredentialFromConsole"] == "true" and "tlsDetails" not in record
