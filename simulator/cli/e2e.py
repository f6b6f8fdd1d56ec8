"""`trailsim e2e` and `trailsim sweep`: push a test event end to end; remove what runs left."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from simulator.errors import ConfigError

E2E_DESCRIPTION = """\
Push one test event through EventBridge -> SNS -> Chatbot -> Slack and confirm the message.

Triggers (pick one; each is honest about what it tests):
  iam     create a tagged throwaway IAM user trailsim-probe-<id> and an access key, then delete
          both: CloudTrail's own event travels the whole path (the only true end-to-end test)
  mirror  a temporary copy of the rule with a custom source, fed by PutEvents (EventBridge
          refuses aws.* sources from PutEvents); tests the pattern shape, target and delivery
  sns     publish a Chatbot custom notification straight to the topic (SNS -> Slack only)

Pipeline: --rule NAME|ARN uses yours (its SNS target and the Chatbot configuration of that
topic); --deploy builds a throwaway copy of the seed pipeline in us-east-1, tagged
trailsim:run=<id>, and deletes it afterwards.  --local runs everything offline in the local
cloud (no credentials).  Credentials come from the standard AWS chain (--profile); Slack from
SLACK_BOT_TOKEN (a bot in the channel with channels:history).  Nothing secret is printed.

Everything created is deleted on exit, Ctrl-C and SIGTERM included; `trailsim sweep` removes
what a killed run left.  Exit status: 0 delivered, 1 not delivered, 2 bad input or config.
"""

SWEEP_DESCRIPTION = """\
Find and delete resources that interrupted trailsim runs left: IAM users trailsim-probe-* (and
their access keys), trailsim-* roles, EventBridge rules and their targets, SNS topics, SQS tap
queues and their subscriptions, Chatbot configurations.  Only resources whose name starts
with trailsim- AND that carry the trailsim:run tag are touched.  Exit 1 if a deletion failed.
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `e2e` and `sweep` to `trailsim`."""
    raw = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "e2e",
        help="push a test event end to end and confirm it in Slack",
        description=E2E_DESCRIPTION,
        formatter_class=raw,
    )
    p.add_argument(
        "--trigger",
        choices=("iam", "mirror", "sns"),
        default="iam",
        help="how to push the event (default: iam)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--rule", metavar="NAME|ARN", help="use this existing rule")
    where.add_argument(
        "--deploy",
        action="store_true",
        help="deploy a throwaway copy of the seed pipeline (default with --local)",
    )
    p.add_argument("--topic", metavar="ARN", help="with --rule: the topic (default: its target)")
    p.add_argument(
        "--configuration",
        metavar="NAME|ARN",
        help="with --rule: the Chatbot configuration (default: the one with the topic)",
    )
    p.add_argument(
        "--pattern",
        metavar="SPEC",
        help="pattern for --deploy: JSON file, template.yaml#LogicalId (default: seed)",
    )
    p.add_argument("--channel", metavar="C", help="Slack channel ID (with --local: its own)")
    p.add_argument(
        "--chatbot-role",
        metavar="ARN",
        help="IAM role for the deployed Chatbot configuration (default: a throwaway)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="seconds to wait for Slack (default 300; 15 with --local)",
    )
    p.add_argument(
        "--no-tap",
        action="store_true",
        help="do not add the temporary SQS tap that times the bus and SNS hops",
    )
    add_target_args(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_e2e_command)

    s = subparsers.add_parser(
        "sweep",
        help="delete what interrupted trailsim runs left behind",
        description=SWEEP_DESCRIPTION,
        formatter_class=raw,
    )
    s.add_argument("--dry-run", action="store_true", help="list, do not delete")
    add_target_args(s, local=False)
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(func=run_sweep_command)


def add_target_args(p: argparse.ArgumentParser, *, local: bool = True) -> None:
    """--profile, --endpoint-url and (optionally) --local: where AWS calls go."""
    p.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    p.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="an AWS-compatible endpoint, e.g. a running `trailsim local`",
    )
    if local:
        p.add_argument(
            "--local",
            action="store_true",
            help="run offline in an embedded local cloud (no credentials needed)",
        )


def aws_cloud(args: argparse.Namespace) -> Any:
    """The Cloud for --profile/--endpoint-url (real AWS when no endpoint)."""
    from simulator.aws.clients import AwsTarget
    from simulator.aws.stack import PIPELINE_REGION, Cloud

    target = AwsTarget(profile=args.profile, region=PIPELINE_REGION, endpoint_url=args.endpoint_url)
    return Cloud(target.session(), args.endpoint_url)


def slack_for(args: argparse.Namespace, *, required: bool) -> Any:
    """Real Slack with SLACK_BOT_TOKEN; the endpoint's local Slack with --endpoint-url."""
    from simulator.aws.e2e_local import slack_client

    if args.endpoint_url:
        from simulator.local.slack import SlackEmulator

        base = args.endpoint_url.rstrip("/") + "/slack/api/"
        return slack_client(base, SlackEmulator.DEFAULT_BOT_TOKEN)
    token = os.environ.get("SLACK_BOT_TOKEN", "")
    if not token:
        if required:
            raise ConfigError("SLACK_BOT_TOKEN", "", "a Slack bot token (xoxb-...) in the env")
        return None
    return slack_client(None, token)


