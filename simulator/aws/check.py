"""`trailsim check`: a pattern regression check for CI.

An expectations file names events that must and must not match a pattern.  Each event is run
through trailsim's engine (the local verdict) and, when asked, through EventBridge's
TestEventPattern (the remote verdict: real AWS or the local cloud).  The check fails on any
missed expectation and on any disagreement between the two verdicts.

Expectations file (JSON or YAML)::

    {"description": "...",
     "must_match": ["scenario:iam-user-cli", "fixtures/events/x.json",
                    {"name": "inline", "event": {...}}],
     "must_not_match": ["near-miss:delete-access-key", "near-miss:*"],
     "fixtures": ["fixtures/events"]}

A string names a generated event (``scenario:NAME`` or ``near-miss:NAME``, ``*`` for all of
them) or a fixture file relative to the expectations file (``{"event": ...}`` or a bare
envelope).  ``fixtures`` lists fixture files or folders whose own ``"expect"`` decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from simulator.aws.check_report import CaseResult, CheckReport, render_mismatches
from simulator.aws.clients import AwsTarget
from simulator.aws.pattern_api import as_wire_text, test_event_pattern
from simulator.aws.rule_sources import RuleSource, parse_yaml
from simulator.errors import InputError, InvalidEventError, PatternError

MUST_MATCH, MUST_NOT_MATCH, FIXTURES = "must_match", "must_not_match", "fixtures"
_KEYS = ("description", MUST_MATCH, MUST_NOT_MATCH, FIXTURES)


def seed_expectations_path() -> Path:
    """The shipped expectations for the seed rule (package data)."""
    return Path(str(resources.files("simulator") / "data" / "seed-rule.expectations.json"))


def seed_rule_path() -> Path:
    """The shipped seed pattern file (package data)."""
    return Path(str(resources.files("simulator") / "data" / "seed-rule.json"))


@dataclass(frozen=True)
class EventCase:
    """One event and whether the pattern must match it."""

    name: str
    expect_match: bool
    event: Mapping[str, Any]
    origin: str  # where the case was named: "expectations.json:4" or a fixture's path
    description: str = ""


# --- expectations ----------------------------------------------------------------------------


def load_expectations(path: str | Path | None = None) -> list[EventCase]:
    """The cases of an expectations file (default: the shipped seed-rule expectations)."""
    path = Path(path) if path is not None else seed_expectations_path()
    document = _read_document(path)
    if not isinstance(document, dict):
        raise InputError(f"{path}:1", f"expected an object with keys {', '.join(_KEYS)}")
    unknown = sorted(set(map(str, document)) - set(_KEYS))
    if unknown:
        raise InputError(f"{path}:1", f"unknown key {unknown[0]!r}; expected {', '.join(_KEYS)}")
    cases: list[EventCase] = []
    for key, expect in ((MUST_MATCH, True), (MUST_NOT_MATCH, False)):
        for index, item in enumerate(_list_at(document, key, path)):
            cases.extend(_cases_for(item, expect, path, f"{key}[{index}]"))
    for index, item in enumerate(_list_at(document, FIXTURES, path)):
        if not isinstance(item, str):
            raise InputError(
                str(path), "expected a fixture file or folder path", f"fixtures[{index}]"
            )
        cases.extend(_fixture_cases(_resolve(path, item), f"{path} at fixtures[{index}]"))
    if not cases:
        raise InputError(str(path), f"names no events; add {MUST_MATCH} or {MUST_NOT_MATCH}")
    return cases


def _read_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(str(path), err.strerror or "cannot be read") from err
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not UTF-8 text ({err.reason})") from err
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_yaml(text, str(path))[0]
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}:{err.colno}", f"not valid JSON: {err.msg}") from err


def _list_at(document: Mapping[str, Any], key: str, path: Path) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise InputError(str(path), f"expected a list, got {type(value).__name__}", key)
    return value


def _cases_for(item: Any, expect: bool, path: Path, where: str) -> Iterator[EventCase]:
    origin = f"{path} at {where}"
    if isinstance(item, dict) and isinstance(item.get("ref"), str):
        described = str(item.get("description") or "")
        for case in _cases_for(item["ref"], expect, path, where):
            description = described or case.description
            yield EventCase(case.name, expect, case.event, case.origin, description)
    elif isinstance(item, dict):
        yield _inline_case(item, expect, origin, path, where)
    elif isinstance(item, str) and ":" in item and item.split(":", 1)[0] in _GENERATORS:
        yield from _generated_cases(item, expect, origin, path, where)
    elif isinstance(item, str):
        for case in _fixture_cases(_resolve(path, item), origin):
            yield EventCase(case.name, expect, case.event, case.origin, case.description)
    else:
        problem = (
            "expected 'scenario:NAME', 'near-miss:NAME', a fixture path, "
            '{"ref": ...} or {"event": ...}'
        )
        raise InputError(str(path), problem, where)


def _inline_case(
    item: Mapping[str, Any], expect: bool, origin: str, path: Path, where: str
) -> EventCase:
    event = item.get("event")
    if not isinstance(event, dict):
        raise InputError(str(path), 'an inline case needs an "event" object', where)
    name = str(item.get("name") or f"inline:{where}")
    return EventCase(name, expect, event, origin, str(item.get("description", "")))


def _generated_cases(
    ref: str, expect: bool, origin: str, path: Path, where: str
) -> Iterator[EventCase]:
    kind, _, name = ref.partition(":")
    names, build = _GENERATORS[kind]()
    chosen = list(names) if name == "*" else [name]
    for one in chosen:
        if one not in names:
            known = ", ".join(names)
            raise InputError(str(path), f"unknown {kind} {one!r}; known: {known}", where)
        description = getattr(names[one], "description", "")
        yield EventCase(f"{kind}:{one}", expect, build(one), origin, description)


def _scenarios() -> tuple[Mapping[str, Any], Callable[[str], dict[str, Any]]]:
    from simulator.events import SCENARIOS, create_access_key_event

    return SCENARIOS, lambda name: create_access_key_event(scenario=name)


def _near_misses() -> tuple[Mapping[str, Any], Callable[[str], dict[str, Any]]]:
    from simulator.events import NEAR_MISSES, near_miss_event

    return NEAR_MISSES, near_miss_event


_GENERATORS = {"scenario": _scenarios, "near-miss": _near_misses}


def _resolve(expectations: Path, ref: str) -> Path:
    return (expectations.parent / ref) if not Path(ref).is_absolute() else Path(ref)


def _short(path: Path) -> str:
    """A fixture's name in reports: its path from the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _fixture_cases(path: Path, origin: str) -> Iterator[EventCase]:
    """Cases from a fixture file, or every ``*.json`` fixture in a folder (sorted)."""
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise InputError(str(path), f"no *.json fixtures in this folder (named by {origin})")
        for file in files:
            yield from _fixture_cases(file, origin)
        return
    if not path.exists():
        raise InputError(origin, f"no fixture file {path}")
    document = _read_document(path)
    if isinstance(document, dict) and isinstance(document.get("event"), dict):
        expect = document.get("expect", "match")
        if expect not in ("match", "no_match"):
            raise InputError(str(path), 'expected "match" or "no_match"', "expect")
        description = str(document.get("description", ""))
        yield EventCase(_short(path), expect == "match", document["event"], str(path), description)
    elif isinstance(document, dict):
        yield EventCase(_short(path), True, document, str(path))  # a bare envelope
    else:
        raise InputError(str(path), 'expected a fixture {"event": ...} or an event object')


