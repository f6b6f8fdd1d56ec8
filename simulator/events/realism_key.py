"""Realism rules specific to iam:CreateAccessKey records (§1.1, §9 rules 9-12, 35, 37)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from simulator.events.clock import (
    CREATE_DATE_RE,
    EVENT_TIME_RE,
    parse_create_date,
    parse_event_time,
)
from simulator.events.ids import ACCESS_KEY_RE, is_new_format

Record = Mapping[str, Any]
_KEY_FIELDS = frozenset({"accessKeyId", "status", "userName", "createDate"})


def _is_create_key(record: Record) -> bool:
    return (
        record.get("eventSource") == "iam.amazonaws.com"
        and record.get("eventName") == "CreateAccessKey"
    )


def _new_key(record: Record) -> Iterator[str]:
    if not _is_create_key(record) or "errorCode" in record:
        return
    response = record.get("responseElements")
    key = response.get("accessKey") if isinstance(response, Mapping) else None
    if not isinstance(key, Mapping):
        yield "a successful CreateAccessKey has responseElements.accessKey"
        return
    if set(key) - _KEY_FIELDS:
        yield f"accessKey has fields beyond {sorted(_KEY_FIELDS)}: {sorted(set(key) - _KEY_FIELDS)}"
    key_id = str(key.get("accessKeyId", ""))
    if not key_id.startswith("AKIA") or not ACCESS_KEY_RE.match(key_id):
        yield f"new key {key_id!r} is not an AKIA key of 20 base32 characters"
    elif _year(record) >= 2020 and not is_new_format(key_id):
        # Keys created after the format change encode the account (rule 8); 2019 is unpinned.
        yield f"new key {key_id!r} is an old-format ID (5th character I or J)"
    if key_id == record.get("userIdentity", {}).get("accessKeyId"):
        yield "the new key equals the caller's key"
    if key.get("status") != "Active":
        yield f"new keys are Active, not {key.get('status')!r}"
    yield from _create_date(record, key)
    yield from _owner(record, key)


def _year(record: Record) -> int:
    text = str(record.get("eventTime", ""))
    return int(text[:4]) if text[:4].isdigit() else 0


def _create_date(record: Record, key: Mapping[str, Any]) -> Iterator[str]:
    text = str(key.get("createDate", ""))
    if not CREATE_DATE_RE.match(text):
        yield f"createDate {text!r} is not IAM's 'MMM d, yyyy h:mm:ss a'"
    elif EVENT_TIME_RE.match(str(record.get("eventTime", ""))) and parse_create_date(
        text
    ) != parse_event_time(record["eventTime"]):
        yield f"createDate {text!r} is not the second of eventTime {record['eventTime']}"


def _owner(record: Record, key: Mapping[str, Any]) -> Iterator[str]:
    params = record.get("requestParameters")
    identity = record.get("userIdentity", {})
    if params is not None:
        if key.get("userName") != params.get("userName"):
            yield "accessKey.userName differs from requestParameters.userName"
    elif identity.get("type") == "IAMUser" and key.get("userName") != identity.get("userName"):
        yield "without UserName the key belongs to the calling user"


def _request(record: Record) -> Iterator[str]:
    if not _is_create_key(record):
        return
    params = record.get("requestParameters")
    if params is not None and (
        set(params) != {"userName"} or not isinstance(params.get("userName"), str)
    ):
        yield "requestParameters is null or exactly {'userName': <string>}"
    if params == {}:
        yield "an omitted UserName gives requestParameters null, not {}"
    for name in ("resources", "apiVersion", "sharedEventID", "eventContext"):
        if name in record:
            yield f"{name} does not appear on CreateAccessKey records"


_COMMAND_RE = re.compile(r"command[#/]([a-z0-9-]+)\.([a-z0-9-]+)")


def _cli_command(record: Record) -> Iterator[str]:
    """The CLI v2 names the command it ran; it must be this event's API call (rule 35)."""
    match = _COMMAND_RE.search(str(record.get("userAgent", "")))
    if match is None:
        return
    name = str(record.get("eventName", "")).rstrip("0123456789")
    expected = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
    if match.group(2) != expected:
        yield f"the AWS CLI userAgent names command {match.group(0)[8:]}, not *.{expected}"


CREATE_KEY_RULES: Mapping[str, Callable[[Record], Iterator[str]]] = {
    "new-key": _new_key,
    "create-key-request": _request,
    "cli-command": _cli_command,
}
