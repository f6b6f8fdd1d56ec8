"""trailsim_region is a fixture so that a suite can override it."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def trailsim_region() -> str:
    return "eu-west-1"


def test_overridden_region_reaches_target_and_session(aws_target: Any, aws_session: Any) -> None:
    assert aws_target.region == "eu-west-1"
    assert aws_session.region_name == "eu-west-1"
