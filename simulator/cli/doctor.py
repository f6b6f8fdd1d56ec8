"""`trailsim doctor`: preflight checks for every silent failure of the alert path."""

from __future__ import annotations

import argparse
import json
from typing import Any

from simulator.cli.e2e import add_target_args, aws_cloud, slack_for

DESCRIPTION = """\
Check, before it matters, everything that silently stops an IAM access-key alert:

  rule        in us-east-1, on the default bus, enabled; its pattern matches a generated
              CreateAccessKey event (EventBridge's own TestEventPattern), read-only names
  CloudTrail  a trail that is logging and records management write events (IAM is global)
  target      an SNS topic in the rule's region; failed invocations (24 h); a DLQ
  topic       its policy lets events.amazonaws.com publish; not encrypted with the AWS
              managed key alias/aws/sns; a customer key whose policy allows EventBridge
  Chatbot     a confirmed subscription to Chatbot, raw delivery off, no filter policy; a Slack
              configuration that has the topic, is enabled and authorised; unsupported,
              throttled or failed messages (AWS/Chatbot metrics)
  Slack       the channel exists, is not archived, trailsim's bot (and in a private channel
              the AWS app) is in it  (needs SLACK_BOT_TOKEN)

Without --rule the doctor looks for the us-east-1 rule whose pattern matches CreateAccessKey.
--local runs every check offline against a freshly deployed seed pipeline in the local cloud.
Each finding is ok, warn or fail, with evidence and a fix.  Exit 1 if any check fails.
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `doctor` to `trailsim`."""
    p = subparsers.add_parser(
        "doctor",
        help="preflight checks for every silent failure of the alert path",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--rule", metavar="NAME|ARN", help="the alert rule (default: discover it)")
    p.add_argument("--topic", metavar="ARN", help="the SNS topic (default: the rule's target)")
    p.add_argument("--channel", metavar="C", help="the Slack channel ID the alert must reach")
    add_target_args(p)
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=run_doctor_command)


def run_doctor_command(args: argparse.Namespace) -> int:
    from simulator.aws.doctor import DoctorTarget, run_doctor

    target = DoctorTarget(rule=args.rule, topic=args.topic, channel=args.channel)
    if args.local:
        report = _local_doctor(target)
    else:
        report = run_doctor(aws_cloud(args), slack_for(args, required=False), target)
    return _emit(report, args.json)


def _local_doctor(target: Any) -> Any:
    """Deploy the seed pipeline in a fresh local cloud, examine it, tear it down."""
    from dataclasses import replace

    from simulator.aws.doctor import run_doctor
    from simulator.aws.e2e_local import local_environment
    from simulator.aws.stack import SlackTarget, deploy_stack, new_run_id, teardown_stack
    from simulator.patterns import SEED_PATTERN

    with local_environment() as env:
        team = str(env.slack.auth_test()["team_id"])
        stack = deploy_stack(
            env.cloud,
            run_id=new_run_id(),
            pattern=SEED_PATTERN,
            slack=SlackTarget(team, target.channel or env.channel),
        )
        try:
            wanted = replace(target, rule=target.rule or stack.rule_arn)
            wanted = replace(wanted, channel=wanted.channel or env.channel)
            return run_doctor(env.cloud, env.slack, wanted, local=env.local)
        finally:
            teardown_stack(env.cloud, stack, strict=False)


def _emit(report: Any, as_json: bool) -> int:
    from simulator.aws.doctor import render_doctor_text

    if as_json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print(render_doctor_text(report))
    return 1 if report.failed else 0
