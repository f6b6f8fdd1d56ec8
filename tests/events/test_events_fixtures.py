"""fixtures/events/: every curated event loads, validates, is realistic, and is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.errors import InputError
from simulator.events import envelope_realism_problems
from simulator.events.fixtures import (
    FixtureEvent,
    fixture_documents,
    load_fixture_events,
    readme_text,
)
from simulator.schemas import validate_event

DIRECTORY = Path(__file__).resolve().parents[2] / "fixtures" / "events"
if not DIRECTORY.is_dir():
    pytest.skip(f"no fixtures directory at {DIRECTORY}", allow_module_level=True)
FIXTURES = load_fixture_events(DIRECTORY)
DELIBERATE = {"near-miss-iam-wrong-region": {"iam-region"}}


def seed_rule_matches(event: dict) -> bool:
    """The seed rule, spelled out (patterns/ owns the real matcher)."""
    detail = event.get("detail", {})
    return (
        event.get("source") == "aws.iam"
        and event.get("detail-type") == "AWS API Call via CloudTrail"
        and detail.get("eventSource") == "iam.amazonaws.com"
        and detail.get("eventName") == "CreateAccessKey"
    )


def test_events_fixture_corpus_is_large_and_balanced() -> None:
    assert len(FIXTURES) >= 20
    assert {f.expect for f in FIXTURES} == {"match", "no_match"}


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_events_fixture_is_valid_realistic_and_expected(fixture: FixtureEvent) -> None:
    assert validate_event(fixture.event, "envelope") == []
    ignore = DELIBERATE.get(fixture.name, set())
    assert envelope_realism_problems(fixture.event, ignore=ignore) == []
    assert seed_rule_matches(fixture.event) == (fixture.expect == "match")
    assert fixture.description


def test_events_fixtures_match_the_generator() -> None:
    documents = fixture_documents()
    on_disk = {p.stem: p.read_bytes() for p in DIRECTORY.glob("*.json")}
    stale = sorted(name for name in documents if on_disk.get(name) != documents[name])
    extra = sorted(set(on_disk) - set(documents))
    assert not stale and not extra, (
        f"fixtures differ from the generator: {stale + extra}; "
        "run 'python -m simulator.events.fixtures'"
    )
    assert (DIRECTORY / "README.md").read_text("utf-8") == readme_text()


def test_events_fixture_loader_reports_bad_files(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"description": "x", "expect": "maybe", "event": {}}')
    with pytest.raises(InputError, match=r"bad.json at \$\.expect"):
        load_fixture_events(tmp_path)
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(InputError, match=r"bad.json:1:2: invalid JSON"):
        load_fixture_events(tmp_path)
    with pytest.raises(InputError, match="no such fixtures directory"):
        load_fixture_events(tmp_path / "absent")
