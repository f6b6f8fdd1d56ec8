"""The public API of simulator.patterns and the check-pattern / match commands."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.errors import InvalidEventError, PatternError
from simulator.patterns import (
    MISSING,
    SEED_PATTERN,
    RuleSet,
    check_pattern,
    compile_pattern,
    limits,
    validate_test_event,
)
from simulator.patterns.operators import parse_wildcard

ENVELOPE: dict[str, Any] = {
    "version": "0",
    "id": "1",
    "detail-type": "AWS API Call via CloudTrail",
    "source": "aws.iam",
    "account": "123456789012",
    "time": "2026-01-05T10:00:00Z",
    "region": "us-east-1",
    "detail": {"eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey"},
}


def test_pattern_error_carries_reason_path_and_position() -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}')
    error = caught.value
    assert error.reason == "Bad numeric range operator: >"
    assert str(error) == "Event pattern is not valid. Reason: Bad numeric range operator: >"
    assert (error.path, error.line, error.column) == ("detail.c-count[0].numeric", 1, 49)
    assert error.aws_message.endswith("; line: 1, column: 49]")  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(error)).aws_message == error.aws_message  # type: ignore[attr-defined]


def test_positions_count_lines_and_utf16_units() -> None:
    (problem,) = check_pattern('{\n  "é🚀": [],\n  "b": ["x"]}')
    assert (problem.reason, problem.line, problem.column) == ("Empty arrays are not allowed", 2, 12)


@pytest.mark.parametrize("value", [object(), b"\xff{", 12, None, [1], {"a": {1, 2}}])
def test_check_pattern_never_raises(value: Any) -> None:
    assert check_pattern(value)


def test_length_limit() -> None:
    pattern = {"a": ["x" * (limits.TEST_EVENT_PATTERN_MAX_LENGTH)]}
    (problem,) = check_pattern(pattern)
    assert "less than or equal to 4096" in problem.message
    assert compile_pattern(pattern, max_length=10_000).matches({"a": "x" * 4096})


def test_too_many_or_combinations_are_rejected() -> None:
    branches = [{f"k{i}": ["x"]} for i in range(11)]
    pattern = {"a": {"$or": branches}, "b": {"$or": branches}, "c": {"$or": branches}}
    (problem,) = check_pattern(pattern)
    assert problem.reason == limits.TOO_MANY_COMBINATIONS
    assert not check_pattern({"a": {"$or": branches}, "b": {"$or": branches}})


@pytest.mark.parametrize(
    ("wildcard", "score"),
    [("*", 2), ("a*", 2), ("*.txt", 2), ("*a*", 3), ("*:*", 3), ("*/dir/*", 4), ("*:*:*", 5),
     ("a*a*a*a", 6), ("*:*:*:*", 7), ("/Users/*/dir/dir/dir/dir/dir/doc.txt", 7),
     ("*:*:*:*:*", 9), ("a*a*a*a*a*a", 10), ("*aaaaaaaa", 9),
     ("arn:aws:events:us-east-1:*:event-bus/*", 3), ("*:*:*:*:*:event-bus/*", 11)],
)  # fmt: skip
def test_wildcard_complexity_agrees_with_event_ruler(wildcard: str, score: int) -> None:
    """event-ruler's measured MachineComplexityEvaluator scores (semantics.md §2.5)."""
    assert limits.wildcard_complexity([parse_wildcard(wildcard)]) == score


def test_validate_test_event() -> None:
    for bad in ("plain string", '["plain string"]', '{"testEvent": "value"}', "{"):
        with pytest.raises(InvalidEventError) as caught:
            validate_test_event(bad)
        assert str(caught.value) == "Parameter Event is not valid."
    without_resources = {key: value for key, value in ENVELOPE.items() if key != "resources"}
    assert validate_test_event(json.dumps(without_resources)) == without_resources
    with pytest.raises(InvalidEventError) as caught:
        validate_test_event({k: v for k, v in ENVELOPE.items() if k != "region"})
    assert caught.value.path == "region"


def test_explain_reports_every_failed_field() -> None:
    compiled = compile_pattern(SEED_PATTERN)
    event = {**ENVELOPE, "source": "aws.sts", "detail": {"eventName": "AssumeRole"}}
    problems = {m.path: m for m in compiled.explain(event)}
    assert set(problems) == {"source", "detail.eventName", "detail.eventSource"}
    assert problems["detail.eventSource"].actual is MISSING
    assert problems["source"].expected == ["aws.iam"]
    assert compiled.explain(ENVELOPE) == []


def test_compiled_pattern_pickles_and_has_a_canonical_form() -> None:
    compiled = compile_pattern(SEED_PATTERN)
    again = pickle.loads(pickle.dumps(compiled))
    assert again.canonical == compiled.canonical
    assert again.matches(ENVELOPE)
    assert compile_pattern(json.dumps(SEED_PATTERN, indent=2)).canonical == compiled.canonical


def test_ruleset() -> None:
    rules = RuleSet()
    rules.add("seed", SEED_PATTERN)
    rules.add("iam", {"source": ["aws.iam"]})
    rules.add("other", {"source": ["aws.s3"]})
    assert len(rules) == 3 and rules.names == ["seed", "iam", "other"]
    assert rules.matching(ENVELOPE) == ["seed", "iam"]
    assert rules.matching(json.dumps(ENVELOPE)) == ["seed", "iam"]
    explained = rules.explain(ENVELOPE)
    assert explained["seed"] == [] and explained["other"][0].path == "source"
    rules.remove("iam")
    assert rules.matching(ENVELOPE) == ["seed"]
    assert rules.could_match_bytes(json.dumps(ENVELOPE).encode())
    assert not rules.could_match_bytes(b'{"source": "aws.ec2"}')


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_cli_check_pattern(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.json", json.dumps(SEED_PATTERN))
    bad = _write(tmp_path, "bad.json", '{"a": [{"EXISTS": true}]}')
    assert main(["check-pattern", good]) == 0
    assert capsys.readouterr().out == "valid\n"
    assert main(["check-pattern", bad]) == 1
    out = capsys.readouterr().out
    assert "Reason: Unrecognized match type EXISTS" in out and "line 1, column 23" in out
    assert main(["check-pattern", str(tmp_path / "absent.json")]) == 2
    assert main(["check-pattern", bad, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["path"] == "a[0].EXISTS"


def test_cli_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pattern = _write(tmp_path, "seed.json", json.dumps(SEED_PATTERN))
    miss = {**ENVELOPE, "detail": {**ENVELOPE["detail"], "eventName": "CreateUser"}}
    events = _write(tmp_path, "events.jsonl", f"{json.dumps(ENVELOPE)}\n\n{json.dumps(miss)}\n")
    assert main(["match", "--pattern", pattern, events, "--explain"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("match") and out[1].startswith(f"no match {events}:3")
    assert 'detail.eventName: expected equals ["CreateAccessKey"], got "CreateUser"' in out[2]
    only_hits = _write(tmp_path, "hits.jsonl", json.dumps(ENVELOPE) + "\n")
    assert main(["match", "--pattern", pattern, only_hits, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["match"] is True
    broken = _write(tmp_path, "broken.jsonl", json.dumps(ENVELOPE) + "\n{nope\n")
    assert main(["match", "--pattern", pattern, broken]) == 2
    assert f"{broken}:2" in capsys.readouterr().err
