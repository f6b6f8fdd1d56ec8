"""Test-suite settings: Hypothesis profiles.  Fixtures come from trailsim's own pytest plugin."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# `dev`: more examples, random.  `ci`: derandomised and bounded, so CI is fast and repeatable.
settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
