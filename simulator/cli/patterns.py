"""``trailsim check-pattern`` and ``trailsim match``: EventBridge's verdicts, offline."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulator.errors import InputError, InvalidEventError, PatternError
from simulator.patterns import CompiledPattern, check_pattern, compile_pattern, parse_event
from simulator.patterns.explain import describe, mismatch_json

CHECK_DESCRIPTION = """\
Check an EventBridge event pattern exactly as EventBridge validates it (TestEventPattern).

Prints "valid" and exits 0, or prints AWS's own rejection message with the JSON path, line and
column of the problem and exits 1.  The file is read as raw text, so JSON syntax errors get
the parser's message too.

example:
  trailsim check-pattern rule.json
"""

MATCH_DESCRIPTION = """\
Match events against an EventBridge event pattern with AWS's exact semantics.

EVENTS is a JSON Lines file of EventBridge events (one event per line), a single JSON event,
or "-" / omitted for standard input.  One verdict per event; --explain says, for each miss,
every field that did not match and why.

exit status: 0 every event matched, 1 at least one did not, 2 bad input.

examples:
  trailsim generate --count 5 | trailsim match --pattern rule.json
  trailsim match --pattern rule.json events.jsonl --explain
  trailsim match --pattern rule.json events.jsonl --json
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``check-pattern`` and ``match`` to ``trailsim``."""
    check = subparsers.add_parser(
        "check-pattern",
        help="validate an event pattern as EventBridge does",
        description=CHECK_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("pattern", metavar="PATTERN.json", help='pattern file ("-" for stdin)')
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(func=run_check_pattern)

    match = subparsers.add_parser(
        "match",
        help="match events against an event pattern, with reasons",
        description=MATCH_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    match.add_argument("--pattern", required=True, metavar="PATTERN.json", help="pattern file")
    match.add_argument(
        "events", nargs="?", default="-", metavar="EVENTS.jsonl", help='events ("-": stdin)'
    )
    match.add_argument("--explain", action="store_true", help="say why each miss missed")
    match.add_argument("--json", action="store_true", help="one JSON object per event")
    match.set_defaults(func=run_match)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(name, f"cannot read: {reason}") from None


def run_check_pattern(args: argparse.Namespace) -> int:
    text = _read(args.pattern)
    problems = check_pattern(text)
    warnings = [] if problems else list(compile_pattern(text).warnings)
    if args.json:
        report: dict[str, Any] = {"file": args.pattern, "valid": not problems, "warnings": warnings}
        if problems:
            problem = problems[0]
            report.update(
                reason=problem.reason,
                path=problem.path,
                line=problem.line,
                column=problem.column,
                message=problem.message,
            )
        print(json.dumps(report, ensure_ascii=False))
        return 1 if problems else 0
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not problems:
        print("valid")
        return 0
    problem = problems[0]
    print(problem.message.split("\n", 1)[0])
    where = [f"path {problem.path}"] if problem.path else []
    if problem.line is not None:
        where.append(f"line {problem.line}, column {problem.column}")
    if where:
        print(f"  at {args.pattern}: " + ", ".join(where))
    return 1


def _load_pattern(name: str) -> CompiledPattern:
    text = _read(name)
    try:
        return compile_pattern(text)
    except PatternError as error:
        location = name if error.line is None else f"{name}:{error.line}:{error.column}"
        raise InputError(location, str(error), error.path) from None


def _events(name: str, text: str, compiled: CompiledPattern) -> Iterator[tuple[str, Any]]:
    label = "<stdin>" if name == "-" else name
    lines = text.splitlines()
    if _is_single_document(text, lines):
        yield label, _parse(text, label, compiled)
        return
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield f"{label}:{number}", _parse(line, f"{label}:{number}", compiled)


def _is_single_document(text: str, lines: list[str]) -> bool:
    non_blank = [line for line in lines if line.strip()]
    if len(non_blank) <= 1:
        return True
    try:
        json.loads(non_blank[0])
    except ValueError:
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    return False


def _parse(text: str, where: str, compiled: CompiledPattern) -> Any:
    try:
        event = parse_event(text, number_text=compiled.needs_number_text)
    except InvalidEventError as error:
        raise InputError(where, f"not valid JSON ({error.path})") from None
    if not isinstance(event, dict):
        raise InputError(where, f"expected a JSON object (an event), got {type(event).__name__}")
    return event


def run_match(args: argparse.Namespace) -> int:
    compiled = _load_pattern(args.pattern)
    text = _read(args.events)
    total = matched = 0
    for where, event in _events(args.events, text, compiled):
        total += 1
        mismatches = compiled.explain(event) if args.explain or args.json else []
        ok = not mismatches if (args.explain or args.json) else compiled.matches(event)
        matched += ok
        _report(where, event, ok, mismatches, args)
    if total == 0:
        raise InputError("<stdin>" if args.events == "-" else args.events, "no events found")
    if not args.json:
        print(f"{matched} of {total} event(s) matched", file=sys.stderr)
    return 0 if matched == total else 1


def _report(where: str, event: Any, ok: bool, mismatches: list[Any], args: Any) -> None:
    event_id = event.get("id") if isinstance(event.get("id"), str) else None
    if args.json:
        record = {"where": where, "id": event_id, "match": ok}
        if args.explain or not ok:
            record["mismatches"] = [mismatch_json(m) for m in mismatches]
        print(json.dumps(record, ensure_ascii=False))
        return
    label = "match   " if ok else "no match"
    print(f"{label} {where}" + (f" id={event_id}" if event_id else ""))
    if args.explain:
        for mismatch in mismatches:
            print(f"    {describe(mismatch)}")
