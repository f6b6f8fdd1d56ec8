"""`trailsim check`: run a pattern against the events it must and must not match (for CI)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

DESCRIPTION = """\
Check an EventBridge pattern against an expectations file: events that must match and events
that must not.  Every event is judged by trailsim's engine; with --remote, also by EventBridge's
TestEventPattern API (real AWS, or the local cloud with --endpoint-url), side by side.

The pattern comes from one of:
  --pattern FILE                  a JSON file holding the pattern
  --template FILE [--resource ID] the AWS::Events::Rule in a CloudFormation/SAM template
                                  (YAML or JSON; FILE#ID works too; ID optional if only one)
  --rule NAME [--event-bus BUS]   a deployed rule (events:DescribeRule)

Expectations file (JSON or YAML; paths are relative to it):
  {"must_match": ["scenario:*", "fixtures/events/mine.json", {"name": "x", "event": {...}}],
   "must_not_match": ["near-miss:delete-access-key", {"ref": "near-miss:create-user"}],
   "fixtures": ["fixtures/events"]}
  scenario:NAME and near-miss:NAME are generated events (NAME * for all of them); each
  "fixtures" entry (file or folder) uses the fixture's own "expect".
The default is the shipped file for the seed rule: every CreateAccessKey scenario must match;
the near misses (DeleteAccessKey, CreateUser, ec2:CreateKeyPair...) must not, except
iam-wrong-region, which the pattern matches (AWS delivers IAM events only in us-east-1).

Exit status: 0 every expectation holds; 1 a missed expectation or the engine and
TestEventPattern disagree (each miss is explained field by field); 2 bad input.

Examples:
  trailsim check --template template.yaml --resource AccessKeyCreatedRule
  trailsim check --pattern rule.json --expectations ci/expectations.json --junit-xml check.xml
  trailsim check --rule access-key-created --remote --region us-east-1
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `trailsim check`."""
    p = subparsers.add_parser(
        "check",
        help="check a pattern against events it must and must not match (CI regression check)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_arguments(p)
    _add_remote_arguments(p)
    _add_output_arguments(p)
    p.set_defaults(func=run)


def _add_source_arguments(p: argparse.ArgumentParser) -> None:
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--pattern", metavar="FILE", help="JSON file holding the event pattern")
    source.add_argument(
        "--template", metavar="FILE", help="CloudFormation/SAM template (YAML or JSON)"
    )
    source.add_argument("--rule", metavar="NAME", help="name of a deployed EventBridge rule")
    p.add_argument("--resource", metavar="ID", help="logical ID of the rule in --template")
    p.add_argument("--event-bus", metavar="BUS", help="event bus of --rule (default: default)")
    p.add_argument(
        "--expectations",
        metavar="FILE",
        help="expectations file (JSON or YAML); default: the shipped seed-rule expectations",
    )


def _add_remote_arguments(p: argparse.ArgumentParser) -> None:
    remote = p.add_argument_group("TestEventPattern (AWS's own verdict)")
    remote.add_argument(
        "--remote", action="store_true", help="also ask TestEventPattern for every event"
    )
    remote.add_argument(
        "--endpoint-url", metavar="URL", help="send AWS calls here (the local cloud) instead of AWS"
    )
    remote.add_argument("--region", default="us-east-1", help="AWS region (default: us-east-1)")
    remote.add_argument("--profile", help="AWS profile (default: boto3's standard chain)")


def _add_output_arguments(p: argparse.ArgumentParser) -> None:
    out = p.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the report as JSON")
    out.add_argument("--junit-xml", metavar="PATH", help="also write a JUnit XML report to PATH")
    out.add_argument(
        "-v", "--verbose", action="store_true", help="list passing events too (text output)"
    )


def run(args: argparse.Namespace) -> int:
    """Parse -> load -> check -> report; returns the exit status."""
    from simulator.aws.check import load_expectations, run_check
    from simulator.aws.check_report import JsonReporter, TextReporter, write_junit_xml
    from simulator.aws.clients import AwsTarget

    target = AwsTarget(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)
    source = load_source(args, target)
    cases = load_expectations(args.expectations)
    progress = _progress_bar if sys.stderr.isatty() and not args.json else None
    report = run_check(source, cases, remote=target if args.remote else None, progress=progress)
    reporter = JsonReporter() if args.json else TextReporter(verbose=args.verbose)
    sys.stdout.write(reporter.render(report))
    if args.junit_xml:
        write_junit_xml(report, args.junit_xml)
    return report.exit_code


def load_source(args: argparse.Namespace, target: Any) -> Any:
    """The RuleSource the flags name; flag combinations that make no sense are ConfigErrors."""
    from simulator.aws.rule_sources import load_file, load_live_rule
    from simulator.errors import ConfigError

    if args.resource and not args.template:
        raise ConfigError("--resource", args.resource, "to be used with --template")
    if args.event_bus and not args.rule:
        raise ConfigError("--event-bus", args.event_bus, "to be used with --rule")
    if args.rule:
        session = target.session()
        return load_live_rule(
            args.rule, event_bus=args.event_bus, session=session, endpoint_url=target.endpoint_url
        )
    if args.template:
        path, _, resource = args.template.partition("#")
        source = load_file(path, resource=args.resource or resource or None)
        if source.origin == path:  # the file held a bare pattern, not a template
            raise ConfigError("--template", args.template, "a template; use --pattern for this")
        return source
    source = load_file(args.pattern)
    if "#" in source.origin:
        raise ConfigError("--pattern", args.pattern, "a pattern file; use --template for this")
    return source


def _progress_bar(cases: Iterable[Any]) -> Iterable[Any]:
    """TestEventPattern calls, counted on stderr (only on a terminal: tqdm's own rule)."""
    from tqdm import tqdm

    bar: Iterable[Any] = tqdm(
        cases, desc="TestEventPattern", unit="event", file=sys.stderr, leave=False
    )
    return bar
