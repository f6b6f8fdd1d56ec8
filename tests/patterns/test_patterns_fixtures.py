"""The pattern corpus in fixtures/patterns/: every event's verdict, every invalid pattern's reason.

Each matching case is also checked against the slow reference matcher (tests/patterns/reference.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.patterns import SEED_PATTERN, check_pattern, compile_pattern

from .reference import reference_matches

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "patterns"
DOCUMENTS = {path.stem: json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))}


def _match_cases() -> list[tuple[str, Any, bool, Any]]:
    cases = []
    for stem, document in DOCUMENTS.items():
        pattern = document.get("pattern_text", document.get("pattern"))
        for verdict in ("match", "no_match"):
            for entry in document.get(verdict, []):
                case = (f"{stem}:{verdict}:{entry['name']}", pattern, verdict == "match")
                cases.append((*case, entry["event"]))
    return cases


def _invalid_cases() -> list[dict[str, Any]]:
    return [case for document in DOCUMENTS.values() for case in document.get("invalid", [])]


MATCH_CASES = _match_cases()
INVALID_CASES = _invalid_cases()


@pytest.mark.parametrize(
    ("name", "pattern", "expected", "event"), MATCH_CASES, ids=[c[0] for c in MATCH_CASES]
)
def test_fixture_verdict(name: str, pattern: Any, expected: bool, event: Any) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.matches(event) is expected
    assert compiled.matches(json.dumps(event)) is expected
    assert (compiled.explain(event) == []) is expected
    if isinstance(pattern, dict):
        assert reference_matches(pattern, event) is expected
    if expected:
        assert compiled.could_match_bytes(json.dumps(event).encode())


@pytest.mark.parametrize("case", INVALID_CASES, ids=[c["name"] for c in INVALID_CASES])
def test_fixture_invalid_pattern(case: dict[str, Any]) -> None:
    problems = check_pattern(case["pattern_text"])
    assert [problem.reason for problem in problems] == [case["reason"]]
    if "line" in case:
        assert (problems[0].line, problems[0].column) == (case["line"], case["column"])


def test_generator_fixtures_against_seed_rule() -> None:
    """helper A's fixtures/events/*.json say whether the seed rule matches each event."""
    fixtures = pytest.importorskip("simulator.events.fixtures")
    compiled = compile_pattern(SEED_PATTERN)
    events = fixtures.load_fixture_events()
    assert events
    for fixture in events:
        assert compiled.matches(fixture.event) is (fixture.expect == "match"), fixture.name
        assert reference_matches(SEED_PATTERN, fixture.event) is (fixture.expect == "match")