def load_pattern(spec: str | None, cloud: Any) -> Any:
    if spec is None:
        return None
    from simulator.aws.rule_sources import load_pattern as load

    _name, pattern = load(spec, session=cloud.session)
    return pattern


def run_e2e_command(args: argparse.Namespace) -> int:
    from simulator.aws.e2e import E2eOptions, run_e2e

    if args.local:
        timeout = 15.0 if args.timeout is None else args.timeout
        E2eOptions(trigger=args.trigger, channel="local", timeout_s=timeout).validate()
        return run_local_e2e(args, trigger=args.trigger, timeout=timeout)
    if not args.rule and not args.deploy:
        raise ConfigError("--rule/--deploy", None, "--rule NAME to test yours, or --deploy")
    if not args.channel:
        raise ConfigError("--channel", None, "the Slack channel ID the alert goes to")
    cloud = aws_cloud(args)
    options = E2eOptions(
        trigger=args.trigger,
        channel=args.channel,
        timeout_s=300.0 if args.timeout is None else args.timeout,
        rule=args.rule,
        topic=args.topic,
        configuration=args.configuration,
        pattern=load_pattern(args.pattern, cloud),
        chatbot_role_arn=args.chatbot_role,
        tap=not args.no_tap,
        target=args.endpoint_url
        or f"AWS us-east-1{f' (profile {args.profile})' if args.profile else ''}",
    )
    report = run_e2e(cloud, slack_for(args, required=True), options, on_step=progress(args))
    return emit(report, args.json)


def run_local_e2e(args: argparse.Namespace, *, trigger: str, timeout: float) -> int:
    """e2e in an embedded local cloud: deploy, trigger, confirm, tear down, stop."""
    from simulator.aws.e2e import E2eOptions, run_e2e
    from simulator.aws.e2e_local import local_environment

    with local_environment() as env:
        options = E2eOptions(
            trigger=trigger,
            channel=getattr(args, "channel", None) or env.channel,
            timeout_s=timeout,
            pattern=load_pattern(getattr(args, "pattern", None), env.cloud),
            poll_interval_s=0.2,
            target=f"local cloud {env.cloud.endpoint_url}",
        )
        report = run_e2e(env.cloud, env.slack, options, on_step=progress(args), local=env.local)
        env.local.check()
    return emit(report, args.json)


def progress(args: argparse.Namespace) -> Any:
    """Progress lines on stderr, only on a terminal and never with --json."""
    if args.json or not sys.stderr.isatty():
        return None

    def show(step: str) -> None:
        print(f"  ... {step}", file=sys.stderr)

    return show


def emit(report: Any, as_json: bool) -> int:
    from simulator.aws.e2e_report import render_text

    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(render_text(report))
    return 0 if report.delivered else 1


def run_sweep_command(args: argparse.Namespace) -> int:
    from simulator.aws.sweep import find_leftovers

    report = find_leftovers(aws_cloud(args), dry_run=args.dry_run)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(render_sweep(report, dry_run=args.dry_run))
    return 0 if report.clean else 1


def render_sweep(report: Any, *, dry_run: bool) -> str:
    verb = "would delete" if dry_run else "deleted"
    lines = [f"trailsim sweep: {len(report.found)} leftover(s) found"]
    done = report.found if dry_run else report.deleted
    lines += [f"  {verb} {item.kind} {item.ident} (run {item.run_id})" for item in done]
    lines += [f"  FAILED {item.kind} {item.ident}: {error}" for item, error in report.failed]
    lines += [
        f"  skipped {service}: {reason.splitlines()[0][:120]}" for service, reason in report.skipped
    ]
    return "\n".join(lines)
