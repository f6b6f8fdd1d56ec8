"""Hypothesis strategies for trailsim's events (public home; see simulator.events.strategies)."""

from __future__ import annotations

from simulator.events.strategies import (
    StrategyArgumentError,
    cloudtrail_records,
    create_access_key_events,
    near_misses,
)

__all__ = ["StrategyArgumentError", "cloudtrail_records", "create_access_key_events", "near_misses"]
