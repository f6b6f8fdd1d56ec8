"""`trailsim replay`: run recorded CloudTrail history through EventBridge rules.

Wiring only: parse, build the plan and the inputs, call ``run_replay``, hand the result to a
reporter.  The library is ``simulator.replay``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import orjson

from simulator.cli.arguments import whole_number
from simulator.errors import ConfigError

EXIT_OK, EXIT_BAD_INPUT = 0, 1

DESCRIPTION = """\
Replay recorded CloudTrail through one or more EventBridge rules and report what they match.

SOURCE is a file, a folder or s3://bucket/prefix; folders and prefixes are read recursively
(files ending .json, .jsonl or .ndjson, gzipped or not; under AWSLogs/<account>/ only CloudTrail/,
not digests or other services' logs). Accepted inputs:
  * CloudTrail S3 log files, *.json.gz or *.json ({"Records": [...]}), laid out as CloudTrail
    writes them (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/); digest files are skipped;
  * JSON Lines of records or of EventBridge envelopes (*.jsonl, *.ndjson, gzipped or not);
  * `aws cloudtrail lookup-events` output (Events[].CloudTrailEvent);
  * CloudTrail Lake GetQueryResults output (QueryResultRows; best effort);
  * a single record or envelope, or a JSON array of them.
Each record is turned into the envelope EventBridge would deliver and matched with AWS's rules.
Read-only events match only rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS; they
are counted as "not delivered" otherwise (--all-management-events changes the state).

Bad input never stops a replay: a truncated gzip, invalid JSON or a record without eventName is
counted and reported with its file and position (line, or JSON path such as Records[17]).
For speed, records no rule could match are framed and counted but not parsed; --validate-all
parses every one. --since/--until also skip S3 day folders that cannot hold such events.

Exit status: 0 every input was read cleanly; 1 some input was bad (reported, skipped);
2 bad usage or configuration (a pattern, a missing source, AWS access).
"""

EPILOG = """\
examples:
  trailsim replay ./AWSLogs --pattern rule.json
  trailsim replay s3://my-trail-bucket/AWSLogs --since 7d --pattern template.yaml#KeyAlertRule
  trailsim replay history.jsonl --pattern strict=strict.json --pattern loose=loose.json --json
  trailsim replay ./AWSLogs --diff old.json new.json --jsonl-out changed.jsonl
  trailsim replay lookup.json --rule key-alert --explain-near-misses 5
"""
NAMED = re.compile(r"^([A-Za-z0-9_.:-]+)=(.+)$")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `trailsim replay`."""
    p = subparsers.add_parser(
        "replay",
        help="replay recorded CloudTrail logs through EventBridge rules",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="file, folder or s3://bucket/prefix"
    )
    _add_rule_options(p.add_argument_group("rules"))
    _add_report_options(p.add_argument_group("report"))
    _add_scope_options(p.add_argument_group("scope and speed"))
    _add_aws_options(p.add_argument_group("AWS (S3 sources, live rules, --push)"))
    p.set_defaults(func=run)


def _add_rule_options(rules: Any) -> None:
    rules.add_argument(
        "--pattern",
        action="append",
        default=[],
        metavar="[NAME=]SPEC",
        help="a pattern: file.json, template.yaml#LogicalId or rule:NAME "
        "(repeatable; NAME= renames it)",
    )
    rules.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="NAME",
        help="a deployed rule, read with DescribeRule ([BUS/]NAME; repeatable)",
    )
    rules.add_argument(
        "--diff",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="compare two patterns: events one matches and the other does not",
    )
    rules.add_argument(
        "--all-management-events",
        action="store_true",
        help="rules are in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS "
        "(read-only events are delivered too)",
    )
    rules.add_argument(
        "--rule-region",
        metavar="REGION",
        help="the rules' region: matching events from other regions are counted apart, as "
        "EventBridge never delivers them (IAM events are all us-east-1)",
    )


