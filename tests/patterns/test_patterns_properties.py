"""Properties of the engine, checked on generated patterns and events.

The laws: compile either succeeds or raises PatternError; matching never raises; ``explain`` is
empty exactly when ``matches``; the fast matcher agrees with the slow reference; ``$or`` is a
disjunction; wrapping event values in one-element arrays changes nothing; the canonical form is a
fixpoint with the same verdicts; the raw-line prefilter never rejects a line that matches.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.errors import PatternError
from simulator.patterns import SEED_PATTERN, RuleSet, compile_pattern

from .reference import reference_matches

KEYS = ["a", "b", "c", "a.b"]
STRINGS = ["x", "y", "X", "xy", "", "10.0.0.1", "é", "straße"]
NUMBERS = [0, 1, 300, 300.0, -1.5, 5]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
any_json = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)

strings = st.sampled_from(STRINGS)
nonempty = st.sampled_from([s for s in STRINGS if s])
literal = strings | st.sampled_from(NUMBERS) | st.sampled_from([True, False, None])
operator = st.one_of(
    st.builds(lambda s: {"prefix": s}, strings),
    st.builds(lambda s: {"suffix": s}, strings),
    st.builds(lambda s: {"equals-ignore-case": s}, strings),
    st.builds(lambda s: {"prefix": {"equals-ignore-case": s}}, strings),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, strings),
    st.sampled_from([{"wildcard": w} for w in ["x*", "*y", "*", "x*y", "10.*"]]),
    st.builds(lambda s: {"anything-but": s}, strings | st.sampled_from(NUMBERS)),
    st.builds(lambda s: {"anything-but": s}, st.lists(strings, min_size=1, max_size=2)),
    st.builds(lambda s: {"anything-but": {"prefix": s}}, nonempty),
    st.builds(lambda s: {"anything-but": {"equals-ignore-case": s}}, strings),
    st.sampled_from(
        [{"numeric": t} for t in ([">", 0], [">=", 0, "<", 5], ["=", 300], ["<=", -1.5])]
    ),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.sampled_from([{"cidr": "10.0.0.0/24"}, {"cidr": "::/0"}]),
)
leaf = st.lists(literal | operator, min_size=1, max_size=3)
pattern_objects = st.recursive(
    st.dictionaries(st.sampled_from(KEYS), leaf, min_size=1, max_size=3),
    lambda inner: st.dictionaries(st.sampled_from(KEYS), inner | leaf, min_size=1, max_size=3),
    max_leaves=4,
)
event_scalars = strings | st.sampled_from(NUMBERS) | st.sampled_from([True, False, None])
events = st.recursive(
    st.dictionaries(st.sampled_from(KEYS), event_scalars, max_size=3),
    lambda inner: st.dictionaries(
        st.sampled_from(KEYS), event_scalars | inner | st.lists(inner | event_scalars, max_size=3)
    ),
    max_leaves=8,
)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _wrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return [value]


@given(any_json)
def test_compile_accepts_or_raises_pattern_error(value: Any) -> None:
    with contextlib.suppress(PatternError):
        compile_pattern(value)


@given(st.text(max_size=40))
def test_compile_raw_text_accepts_or_raises_pattern_error(text: str) -> None:
    with contextlib.suppress(PatternError):
        compile_pattern(text)


@given(pattern_objects, any_json.filter(lambda value: not isinstance(value, str)))
def test_matching_never_raises_and_explain_agrees(pattern: dict[str, Any], event: Any) -> None:
    compiled = compile_pattern(pattern)
    assert (compiled.explain(event) == []) is compiled.matches(event)


@given(pattern_objects, events)
def test_fast_matcher_agrees_with_reference(pattern: dict[str, Any], event: Any) -> None:
    compiled = compile_pattern(pattern)
    verdict = compiled.matches(event)
    assert verdict is reference_matches(pattern, event)
    assert (compiled.explain(event) == []) is verdict
    assert compiled.matches(json.dumps(event)) is verdict


@given(pattern_objects, pattern_objects, events)
def test_or_is_a_disjunction(left: dict[str, Any], right: dict[str, Any], event: Any) -> None:
    either = compile_pattern({"$or": [left, right]})
    expected = compile_pattern(left).matches(event) or compile_pattern(right).matches(event)
    assert either.matches(event) is expected


@given(pattern_objects, events)
def test_one_element_arrays_are_transparent(pattern: dict[str, Any], event: Any) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.matches(_wrap(event)) is compiled.matches(event)


@given(pattern_objects, events)
def test_canonical_form_is_a_fixpoint(pattern: dict[str, Any], event: Any) -> None:
    compiled = compile_pattern(pattern)
    again = compile_pattern(compiled.canonical)
    assert again.canonical == compiled.canonical
    assert again.matches(event) is compiled.matches(event)


@given(pattern_objects, events, st.booleans())
def test_prefilter_never_rejects_a_match(pattern: Any, event: Any, ascii_only: bool) -> None:
    compiled = compile_pattern(pattern)
    line = json.dumps(event, ensure_ascii=ascii_only).encode()
    if compiled.matches(event):
        assert compiled.could_match_bytes(line)
    assert compiled.matches_bytes(line) is compiled.matches(event)


@given(pattern_objects, st.lists(events, min_size=1, max_size=6), st.booleans())
def test_chunk_prefilter_keeps_every_matching_line(
    pattern: Any, batch: list[Any], ascii_only: bool
) -> None:
    compiled = compile_pattern(pattern)
    chunk = b"\n".join(json.dumps(event, ensure_ascii=ascii_only).encode() for event in batch)
    expected = [index for index, event in enumerate(batch) if compiled.matches(event)]
    assert compiled.matching_lines(chunk) == expected
    offsets = compiled.matching_offsets(chunk)
    assert [chunk.count(b"\n", 0, offset) for offset in offsets] == expected
    rules = RuleSet()
    rules.add("only", pattern)
    kept = {index for index, _ in rules.candidate_lines(chunk)}
    assert set(expected) <= kept


@given(st.lists(pattern_objects, min_size=1, max_size=4), events)
def test_ruleset_agrees_with_each_rule(patterns: list[Any], event: Any) -> None:
    rules = RuleSet()
    for index, pattern in enumerate(patterns):
        rules.add(f"r{index}", pattern)
    expected = [f"r{i}" for i, p in enumerate(patterns) if compile_pattern(p).matches(event)]
    assert rules.matching(event) == expected
    if expected:
        assert rules.could_match_bytes(json.dumps(event).encode())
    assert set(rules.explain(event)) == set(rules.names)


@given(st.data())
def test_generated_create_access_key_events_match_the_seed(data: st.DataObject) -> None:
    from simulator.strategies import create_access_key_events

    event = data.draw(create_access_key_events())
    compiled = compile_pattern(SEED_PATTERN)
    assert compiled.matches(event)
    assert compiled.could_match_bytes(json.dumps(event).encode())


# Near misses that the seed rule must reject (iam-wrong-region is a CreateAccessKey seen in
# another region: the seed rule has no region filter, so it matches; fixtures/events says so).
REJECTED_NEAR_MISSES = [
    "delete-access-key",
    "update-access-key",
    "create-user",
    "create-login-profile",
    "create-service-specific-credential",
    "list-access-keys",
    "ec2-create-key-pair",
    "sts-assume-role",
    "console-sign-in",
]


@given(st.data())
def test_generated_near_misses_do_not_match_the_seed(data: st.DataObject) -> None:
    from simulator.strategies import near_misses

    event = data.draw(near_misses(REJECTED_NEAR_MISSES))
    compiled = compile_pattern(SEED_PATTERN)
    assert not compiled.matches(event)
    assume(compiled.explain(event))
    assert compiled.matches_bytes(json.dumps(event).encode()) is False
