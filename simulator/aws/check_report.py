"""`trailsim check`'s records and reporters: text (default), JSON, and JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from simulator.errors import InputError


def _verdict(matched: bool | None) -> str | None:
    return None if matched is None else ("match" if matched else "no_match")


@dataclass(frozen=True)
class CaseResult:
    """One event's verdicts: what was expected, what the engine and TestEventPattern said."""

    name: str
    expect_match: bool
    local_match: bool
    remote_match: bool | None = None  # None: not asked, or TestEventPattern failed
    remote_error: str | None = None
    mismatches: tuple[Any, ...] = ()  # the engine's explain(), when it says no match
    matched_values: tuple[str, ...] = ()  # "path = value" for each pattern field, on a match
    origin: str = ""
    description: str = ""

    @property
    def problems(self) -> list[str]:
        """Why this case fails; empty when it passes."""
        found = []
        if self.local_match != self.expect_match:
            found.append(
                "expected a match, the engine says no match"
                if self.expect_match
                else "matched every field of the pattern, but must not match"
            )
        if self.remote_error is not None:
            found.append(f"TestEventPattern failed: {self.remote_error}")
        elif self.remote_match is not None and self.remote_match != self.local_match:
            remote, local = _verdict(self.remote_match), _verdict(self.local_match)
            found.append(f"TestEventPattern says {remote}, the engine says {local}")
        return found

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class CheckReport:
    """The outcome of a check: one CaseResult per event."""

    pattern_name: str
    pattern_origin: str
    results: tuple[CaseResult, ...]
    remote_target: str | None = None

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def render_mismatches(mismatches: Iterable[Any]) -> list[str]:
    """One line per Mismatch, as the engine words it (``simulator.patterns.describe``)."""
    from simulator.patterns import describe

    return [describe(m) for m in mismatches]


def _mismatch_record(m: Any) -> dict[str, Any]:
    from simulator.patterns import MISSING

    missing = m.actual is MISSING
    return {
        "path": m.path,
        "operator": m.operator,
        "expected": m.expected,
        "actual": None if missing else m.actual,
        "missing": missing,
    }


class Reporter(Protocol):
    """Turns a CheckReport into text for stdout."""

    def render(self, report: CheckReport) -> str: ...


class TextReporter:
    """Human output: one line per event, and for each failure the reasons and explain()."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def render(self, report: CheckReport) -> str:
        remote = f"; TestEventPattern at {report.remote_target}" if report.remote_target else ""
        lines = [f"pattern {report.pattern_name} ({report.pattern_origin}){remote}"]
        width = max((len(r.name) for r in report.results), default=0)
        for result in report.results:
            if result.passed and not self.verbose:
                continue
            lines.append(self._case_line(result, width))
            lines.extend(f"      {problem}" for problem in result.problems)
            if not result.passed:
                lines.extend(f"        {line}" for line in _evidence(result))
        failed, total = len(report.failures), len(report.results)
        verdict = "FAILED" if failed else "passed"
        lines.append(f"{verdict}: {total - failed} of {total} events as expected")
        return "\n".join(lines) + "\n"

    @staticmethod
    def _case_line(result: CaseResult, width: int) -> str:
        status = "ok  " if result.passed else "FAIL"
        expect = "must match    " if result.expect_match else "must not match"
        verdicts = f"engine: {_spoken(result.local_match)}"
        if result.remote_match is not None or result.remote_error is not None:
            verdicts += f", TestEventPattern: {_spoken(result.remote_match)}"
        return f"  {status} {result.name:<{width}}  {expect}  {verdicts}"


def _spoken(matched: bool | None) -> str:
    return "error" if matched is None else ("match" if matched else "no match")


class JsonReporter:
    """Machine output: the whole report as one JSON document."""

    def render(self, report: CheckReport) -> str:
        return json.dumps(report_to_dict(report), indent=2, default=str, ensure_ascii=False) + "\n"


def report_to_dict(report: CheckReport) -> dict[str, Any]:
    """The report as plain JSON data (the --json format)."""
    failed = len(report.failures)
    return {
        "pattern": {"name": report.pattern_name, "origin": report.pattern_origin},
        "remote": report.remote_target,
        "passed": report.passed,
        "summary": {
            "total": len(report.results),
            "passed": len(report.results) - failed,
            "failed": failed,
        },
        "cases": [_case_to_dict(r) for r in report.results],
    }


def _case_to_dict(result: CaseResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "description": result.description,
        "origin": result.origin,
        "expect": _verdict(result.expect_match),
        "local": _verdict(result.local_match),
        "remote": _verdict(result.remote_match),
        "remote_error": result.remote_error,
        "passed": result.passed,
        "problems": result.problems,
        "mismatches": [_mismatch_record(m) for m in result.mismatches],
        "matched_values": list(result.matched_values),
    }


def write_junit_xml(report: CheckReport, path: str | Path) -> None:
    """Write the report as JUnit XML (one testcase per event), for CI test tabs."""
    suite = ET.Element(
        "testsuite",
        name=f"trailsim check {report.pattern_name}",
        tests=str(len(report.results)),
        failures=str(len(report.failures)),
        errors="0",
        skipped="0",
    )
    for result in report.results:
        case = ET.SubElement(
            suite, "testcase", classname=f"trailsim.check.{report.pattern_name}", name=result.name
        )
        if not result.passed:
            failure = ET.SubElement(case, "failure", message="; ".join(result.problems))
            failure.text = "\n".join(_failure_lines(result))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    try:
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    except OSError as err:
        raise InputError(str(path), f"cannot write the JUnit XML report: {err.strerror}") from err


def _failure_lines(result: CaseResult) -> Sequence[str]:
    head = [result.description] if result.description else []
    return [*head, *result.problems, *_evidence(result)]


def _evidence(result: CaseResult) -> list[str]:
    """Why the engine decided: explain() on a no-match, the event's values on a match."""
    if result.local_match:
        return [f"{line} (matched)" for line in result.matched_values]
    return render_mismatches(result.mismatches)
