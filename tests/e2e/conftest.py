"""Fixtures for the end-to-end tests: a prepared local account (trail + Slack channel)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture
def env(local_cloud: Any) -> Iterator[Any]:
    """The local cloud (reset) with a logging trail and trailsim's alert channel."""
    from simulator.aws.e2e_local import prepare

    yield prepare(local_cloud)


@pytest.fixture
def leftovers(env: Any) -> Callable[[], list[str]]:
    """leftovers(): see `find_leftovers_in`."""
    return lambda: find_leftovers_in(env)


def find_leftovers_in(env: Any) -> list[str]:
    """Everything trailsim-named that still exists, found without sweep's tag logic, plus
    what `sweep` itself would find, plus every IAM user (the probe users must be gone)."""
    from simulator.aws.sweep import find_leftovers

    cloud = env.cloud
    found = [f"{item.kind} {item.ident}" for item in find_leftovers(cloud, dry_run=True).found]
    rules = cloud.client("events").list_rules(NamePrefix="trailsim-")["Rules"]
    found += [f"rule {r['Name']}" for r in rules]
    topics = cloud.client("sns").list_topics()["Topics"]
    found += [f"topic {t['TopicArn']}" for t in topics if ":trailsim-" in t["TopicArn"]]
    found += cloud.client("sqs").list_queues(QueueNamePrefix="trailsim-").get("QueueUrls", [])
    configs = cloud.client("chatbot", "us-east-2").describe_slack_channel_configurations()
    found += [c["ConfigurationName"] for c in configs["SlackChannelConfigurations"]]
    found += [u["UserName"] for u in cloud.client("iam").list_users()["Users"]]
    found += [r["RoleName"] for r in cloud.client("iam").list_roles()["Roles"]]
    return sorted(set(found))
