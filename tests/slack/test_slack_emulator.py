"""The local Slack through the wire: slack_sdk's WebClient and plain HTTP, as real clients use it."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from simulator.local.slack import SlackEmulator

TRAILSIM, AWS = SlackEmulator.DEFAULT_BOT_TOKEN, SlackEmulator.AWS_BOT_TOKEN


def error_of(call: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return info.value.response.status_code, info.value.response["error"]


def test_auth_test_names_the_bot_and_team(mini_cloud: Any) -> None:
    reply = mini_cloud.web_client().auth_test()
    assert reply["team_id"] == mini_cloud.slack.team_id
    assert (reply["user"], reply["user_id"], reply["bot_id"]) == (
        "trailsim",
        "U0TRAILSIM",
        "B0TRAILSIM",
    )
    assert mini_cloud.web_client(AWS).auth_test()["user"] == "aws"


@pytest.mark.parametrize(
    ("token", "error"), [("xoxb-not-configured", "invalid_auth"), ("", "not_authed")]
)
def test_unknown_or_missing_token_is_refused(mini_cloud: Any, token: str, error: str) -> None:
    client = WebClient(token=token or None, base_url=mini_cloud.slack_base_url)
    assert error_of(client.auth_test) == (200, error)


def test_revoked_token(mini_cloud: Any) -> None:
    mini_cloud.slack.revoke_token("aws")
    assert error_of(mini_cloud.web_client(AWS).auth_test) == (200, "token_revoked")
    assert mini_cloud.web_client().auth_test()["ok"] is True


def test_token_in_form_body_is_accepted(mini_cloud: Any) -> None:
    url = mini_cloud.slack_base_url + "auth.test"
    assert requests.post(url, data={"token": TRAILSIM}, timeout=5).json()["ok"] is True


def test_post_message_then_history_newest_first(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    posted = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(3)]
    assert posted == sorted(posted, key=float) and len(set(posted)) == 3
    history = client.conversations_history(channel=channel)
    assert [m["text"] for m in history["messages"]] == ["m2", "m1", "m0"]
    assert history["has_more"] is False
    first = history["messages"][-1]
    assert (first["user"], first["bot_id"], first["type"]) == (
        "U0TRAILSIM",
        "B0TRAILSIM",
        "message",
    )


def test_post_by_channel_name_and_with_blocks(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    reply = mini_cloud.web_client().chat_postMessage(channel="#alerts", text="hi", blocks=blocks)
    assert reply["channel"] == channel
    assert mini_cloud.slack.messages(channel)[0]["blocks"] == blocks


def test_form_encoded_post_with_json_attachments(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    form = {"channel": channel, "attachments": '[{"text": "from a form"}]'}
    headers = {"Authorization": f"Bearer {TRAILSIM}"}
    url = mini_cloud.slack_base_url + "chat.postMessage"
    assert requests.post(url, data=form, headers=headers, timeout=5).json()["ok"] is True
    assert mini_cloud.slack.messages(channel)[0]["attachments"] == [{"text": "from a form"}]


def test_history_window_oldest_latest_inclusive(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    ts = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(4)]

    def texts(**kwargs: Any) -> list[str]:
        reply = client.conversations_history(channel=channel, **kwargs)
        return [m["text"] for m in reply["messages"]]

    assert texts(oldest=ts[1]) == ["m3", "m2"]
    assert texts(oldest=ts[1], inclusive=True) == ["m3", "m2", "m1"]
    assert texts(oldest=ts[0], latest=ts[3]) == ["m2", "m1"]
    assert texts(oldest=ts[0], latest=ts[3], inclusive=True) == ["m3", "m2", "m1", "m0"]


def test_history_pages_by_iteration(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    for i in range(7):
        client.chat_postMessage(channel=channel, text=f"m{i}")
    pages = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_history(channel=channel, limit=3)
    ]
    assert pages == [["m6", "m5", "m4"], ["m3", "m2", "m1"], ["m0"]]
    first = client.conversations_history(channel=channel, limit=3)
    assert first["has_more"] is True and first["response_metadata"]["next_cursor"]


def test_thread_replies_stay_out_of_history(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    parent = client.chat_postMessage(channel=channel, text="parent")["ts"]
    first = client.chat_postMessage(channel=channel, text="r1", thread_ts=parent)["ts"]
    client.chat_postMessage(channel=channel, text="r2", thread_ts=parent, reply_broadcast=True)
    history = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in history] == ["r2", "parent"]  # the broadcast reply shows
    assert (history[1]["reply_count"], history[1]["thread_ts"]) == (2, parent)
    replies = client.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["parent", "r1", "r2"]
    later = client.conversations_replies(channel=channel, ts=parent, oldest=first)["messages"]
    assert [m["text"] for m in later] == ["parent", "r2"]
    pages = client.conversations_replies(channel=channel, ts=parent, limit=1)
    assert [[m["text"] for m in p["messages"]] for p in pages] == [["parent", "r1"], ["r2"]]
    assert error_of(client.conversations_replies, channel=channel, ts=first) == (
        200,
        "thread_not_found",
    )


def test_history_needs_membership_and_join_grants_it(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts")
    client = mini_cloud.web_client()
    assert error_of(client.conversations_history, channel=channel) == (200, "not_in_channel")
    assert client.conversations_join(channel=channel)["channel"]["is_member"] is True
    assert client.conversations_join(channel=channel)["warning"] == "already_in_channel"
    assert client.conversations_history(channel=channel)["messages"] == []


def test_unknown_channel(mini_cloud: Any) -> None:
    client = mini_cloud.web_client()
    for call in (
        client.conversations_history,
        client.conversations_info,
        client.conversations_join,
    ):
        assert error_of(call, channel="C999") == (200, "channel_not_found")
    assert error_of(client.chat_postMessage, channel="C999", text="x") == (200, "channel_not_found")


def test_private_channel_is_invisible_to_non_members(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("secret", "aws", is_private=True)
    client = mini_cloud.web_client()
    assert error_of(client.conversations_info, channel=channel) == (200, "channel_not_found")
    assert error_of(client.chat_postMessage, channel=channel, text="x") == (
        200,
        "channel_not_found",
    )
    info = mini_cloud.web_client(AWS).conversations_info(channel=channel)["channel"]
    assert (info["is_private"], info["is_member"], info["name"]) == (True, True, "secret")
    assert error_of(mini_cloud.web_client(AWS).conversations_join, channel=channel) == (
        200,
        "method_not_supported_for_channel_type",
    )


def test_archived_channel_refuses_posts_and_joins(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("old", "trailsim")
    client = mini_cloud.web_client()
    client.conversations_archive(channel=channel)
    assert client.conversations_info(channel=channel)["channel"]["is_archived"] is True
    assert error_of(client.chat_postMessage, channel=channel, text="x") == (200, "is_archived")
    assert error_of(mini_cloud.web_client(AWS).conversations_join, channel=channel) == (
        200,
        "is_archived",
    )
    assert error_of(client.conversations_archive, channel=channel) == (200, "already_archived")


def test_create_channel_and_its_errors(mini_cloud: Any) -> None:
    client = mini_cloud.web_client()
    created = client.conversations_create(name="new-alerts")["channel"]
    assert created["is_member"] is True and created["name"] == "new-alerts"
    assert error_of(client.conversations_create, name="new-alerts") == (200, "name_taken")
    assert error_of(client.conversations_create, name="Bad Name") == (200, "invalid_name_specials")


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_errors(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    assert error_of(client.chat_postMessage, channel=channel) == (200, "no_text")
    too_long = "x" * 40_001
    assert error_of(client.chat_postMessage, channel=channel, text=too_long) == (
        200,
        "msg_too_long",
    )


def test_members_and_users_info_identify_the_aws_bot(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim", "aws")
    client = mini_cloud.web_client()
    members = client.conversations_members(channel=channel)["members"]
    assert sorted(members) == ["U0AWSBOT01", "U0TRAILSIM"]
    user = client.users_info(user="U0AWSBOT01")["user"]
    assert (user["name"], user["is_bot"], user["profile"]["bot_id"]) == ("aws", True, "B0AWSBOT01")
    assert error_of(client.users_info, user="U404") == (200, "user_not_found")


def test_unknown_method(mini_cloud: Any) -> None:
    client = mini_cloud.web_client()
    assert error_of(client.api_call, api_method="no.such.method") == (404, "unknown_method")


def test_rate_limit_raises_without_retry_handler(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    mini_cloud.slack.inject_fault("conversations.history", times=1, retry_after=1)
    with pytest.raises(SlackApiError) as info:
        mini_cloud.web_client().conversations_history(channel=channel)
    response = info.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "1"


def test_rate_limit_is_waited_out_by_the_retry_handler(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    mini_cloud.slack.inject_fault("conversations.history", times=1, retry_after=1)
    started = time.monotonic()
    assert client.conversations_history(channel=channel)["ok"] is True
    assert time.monotonic() - started >= 1.0  # Retry-After honoured


@pytest.mark.parametrize(("error", "status"), [("not_in_channel", 200), ("internal_error", 500)])
def test_injected_faults(mini_cloud: Any, error: str, status: int) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    client = mini_cloud.web_client()
    mini_cloud.slack.inject_fault("chat.postMessage", error, times=2, status=status)
    for _ in range(2):
        assert error_of(client.chat_postMessage, channel=channel, text="x") == (status, error)
    assert client.chat_postMessage(channel=channel, text="x")["ok"] is True


def test_incoming_webhook_posts_as_a_bot_message(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts")
    url = mini_cloud.endpoint_url + mini_cloud.slack.create_incoming_webhook(channel)
    reply = requests.post(url, json={"text": "from a webhook"}, timeout=5)
    assert (reply.status_code, reply.text) == (200, "ok")
    message = mini_cloud.slack.messages(channel)[0]
    assert (message["text"], message["subtype"]) == ("from a webhook", "bot_message")


def test_incoming_webhook_errors(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts")
    url = mini_cloud.endpoint_url + mini_cloud.slack.create_incoming_webhook(channel)
    assert _hook(url, {}) == (400, "invalid_payload")
    assert _hook(url, data=b"not json") == (400, "invalid_payload")
    assert _hook(url.rsplit("/", 1)[0] + "/wrong", {"text": "x"}) == (404, "no_service")
    mini_cloud.slack.inject_fault("webhook", times=1, retry_after=2)
    assert _hook(url, {"text": "x"}) == (429, "ratelimited")
    mini_cloud.slack.archive_channel(channel)
    assert _hook(url, {"text": "x"}) == (410, "channel_is_archived")


def _hook(url: str, payload: Any = None, data: bytes | None = None) -> tuple[int, str]:
    reply = requests.post(url, json=payload, data=data, timeout=5)
    return reply.status_code, reply.text


def test_reset_forgets_everything(mini_cloud: Any) -> None:
    channel = mini_cloud.slack.create_channel("alerts", "trailsim")
    mini_cloud.web_client().chat_postMessage(channel=channel, text="x")
    mini_cloud.slack.reset()
    with pytest.raises(KeyError):
        mini_cloud.slack.channel_name("alerts")
    assert mini_cloud.slack.channel_name("general") == "general"
