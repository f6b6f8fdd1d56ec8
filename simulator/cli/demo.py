"""`trailsim demo`: the whole alert path, offline, in seconds, with no credentials."""

from __future__ import annotations

import argparse
from typing import Any

DESCRIPTION = """\
Watch an IAM access-key alert travel end to end, offline.

The demo starts trailsim's local cloud (EventBridge, CloudTrail, SNS, Chatbot and Slack on one
loopback port), deploys the seed pipeline (a us-east-1 rule matching CreateAccessKey -> an SNS
topic -> a Chatbot Slack configuration), creates an IAM user and an access key with boto3 as
any user would, and follows the CloudTrail event hop by hop until Chatbot's message is in the
Slack channel.  Then it deletes everything and stops the local cloud.

It needs no AWS credentials and no Slack token.  `--json` prints the same report as
`trailsim e2e --json` (top-level "delivered").  Exit 0 when the message arrived, 1 otherwise.

Next: `trailsim e2e --help` to run the same test against your AWS account and Slack.
"""

INTRO = """\
trailsim demo: an IAM CreateAccessKey alert, end to end, in a local cloud
  1. start the local cloud and deploy: EventBridge rule (us-east-1) -> SNS -> Chatbot -> Slack
  2. create a throwaway IAM user and an access key with boto3 (then delete both)
  3. follow the CloudTrail event to the Slack channel, then tear everything down
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `demo` to `trailsim`."""
    p = subparsers.add_parser(
        "demo",
        help="see an access-key alert travel to Slack, offline (start here)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from simulator.cli.e2e import run_local_e2e

    if not args.json:
        print(INTRO)
    return run_local_e2e(args, trigger="iam", timeout=15.0)
