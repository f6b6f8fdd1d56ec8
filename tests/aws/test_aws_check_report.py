"""The check's verdict rules and reporters, on hand-made results (disagreements included)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from simulator.aws.check import seed_rule_path
from simulator.aws.check_report import (
    CaseResult,
    CheckReport,
    JsonReporter,
    TextReporter,
    write_junit_xml,
)
from simulator.patterns import MISSING, Mismatch

AGREE = CaseResult("scenario:a", expect_match=True, local_match=True, remote_match=True)
DISAGREE = CaseResult("scenario:b", expect_match=True, local_match=True, remote_match=False)
REMOTE_FAILED = CaseResult(
    "scenario:c", True, True, remote_error="ValidationException: Parameter Event is not valid."
)
MISSED = CaseResult(
    "near-miss:d",
    expect_match=True,
    local_match=False,
    mismatches=(Mismatch("detail.eventName", "equals", ["CreateAccessKey"], MISSING),),
)


def report(*results: CaseResult) -> CheckReport:
    return CheckReport("rule", "rule.json", results, remote_target="http://127.0.0.1:1 (us-east-1)")


def test_a_disagreement_fails_even_when_the_engine_is_right() -> None:
    assert AGREE.passed and report(AGREE).exit_code == 0
    assert DISAGREE.problems == ["TestEventPattern says no_match, the engine says match"]
    assert report(AGREE, DISAGREE).exit_code == 1


def test_a_remote_failure_fails_the_case() -> None:
    assert REMOTE_FAILED.problems == [
        "TestEventPattern failed: ValidationException: Parameter Event is not valid."
    ]


def test_text_report_lists_failures_with_explanations() -> None:
    text = TextReporter().render(report(AGREE, DISAGREE, MISSED))
    assert "scenario:a" not in text  # passing cases only with --verbose
    assert "FAIL scenario:b" in text and "TestEventPattern: no match" in text
    assert 'detail.eventName: expected equals ["CreateAccessKey"], got missing' in text
    assert text.endswith("FAILED: 1 of 3 events as expected\n")
    assert "scenario:a" in TextReporter(verbose=True).render(report(AGREE))


def test_json_and_junit_reports(tmp_path: Path) -> None:
    data = json.loads(JsonReporter().render(report(AGREE, MISSED)))
    assert data["summary"] == {"total": 2, "passed": 1, "failed": 1}
    assert data["cases"][1]["mismatches"] == [
        {
            "path": "detail.eventName",
            "operator": "equals",
            "expected": ["CreateAccessKey"],
            "actual": None,
            "missing": True,
        }
    ]
    write_junit_xml(report(AGREE, DISAGREE), tmp_path / "r.xml")
    suite = ET.parse(tmp_path / "r.xml").getroot()[0]
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failure = suite[1].find("failure")
    assert failure is not None and "engine says match" in failure.get("message", "")


def test_the_installed_console_script_runs_the_check() -> None:
    script = Path(sys.executable).with_name("trailsim")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "simulator"]
    done = subprocess.run(
        [*command, "check", "--pattern", str(seed_rule_path())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[-1].startswith("passed: ")
