"""The offline account `e2e --local` and `demo` run in: a LocalCloud with what an account has.

An account that expects IAM alerts already has a trail logging management events and a Slack
channel; the local cloud starts empty, so this module gives it those, through the wire (boto3
and slack_sdk), as a user would.  Nothing here is part of the stack under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from simulator.aws.stack import PIPELINE_REGION, Cloud

TRAIL_NAME = "management-events"
TRAIL_BUCKET = "trailsim-local-cloudtrail-logs"
CHANNEL_NAME = "security-alerts"


@dataclass(frozen=True)
class LocalEnvironment:
    """A running local cloud, the boto3 side, trailsim's Slack client and the alert channel."""

    local: Any  # simulator.local.LocalCloud
    cloud: Cloud
    slack: Any  # slack_sdk.WebClient
    channel: str


@contextmanager
def local_environment(local: Any = None) -> Iterator[LocalEnvironment]:
    """Start a LocalCloud (or use `local`), give it a trail and a channel; stop it on exit."""
    from simulator.local import LocalCloud

    owned = local is None
    cloud_server = LocalCloud().start() if owned else local
    try:
        env = prepare(cloud_server)
        yield env
    finally:
        if owned:
            cloud_server.stop()


def prepare(local: Any) -> LocalEnvironment:
    """Trail and channel in an already running (and reset) LocalCloud."""
    cloud = Cloud(local.session(PIPELINE_REGION), local.endpoint_url)
    ensure_trail(cloud)
    slack = slack_client(local.slack_base_url, local_bot_token(local))
    channel = ensure_channel(slack, CHANNEL_NAME)
    return LocalEnvironment(local=local, cloud=cloud, slack=slack, channel=channel)


def local_bot_token(local: Any) -> str:
    """trailsim's own bot token in the local Slack (a fixed, non-secret local value)."""
    return str(type(local.slack).DEFAULT_BOT_TOKEN)


def slack_client(base_url: str | None, token: str) -> Any:
    """A slack_sdk WebClient; `base_url` None means real Slack."""
    from slack_sdk import WebClient

    if base_url is None:
        return WebClient(token=token)
    return WebClient(token=token, base_url=base_url)


def ensure_trail(cloud: Cloud) -> None:
    """A multi-region trail that is logging (AWS's default selectors: all management events)."""
    cloudtrail = cloud.client("cloudtrail", PIPELINE_REGION)
    names = [t["Name"] for t in cloudtrail.describe_trails()["trailList"]]
    if TRAIL_NAME not in names:
        cloud.client("s3", PIPELINE_REGION).create_bucket(Bucket=TRAIL_BUCKET)
        cloudtrail.create_trail(
            Name=TRAIL_NAME,
            S3BucketName=TRAIL_BUCKET,
            IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True,
        )
    cloudtrail.start_logging(Name=TRAIL_NAME)


def ensure_channel(slack: Any, name: str) -> str:
    """The channel's ID, creating it (trailsim's bot becomes a member) if needed."""
    from slack_sdk.errors import SlackApiError

    try:
        return str(slack.conversations_create(name=name)["channel"]["id"])
    except SlackApiError as err:
        if err.response.get("error") != "name_taken":
            raise
    info = slack.conversations_info(channel=name)["channel"]
    slack.conversations_join(channel=info["id"])
    return str(info["id"])