def _add_report_options(report: Any) -> None:
    report.add_argument(
        "--explain-near-misses",
        type=_count,
        default=0,
        metavar="N",
        help="show the N events closest to matching each rule (one field off)",
    )
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument(
        "--jsonl-out",
        type=Path,
        metavar="PATH",
        help="write each matched event (its EventBridge envelope) as a JSON line",
    )
    report.add_argument(
        "--validate-all",
        action="store_true",
        help="parse every record, not only prefilter candidates (slower; finds "
        "invalid JSON inside records no rule could match)",
    )


def _add_scope_options(scope: Any) -> None:
    scope.add_argument(
        "--since",
        metavar="TIME",
        help="only events at or after TIME (2024-05-01, ISO 8601, or 7d/24h/90m ago)",
    )
    scope.add_argument("--until", metavar="TIME", help="only events before TIME")
    scope.add_argument(
        "--jobs",
        type=_count,
        default=None,
        metavar="N",
        help="worker processes (default: CPU count, fewer for small inputs)",
    )


def _add_aws_options(aws: Any) -> None:
    aws.add_argument("--profile", help="AWS profile")
    aws.add_argument(
        "--region", default=None, help="AWS region (default: the profile's, us-east-1)"
    )
    aws.add_argument("--endpoint-url", help="S3/EventBridge endpoint (the local cloud's URL)")
    aws.add_argument(
        "--push",
        metavar="ENDPOINT",
        help="send matched events to EventBridge: http://HOST:PORT[#BUS] (the local "
        "cloud) or aws[:BUS]; sent with a custom source (aws.* is refused), so route "
        "them with a mirror rule (your pattern, source replaced)",
    )
    aws.add_argument(
        "--push-rate",
        type=float,
        default=10.0,
        metavar="N",
        help="events per second for --push (default 10)",
    )
    aws.add_argument(
        "--push-source",
        default="trailsim.replay",
        metavar="SOURCE",
        help="source of pushed events (default trailsim.replay)",
    )


_count = whole_number(0)


def run(args: argparse.Namespace) -> int:
    from simulator.replay.runner import default_jobs, run_replay
    from simulator.replay.sources import list_inputs, s3_access_from_session

    session = _session(args)
    plan = build_plan(args, session)
    access = s3_access_from_session(session, args.endpoint_url) if session is not None else None
    inputs = list_inputs(args.sources, _window(args), access)
    pusher = _pusher(args)
    with MatchOutputs(args.jsonl_out, pusher) as outputs:
        progress = _progress(args, inputs)
        try:
            result = run_replay(
                inputs,
                plan,
                jobs=args.jobs or default_jobs(sum(i.size for i in inputs)),
                on_matches=outputs.write if outputs.active else None,
                progress=progress,
            )
        finally:
            progress.close()
    _report(args, result, pusher)
    return EXIT_OK if result.clean else EXIT_BAD_INPUT


def _session(args: argparse.Namespace) -> Any:
    """A boto3 session when a source, rule or pattern lives in AWS (or the local cloud)."""
    from simulator.aws.clients import AwsTarget

    specs = [*args.pattern, *(args.diff or [])]
    if not (
        args.rule
        or any(s.startswith("s3://") for s in args.sources)
        or any(s.startswith("rule:") for s in specs)
    ):
        return None
    target = AwsTarget(
        profile=args.profile, region=args.region or "us-east-1", endpoint_url=args.endpoint_url
    )
    return target.session()


def _progress(args: argparse.Namespace, inputs: list[Any]) -> Any:
    from simulator.replay.progress import Progress

    # tqdm decides on a TTY by itself (None); --json never shows progress.
    return Progress(len(inputs), sum(i.size for i in inputs), False if args.json else None)


