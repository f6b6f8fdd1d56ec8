"""Chatbot-style rendering: snapshots per caller type, plus promises every rendering keeps.

Snapshots live in snapshots/render/<case>.json as ``{"input": …, "text": …, "blocks": …}``: the
input event was drawn from simulator.events' scenario of that name when the snapshot was written,
and is kept, so that a change in the generator does not disturb the renderer's snapshots (the
property tests below cover the current generator).  After a deliberate change to render.py,
rewrite them with ``TRAILSIM_UPDATE_SNAPSHOTS=1 pytest tests/slack`` and review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator.events import SCENARIOS, create_access_key_event
from simulator.slack.notifications import parse_custom_notification
from simulator.slack.render import SlackMessage, render_custom_notification, render_event

SNAPSHOTS = Path(__file__).parent / "snapshots" / "render"
CALLER_CASES = [
    "iam-user-cli",
    "iam-user-self",
    "root-api",
    "root-own-key",
    "assumed-role",
    "sso-role",
    "web-identity-role",
    "federated-user",
    "cloudformation",
    "error-access-denied",
]
CUSTOM = {
    "version": "1.0",
    "source": "custom",
    "content": {
        "title": ":key: New access key for <@U123>",
        "description": "*Key*: AKIAEXAMPLE\n*When (UTC)*: 2025-06-01T03:04:05Z",
        "nextSteps": ["Check who asked for it", "Rotate if unexpected"],
        "keywords": ["111122223333", "us-east-1"],
    },
}
GENERIC = {
    "version": "0",
    "id": "e-1",
    "detail-type": "GuardDuty Finding",
    "source": "aws.guardduty",
    "account": "111122223333",
    "time": "2025-06-01T03:04:05Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {},
}


UPDATE = os.environ.get("TRAILSIM_UPDATE_SNAPSHOTS") == "1"


def as_json(message: SlackMessage) -> dict[str, Any]:
    return {"text": message.text, "blocks": list(message.blocks)}


def snapshot_input(name: str, fresh: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The input stored with the snapshot; a fresh one when rewriting snapshots."""
    path = SNAPSHOTS / f"{name}.json"
    if UPDATE or not path.exists():
        return fresh()
    stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["input"]
    return stored


def check_snapshot(name: str, given: dict[str, Any], message: SlackMessage) -> None:
    path = SNAPSHOTS / f"{name}.json"
    actual = {"input": given, **as_json(message)}
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; run with TRAILSIM_UPDATE_SNAPSHOTS=1"
    assert actual == json.loads(path.read_text(encoding="utf-8")), f"{name}: rendering changed"


@pytest.mark.parametrize("scenario", CALLER_CASES, ids=CALLER_CASES)
def test_cloudtrail_snapshot(scenario: str) -> None:
    event = snapshot_input(scenario, lambda: create_access_key_event(scenario, seed=0))
    check_snapshot(scenario, event, render_event(event))


def test_custom_notification_snapshot() -> None:
    message = render_custom_notification(parse_custom_notification(CUSTOM))
    check_snapshot("custom-notification", CUSTOM, message)


def test_generic_aws_event_snapshot() -> None:
    check_snapshot("generic-aws-event", GENERIC, render_event(GENERIC))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS), ids=sorted(SCENARIOS))
def test_every_scenario_shows_the_key_details(scenario: str) -> None:
    event = create_access_key_event(scenario, seed=5)
    detail = event["detail"]
    text = render_event(event).text
    for value in (
        "iam:CreateAccessKey",
        detail["userIdentity"]["arn"],
        event["account"],
        event["region"],
        detail["eventTime"],
        detail["sourceIPAddress"],
    ):
        assert value in text, f"{scenario}: {value!r} missing"
    key = (detail.get("responseElements") or {}).get("accessKey", {}).get("accessKeyId")
    assert key is None or key in text
    target = (detail.get("requestParameters") or {}).get("userName")
    assert target is None or target in text


@pytest.mark.parametrize("scenario", sorted(SCENARIOS), ids=sorted(SCENARIOS))
def test_block_kit_limits(scenario: str) -> None:
    message = render_event(create_access_key_event(scenario, seed=2))
    for block in message.blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
        assert len(block.get("fields", [])) <= 10


def test_secret_never_rendered() -> None:
    event = create_access_key_event("iam-user-cli")
    event["detail"]["responseElements"]["accessKey"]["secretAccessKey"] = "wJalrXUtnFEMI/SECRET"
    assert "SECRET" not in json.dumps(as_json(render_event(event)))


def test_slack_control_characters_are_escaped() -> None:
    event = create_access_key_event("iam-user-cli")
    event["detail"]["userAgent"] = "evil <!channel> & co"
    rendered = json.dumps(as_json(render_event(event)))
    assert "<!channel>" not in rendered and "&lt;!channel&gt; &amp; co" in rendered


def test_custom_notification_markdown_passes_through() -> None:
    message = render_custom_notification(parse_custom_notification(CUSTOM))
    assert message.blocks[0]["text"]["text"] == "*:key: New access key for <@U123>*"
    assert "• Rotate if unexpected" in message.blocks[2]["text"]["text"]
