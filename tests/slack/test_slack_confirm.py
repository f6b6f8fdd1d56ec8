"""confirm_delivery against the local Slack: found, timed out, rate limited, and Slack errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from simulator.errors import ConfigError, SlackError
from simulator.local.slack import SlackEmulator
from simulator.slack.confirm import confirm_delivery, message_text

MARKER = "trailsim-run-7f3a"


def setup_channel(cloud: Any) -> str:
    return str(cloud.slack.create_channel("alerts", "trailsim", "aws", "alice"))


def post(cloud: Any, channel: str, token: str = SlackEmulator.AWS_BOT_TOKEN, **kwargs: Any) -> str:
    return str(cloud.web_client(token).chat_postMessage(channel=channel, **kwargs)["ts"])


def test_finds_the_bot_message_with_the_marker(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    post(mini_cloud, channel, text="unrelated alert")
    post(mini_cloud, channel, SlackEmulator.USER_TOKEN, text=f"a person quoting {MARKER}")
    ts = post(mini_cloud, channel, text=f"new key {MARKER}")
    result = confirm_delivery(mini_cloud.web_client(), channel, MARKER, oldest=oldest, deadline_s=5)
    assert result.delivered and result.message is not None and result.message["ts"] == ts
    assert result.latency == pytest.approx(float(ts) - oldest)
    assert [s.why_not for s in result.seen] == ["marker not in the message", "not posted by a bot"]
    assert result.polls == 1 and "delivered to" in result.describe()


def test_any_of_several_markers_identifies_the_message(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    post(mini_cloud, channel, text="unrelated alert")
    ts = post(mini_cloud, channel, text="new key AKIAEXAMPLE123 created")
    client = mini_cloud.web_client()
    markers = [MARKER, "AKIAEXAMPLE123"]
    result = confirm_delivery(client, channel, markers, oldest=oldest, deadline_s=5)
    assert result.delivered and result.message is not None and result.message["ts"] == ts
    assert result.markers == (MARKER, "AKIAEXAMPLE123") and result.marker == MARKER
    assert result.matched == "AKIAEXAMPLE123"
    assert [s.why_not for s in result.seen] == ["marker not in the message"]


def test_single_marker_verdict_keeps_its_shape(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    result = confirm_delivery(
        mini_cloud.web_client(), channel, MARKER, oldest=time.time(), deadline_s=0.01
    )
    assert not result.delivered and result.marker == MARKER and result.markers == (MARKER,)
    assert result.matched is None and repr(MARKER) in result.describe()
    several = confirm_delivery(
        mini_cloud.web_client(), channel, ("a1", "b2"), oldest=time.time(), deadline_s=0.01
    )
    assert "no message carried 'a1' or 'b2'" in several.describe()


@pytest.mark.parametrize("bad", ["", [], ["ok", ""]], ids=["empty", "none", "one-empty"])
def test_empty_markers_are_refused(mini_cloud: Any, bad: Any) -> None:
    # An empty marker is in every message: it would confirm anything.
    with pytest.raises(ConfigError, match="marker"):
        confirm_delivery(mini_cloud.web_client(), "C1", bad, oldest=0)


def test_sender_filter_requires_the_named_bot(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    post(mini_cloud, channel, SlackEmulator.DEFAULT_BOT_TOKEN, text=f"run started {MARKER}")
    ts = post(mini_cloud, channel, text=f"alert {MARKER}")
    client = mini_cloud.web_client()
    for sender in ("aws", "B0AWSBOT01", "U0AWSBOT01"):
        result = confirm_delivery(client, channel, MARKER, oldest=oldest, sender=sender)
        assert result.delivered and result.message is not None and result.message["ts"] == ts
        assert [s.why_not for s in result.seen] == ["posted by trailsim, not " + sender]


@pytest.mark.parametrize("where", ["blocks", "attachments"])
def test_marker_found_in_blocks_or_attachments(mini_cloud: Any, where: str) -> None:
    channel = setup_channel(mini_cloud)
    payload: Any = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{MARKER}*"}}]
    if where == "attachments":
        payload = [{"fallback": "f", "fields": [{"title": "k", "value": MARKER}]}]
    post(mini_cloud, channel, text="alert", **{where: payload})
    result = confirm_delivery(mini_cloud.web_client(), channel, MARKER, oldest=time.time() - 5)
    assert result.delivered


def test_messages_before_oldest_are_ignored(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    post(mini_cloud, channel, text=f"earlier run {MARKER}")
    oldest = time.time() + 0.001
    time.sleep(0.01)
    result = confirm_delivery(
        mini_cloud.web_client(),
        channel,
        MARKER,
        oldest=oldest,
        deadline_s=0.2,
        poll_interval_s=0.05,
    )
    assert not result.delivered and result.seen == ()


def test_missed_deadline_is_a_verdict_not_an_error(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    post(mini_cloud, channel, text="something else")
    result = confirm_delivery(
        mini_cloud.web_client(), channel, MARKER, oldest=oldest, deadline_s=0.3, poll_interval_s=0.1
    )
    assert (result.delivered, result.message, result.latency) == (False, None, None)
    assert result.polls >= 2
    assert len(result.seen) == 1  # read once, not again on later polls
    assert "not delivered" in result.describe() and "something else" in result.describe()


def test_message_arriving_while_polling(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest, sleeps = time.time() - 1, []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            post(mini_cloud, channel, text=f"late {MARKER}")

    result = confirm_delivery(
        mini_cloud.web_client(),
        channel,
        MARKER,
        oldest=oldest,
        deadline_s=60,
        poll_interval_s=7,
        sleep=sleep,
    )
    assert result.delivered and result.polls == 3 and sleeps == [7, 7]


def test_finds_a_threaded_reply_to_a_bot_message_in_the_window(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    parent = post(mini_cloud, channel, text="first key alert")
    post(mini_cloud, channel, SlackEmulator.USER_TOKEN, text="looking", thread_ts=parent)
    reply = post(mini_cloud, channel, text=f"second alert {MARKER}", thread_ts=parent)
    result = confirm_delivery(mini_cloud.web_client(), channel, MARKER, oldest=oldest, deadline_s=5)
    assert result.delivered and result.message is not None and result.message["ts"] == reply
    assert [s.why_not for s in result.seen] == ["marker not in the message", "not posted by a bot"]


def test_reply_arriving_in_a_watched_thread_later(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    parent = post(mini_cloud, channel, text="first key alert")

    def sleep(seconds: float) -> None:
        post(mini_cloud, channel, text=f"threaded {MARKER}", thread_ts=parent)

    result = confirm_delivery(
        mini_cloud.web_client(), channel, MARKER, oldest=oldest, deadline_s=60, sleep=sleep
    )
    assert result.delivered and result.polls == 2


def test_pages_through_a_busy_channel(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    oldest = time.time() - 1
    post(mini_cloud, channel, text=f"first {MARKER}")
    for i in range(40):
        post(mini_cloud, channel, text=f"noise {i}")
    result = confirm_delivery(mini_cloud.web_client(), channel, MARKER, oldest=oldest, deadline_s=5)
    assert result.delivered and result.seen == ()


def test_rate_limit_is_waited_out(mini_cloud: Any) -> None:
    channel = setup_channel(mini_cloud)
    post(mini_cloud, channel, text=MARKER)
    client = mini_cloud.web_client()
    mini_cloud.slack.inject_fault("conversations.history", times=1, retry_after=1)
    started = time.monotonic()
    result = confirm_delivery(client, channel, MARKER, oldest=time.time() - 5, deadline_s=10)
    assert result.delivered and time.monotonic() - started >= 1.0
    assert sum(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers) == 1


@pytest.mark.parametrize(
    ("token", "channel", "error"),
    [
        (SlackEmulator.DEFAULT_BOT_TOKEN, "C404", "channel_not_found"),
        ("xoxb-wrong-token-value", "alerts", "invalid_auth"),
        (SlackEmulator.DEFAULT_BOT_TOKEN, "outside", "not_in_channel"),
    ],
    ids=["channel_not_found", "invalid_auth", "not_in_channel"],
)
def test_slack_errors_name_method_and_channel_never_the_token(
    mini_cloud: Any, token: str, channel: str, error: str
) -> None:
    mini_cloud.slack.create_channel("alerts", "trailsim")
    mini_cloud.slack.create_channel("outside")
    with pytest.raises(SlackError) as info:
        confirm_delivery(mini_cloud.web_client(token), channel, MARKER, oldest=0, deadline_s=1)
    assert (info.value.method, info.value.channel, info.value.error) == (
        "conversations.history",
        channel,
        error,
    )
    assert token not in str(info.value) and token not in repr(info.value.__cause__)


def test_unreachable_slack_is_a_slack_error() -> None:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-x", base_url="http://127.0.0.1:9/api/")
    client.retry_handlers.clear()
    with pytest.raises(SlackError, match="cannot reach Slack"):
        confirm_delivery(client, "C1", MARKER, oldest=0, deadline_s=1)


def test_message_text_flattens_everything() -> None:
    message = {
        "text": "a",
        "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "b"}]}],
        "attachments": [{"pretext": "c", "fields": [{"value": "d"}]}],
    }
    assert set("abcd") <= set(message_text(message).split("\n"))