def _report(args: argparse.Namespace, result: Any, pusher: Any) -> None:
    from simulator.replay.render import report_json, report_text

    if args.json:
        document = report_json(result)
        if pusher is not None:
            document["push"] = pusher.stats.as_json()
        print_json(document, sys.stdout)
        return
    print(report_text(result))
    if pusher is not None:
        stats = pusher.stats
        failures = f" ({stats.failed:,} failed: {stats.errors})" if stats.failed else ""
        print(
            f"Pushed {stats.sent:,} events{failures} with source {args.push_source}; route "
            "them with a mirror rule (your pattern with that source)."
        )


class MatchOutputs:
    """Where matched events go as the replay streams: --jsonl-out and --push."""

    def __init__(self, path: Path | None, pusher: Any) -> None:
        self.path, self.pusher = path, pusher
        self.handle: TextIO | None = None

    @property
    def active(self) -> bool:
        return self.path is not None or self.pusher is not None

    def __enter__(self) -> MatchOutputs:
        if self.path is not None:
            try:
                self.handle = self.path.open("w", encoding="utf-8")
            except OSError as err:
                raise ConfigError(
                    "--jsonl-out", str(self.path), f"a writable file ({err.strerror})"
                ) from None
        return self

    def write(self, lines: list[bytes]) -> None:
        if self.handle is not None:
            self.handle.write("".join(line.decode() + "\n" for line in lines))
        if self.pusher is not None:
            self.pusher.push(lines)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()
        if self.pusher is not None and exc[0] is None:
            self.pusher.flush()


def build_plan(args: argparse.Namespace, session: Any) -> Any:
    from simulator.aws.rule_sources import load_pattern
    from simulator.replay.plan import RULE_STATES, ReplayPlan, Rule

    def loader(spec: str) -> tuple[str, dict[str, Any]]:
        return load_pattern(spec, session=session, endpoint_url=args.endpoint_url)

    specs = [*args.pattern, *(r if r.startswith("rule:") else f"rule:{r}" for r in args.rule)]
    if args.diff and specs:
        raise ConfigError("--diff", " ".join(args.diff), "used alone, without --pattern/--rule")
    if not args.diff and not specs:
        raise ConfigError("--pattern", None, "at least one --pattern, --rule or --diff OLD NEW")
    loaded = [load_named(spec, loader) for spec in (args.diff or specs)]
    names = _unique([name for name, _ in loaded])
    rules = tuple(Rule(name, pattern) for name, (_, pattern) in zip(names, loaded, strict=True))
    since, until = _window(args).bounds()
    return ReplayPlan(
        rules=rules,
        near_misses=args.explain_near_misses,
        diff=(names[0], names[1]) if args.diff else None,
        since=since,
        until=until,
        rule_state=RULE_STATES[1] if args.all_management_events else RULE_STATES[0],
        rule_region=args.rule_region,
        keep_matches=bool(args.jsonl_out or args.push),
        validate_all=args.validate_all,
    )


def _unique(names: list[str]) -> list[str]:
    """Rule names, with a #2, #3... suffix where two specs give the same name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _window(args: argparse.Namespace) -> Any:
    from simulator.replay.sources import TimeWindow, parse_time

    since = parse_time("--since", args.since) if args.since else None
    until = parse_time("--until", args.until) if args.until else None
    if since and until and since >= until:
        raise ConfigError("--until", args.until, f"a time after --since ({args.since})")
    return TimeWindow(since, until)


def _pusher(args: argparse.Namespace) -> Any:
    if not args.push:
        return None
    from simulator.replay.push import Pusher, events_client

    client, bus = events_client(args.push, profile=args.profile, region=args.region)
    return Pusher(client, bus=bus, source=args.push_source, rate=args.push_rate)


def load_named(
    spec: str, loader: Callable[[str], tuple[str, dict[str, Any]]]
) -> tuple[str, dict[str, Any]]:
    """``NAME=SPEC`` or ``SPEC``; the name defaults to the one the loader gives."""
    named = NAMED.match(spec)
    if named and not Path(spec).exists() and not spec.startswith("rule:"):
        return named.group(1), loader(named.group(2))[1]
    return loader(spec)


def print_json(document: object, stdout: TextIO) -> None:
    stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
