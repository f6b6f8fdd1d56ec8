"""Hypothesis strategies for CreateAccessKey events, near misses and any CloudTrail record.

Arguments are checked lazily, as Hypothesis's own strategies do (style.md §2): building a
strategy never raises, so importing a test module never fails; a bad argument raises
:class:`StrategyArgumentError` (a ScenarioError and a hypothesis InvalidArgument) at the first
draw, e.g. ``scenario='rot' is not a scenario; run 'trailsim scenarios'``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NoReturn

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from simulator.errors import ScenarioError
from simulator.events.background import background_records
from simulator.events.clock import parse_at
from simulator.events.envelope import record_to_envelope
from simulator.events.near_misses import NEAR_MISSES, get_near_miss, near_miss_record
from simulator.events.scenarios import create_access_key_record, get_scenario, scenarios_at

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
FORMATS = ("envelope", "record")
Event = dict[str, Any]


class StrategyArgumentError(ScenarioError, InvalidArgument):
    """Raised at draw time when a trailsim strategy was given an argument it cannot use."""


def _fail(error: StrategyArgumentError) -> NoReturn:
    raise error


def _lazily(build: Callable[[], st.SearchStrategy[Event]]) -> st.SearchStrategy[Event]:
    def define() -> st.SearchStrategy[Event]:
        try:
            return build()
        except ScenarioError as err:
            error = StrategyArgumentError(err.argument, err.value, err.expected)
            return st.builds(_fail, st.just(error))

    return st.deferred(define)


def _names(
    argument: str,
    value: str | Iterable[str] | None,
    known: Iterable[str],
    lookup: Callable[[str], object],
) -> list[str]:
    if value is None:
        return list(known)
    names = [value] if isinstance(value, str) else list(value)
    if not names:
        raise ScenarioError(argument, value, "is empty; give at least one name")
    for name in names:
        lookup(name)
    return names


def _format(fmt: str) -> Callable[[Event], Event]:
    if fmt not in FORMATS:
        raise ScenarioError("format", fmt, f"is not one of {', '.join(FORMATS)}")
    return record_to_envelope if fmt == "envelope" else (lambda record: record)


def _check_at(at: datetime | str | None) -> None:
    if at is not None:
        parse_at(at)


def create_access_key_events(
    scenario: str | Iterable[str] | None = None,
    *,
    at: datetime | str | None = None,
    format: str = "envelope",
) -> st.SearchStrategy[Event]:
    """CreateAccessKey events of ``scenario`` (a name, several, or None for all of them).

    ``format`` is "envelope" (EventBridge) or "record" (raw CloudTrail).  With ``at`` every event
    has that eventTime; with ``scenario=None`` only the scenarios whose era contains ``at`` are
    drawn, and naming a scenario pinned to another era is an error.
    """

    def build() -> st.SearchStrategy[Event]:
        _check_at(at)
        known = scenarios_at(at)  # with ``at``, only scenarios whose era contains it
        names = _names("scenario", scenario, known, get_scenario)
        wrap = _format(format)
        return st.builds(
            lambda name, seed: wrap(create_access_key_record(name, seed, at)),
            st.sampled_from(names),
            SEEDS,
        )

    return _lazily(build)


def near_misses(
    name: str | Iterable[str] | None = None,
    *,
    at: datetime | str | None = None,
    format: str = "envelope",
) -> st.SearchStrategy[Event]:
    """Near-miss events (see ``trailsim scenarios``): none of them is a CreateAccessKey call in
    us-east-1 that an alert on key creation should fire on."""

    def build() -> st.SearchStrategy[Event]:
        names = _names("near_miss", name, NEAR_MISSES, get_near_miss)
        wrap = _format(format)
        _check_at(at)
        return st.builds(
            lambda n, seed: wrap(near_miss_record(n, seed, at)), st.sampled_from(names), SEEDS
        )

    return _lazily(build)


def _background_record(seed: int) -> Event:
    return next(iter(background_records(1, share=0.0, seed=seed)))


def cloudtrail_records(
    *,
    include_create_access_key: bool = True,
    format: str = "record",
) -> st.SearchStrategy[Event]:
    """Any realistic record: background traffic of many services, near misses and (unless
    ``include_create_access_key`` is false) CreateAccessKey calls of every scenario."""

    def build() -> st.SearchStrategy[Event]:
        wrap = _format(format)
        parts = [st.builds(_background_record, SEEDS), near_misses(format="record")]
        if include_create_access_key:
            parts.append(create_access_key_events(format="record"))
        return st.one_of(parts).map(wrap)

    return _lazily(build)


__all__ = ["StrategyArgumentError", "cloudtrail_records", "create_access_key_events", "near_misses"]
