"""Custom notifications: validation naming the JSON path, and the InputTransformer generator."""

from __future__ import annotations

import json
import pickle
import re
from datetime import datetime, timezone
from typing import Any

import pytest

from simulator.errors import ConfigError
from simulator.events import SCENARIOS, create_access_key_event
from simulator.slack.notifications import (
    CustomNotification,
    NotificationError,
    NotificationMetadata,
    chatbot_input_transformer,
    notification_problems,
    parse_custom_notification,
    zone_offset_note,
)

VALID: dict[str, Any] = {
    "version": "1.0",
    "source": "custom",
    "id": "n-1",
    "content": {
        "textType": "client-markdown",
        "title": ":key: title",
        "description": "desc",
        "nextSteps": ["a", "b"],
        "keywords": ["k"],
    },
    "metadata": {
        "threadId": "t",
        "summary": "s",
        "eventType": "e",
        "relatedResources": ["r"],
        "additionalContext": {"k": "v"},
    },
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(VALID))
    *parents, last = path.split(".")
    target = doc
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return doc


DELETE = object()
INVALID = {
    "version-1": (with_change("version", "1"), "$.version"),
    "version-missing": (with_change("version", DELETE), "$.version"),
    "source-other": (with_change("source", "aws.iam"), "$.source"),
    "content-missing": (with_change("content", DELETE), "$.content"),
    "description-missing": (with_change("content.description", DELETE), "$.content.description"),
    "description-blank": (with_change("content.description", "  "), "$.content.description"),
    "description-number": (with_change("content.description", 5), "$.content.description"),
    "text-type": (with_change("content.textType", "markdown"), "$.content.textType"),
    "title-object": (with_change("content.title", {}), "$.content.title"),
    "next-steps-string": (with_change("content.nextSteps", "a"), "$.content.nextSteps"),
    "keyword-number": (with_change("content.keywords", ["a", 1]), "$.content.keywords[1]"),
    "metadata-list": (with_change("metadata", []), "$.metadata"),
    "thread-number": (with_change("metadata.threadId", 1), "$.metadata.threadId"),
    "context-value": (
        with_change("metadata.additionalContext", {"k": 1}),
        "$.metadata.additionalContext.k",
    ),
    "id-number": (with_change("id", 7), "$.id"),
}


def test_valid_notification_round_trips() -> None:
    notification = parse_custom_notification(VALID)
    assert notification.next_steps == ("a", "b")
    assert notification.metadata == NotificationMetadata("t", "s", "e", ("r",), {"k": "v"})
    assert notification.to_json() == VALID
    assert parse_custom_notification(json.dumps(VALID)) == notification
    assert notification_problems(VALID) == []


def test_minimal_notification() -> None:
    minimal = {"version": "1.0", "source": "custom", "content": {"description": "d"}}
    assert parse_custom_notification(minimal) == CustomNotification(description="d")


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_problems_name_the_json_path(case: str) -> None:
    document, path = INVALID[case]
    problems = notification_problems(document)
    assert [p for p, _ in problems] == [path]
    with pytest.raises(NotificationError) as info:
        parse_custom_notification(document)
    assert info.value.path == path and path in str(info.value)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("not json", "is not JSON"),
        ("[1]", "must be a JSON object"),
        (None, "must be a JSON object"),
    ],
)
def test_non_objects(document: Any, problem: str) -> None:
    ((path, message),) = notification_problems(document)
    assert path == "$" and problem in message


def test_notification_error_pickles() -> None:
    error = NotificationError("$.version", 'must be "1.0"')
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


@pytest.mark.parametrize(
    ("zone", "note"),
    [
        ("UTC", ""),
        ("Etc/UTC", ""),
        ("Asia/Tokyo", "Asia/Tokyo is UTC+09:00 all year"),
        ("Asia/Kolkata", "Asia/Kolkata is UTC+05:30 all year"),
        ("America/New_York", "America/New_York is UTC-05:00 or UTC-04:00 (daylight saving)"),
    ],
)
def test_zone_offset_note(zone: str, note: str) -> None:
    assert zone_offset_note(zone).startswith(note)


def test_unknown_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="viewer_tz='Mars/Olympus'"):
        chatbot_input_transformer("Mars/Olympus")


def test_transformer_meets_eventbridge_limits() -> None:
    transformer = chatbot_input_transformer("Asia/Tokyo")
    paths, template = transformer["InputPathsMap"], transformer["InputTemplate"]
    # InputTransformer API reference: ≤100 keys [A-Za-z0-9_-]+ not starting "AWS.", template ≤8192.
    assert len(paths) <= 100 and 1 <= len(template) <= 8192
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,256}", k) and len(v) <= 256 for k, v in paths.items())
    assert set(re.findall(r"<([^<>\s]+)>", template)) == set(paths)
    json.loads(template)  # placeholders all sit inside strings: the template is JSON as written


def test_transformer_states_utc_and_never_claims_local_time() -> None:
    utc = chatbot_input_transformer()["InputTemplate"]
    tokyo = chatbot_input_transformer("Asia/Tokyo")["InputTemplate"]
    assert "*When (UTC)*: <time>" in utc and "Asia/Tokyo" not in utc
    assert "UTC+09:00 all year" in tokyo and "JST" not in tokyo


@pytest.mark.parametrize("scenario", sorted(SCENARIOS), ids=sorted(SCENARIOS))
def test_transformer_output_through_the_local_eventbridge_transformer(scenario: str) -> None:
    from simulator.local.transformer import check_transformer, target_input

    transformer = chatbot_input_transformer("Asia/Tokyo")
    check_transformer("chatbot", transformer)
    event = create_access_key_event(scenario, seed=1)
    text = target_input(
        {
            "Id": "chatbot",
            "Arn": "arn:aws:sns:us-east-1:123456789012:t",
            "InputTransformer": transformer,
        },
        event,
        json.dumps(event),
        rule_name="keys",
        rule_arn="arn:aws:events:us-east-1:123456789012:rule/keys",
        ingestion_time=datetime(2025, 1, 1, tzinfo=timezone.utc),
    )
    notification = parse_custom_notification(text)  # Chatbot would accept it
    detail = event["detail"]
    assert detail["eventTime"] in notification.description
    assert detail["userIdentity"]["arn"] in notification.description
    access_key = (detail.get("responseElements") or {}).get("accessKey", {})
    if access_key.get("accessKeyId"):
        assert access_key["accessKeyId"] in notification.description
    if access_key.get("userName"):  # also when requestParameters is null (a caller's own key)
        assert f"*For user*: {access_key['userName']}" in notification.description
    assert notification.title == f":key: CreateAccessKey in account {event['account']}"