# --- running ---------------------------------------------------------------------------------


Progress = Callable[[Iterable[EventCase]], Iterable[EventCase]]


def run_check(
    source: RuleSource,
    cases: Sequence[EventCase],
    *,
    remote: AwsTarget | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Run every case locally (and remotely when `remote` is given); never raises on a miss.

    `progress` wraps the remote calls' iteration (the CLI passes tqdm on a terminal).
    """
    compiled = compile_source(source)
    validate_cases(cases)
    no_remote: tuple[bool | None, str | None] = (None, None)
    remote_verdicts = (
        _remote_verdicts(source, (progress or iter)(cases), remote)
        if remote
        else [no_remote] * len(cases)
    )
    results = tuple(
        _judge(compiled, source, case, remote_verdict)
        for case, remote_verdict in zip(cases, remote_verdicts, strict=True)
    )
    remote_target = remote.describe() if remote else None
    return CheckReport(source.name, source.origin, results, remote_target)


def _judge(
    compiled: Any, source: RuleSource, case: EventCase, remote: tuple[bool | None, str | None]
) -> CaseResult:
    local = compiled.matches(case.event)
    return CaseResult(
        name=case.name,
        expect_match=case.expect_match,
        local_match=local,
        remote_match=remote[0],
        remote_error=remote[1],
        mismatches=() if local else tuple(compiled.explain(case.event)),
        matched_values=matched_values(source.pattern, case.event) if local else (),
        origin=case.origin,
        description=case.description,
    )


def compile_source(source: RuleSource) -> Any:
    """The source's CompiledPattern; an invalid pattern is an InputError at its location."""
    from simulator.patterns import compile_pattern

    try:
        return compile_pattern(source.text if source.text is not None else source.pattern)
    except PatternError as err:
        if source.text_is_file and err.line:
            raise InputError(f"{source.origin}:{err.line}:{err.column}", str(err)) from err
        at = f" (line {err.line}, column {err.column} of the pattern)" if err.line else ""
        raise InputError(source.location, f"{err}{at}", err.path) from err


def validate_cases(cases: Sequence[EventCase]) -> None:
    """Reject events TestEventPattern itself would refuse (ValidationException, §3.5)."""
    from simulator.patterns import validate_test_event

    for case in cases:
        try:
            validate_test_event(case.event)
        except InvalidEventError as err:
            raise InputError(case.origin, f"{case.name}: {err}", err.path) from err


def _remote_verdicts(
    source: RuleSource, cases: Iterable[EventCase], target: AwsTarget
) -> list[tuple[bool | None, str | None]]:
    session = target.session()
    pattern_text = source.text if source.text is not None else as_wire_text(source.pattern)
    verdicts: list[tuple[bool | None, str | None]] = []
    rejected: str | None = None
    for case in cases:
        if rejected is not None:  # AWS rejects the pattern itself: once is enough to ask
            verdicts.append((None, rejected))
            continue
        try:
            verdict = test_event_pattern(
                pattern_text, case.event, session=session, endpoint_url=target.endpoint_url
            )
            verdicts.append((verdict, None))
        except PatternError as err:
            rejected = f"InvalidEventPatternException: {err}"
            verdicts.append((None, rejected))
        except InvalidEventError as err:
            verdicts.append((None, f"ValidationException: {err}"))
    return verdicts


def matched_values(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> tuple[str, ...]:
    """``path = value`` for each field the pattern tests, read from the event (for a match
    that should not be: it shows what the pattern let through)."""
    found = []
    for path in _pattern_paths(pattern, ()):
        value: Any = event
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        found.append(f"{'.'.join(path)} = {json.dumps(value, default=str)}")
    return tuple(found)


def _pattern_paths(
    pattern: Mapping[str, Any], prefix: tuple[str, ...]
) -> Iterator[tuple[str, ...]]:
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list):
            for branch in value:
                if isinstance(branch, Mapping):
                    yield from _pattern_paths(branch, prefix)
        elif isinstance(value, Mapping):
            yield from _pattern_paths(value, (*prefix, key))
        else:
            yield (*prefix, key)


# --- assertions for tests --------------------------------------------------------------------


def assert_matches(pattern: Any, event: Mapping[str, Any] | str) -> None:
    """Fail (AssertionError) unless `pattern` matches `event`; the message is explain()'s."""
    compiled = _compiled(pattern)
    mismatches = compiled.explain(event)
    if mismatches or not compiled.matches(event):
        lines = "\n".join(f"  {line}" for line in render_mismatches(mismatches))
        raise AssertionError(f"event does not match the pattern:\n{lines}")


def assert_no_match(pattern: Any, event: Mapping[str, Any] | str) -> None:
    """Fail (AssertionError) if `pattern` matches `event`."""
    compiled = _compiled(pattern)
    if compiled.matches(event):
        raise AssertionError(f"event matches the pattern {compiled.canonical}, expected no match")


def _compiled(pattern: Any) -> Any:
    from simulator.patterns import CompiledPattern, compile_pattern

    return pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
