"""`trailsim local`: run the local cloud in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from simulator.errors import ConfigError

DESCRIPTION = """\
Run trailsim's local cloud: one HTTP server on 127.0.0.1 that serves EventBridge (rules,
targets, PutEvents, TestEventPattern, input transformers), a CloudTrail emitter (IAM write
calls become "AWS API Call via CloudTrail" events on the us-east-1 default bus), Chatbot,
Slack, and everything else through moto (IAM, SNS, SQS, STS, KMS, CloudTrail).

Point unchanged boto3 code or the AWS CLI at it with the environment printed at start-up,
and slack_sdk with WebClient(base_url=<slack base URL>). State lives in memory and is gone
when the server stops (Ctrl-C).

examples:
  trailsim local                      # ephemeral port, printed at start-up
  trailsim local --port 4566
  eval "$(trailsim local --print-env-only --port 4566)"   # prints exports, exits
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `trailsim local` to `trailsim`."""
    parser = subparsers.add_parser(
        "local",
        help="run the offline local cloud (EventBridge, CloudTrail, Chatbot, Slack, moto)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: 0 = any free port)"
    )
    parser.add_argument(
        "--require-trail",
        action="store_true",
        help="emit CloudTrail events only while a logging trail records IAM write events, as AWS "
        "does (default: every IAM write call emits)",
    )
    parser.add_argument("--json", action="store_true", help="print the endpoints as one JSON line")
    parser.add_argument(
        "--print-env-only",
        action="store_true",
        help="print the export lines for --port and exit without serving (needs --port)",
    )
    parser.set_defaults(func=run_local)


def environment(endpoint_url: str) -> dict[str, str]:
    """The variables that point AWS SDKs, the AWS CLI and trailsim at the local cloud."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TRAILSIM_SLACK_BASE_URL": endpoint_url + "/slack/api/",
    }


def run_local(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port", args.port, "a port number from 0 to 65535")
    if args.print_env_only:
        if args.port == 0:
            raise ConfigError("--port", args.port, "a fixed port with --print-env-only")
        _print_endpoints(environment(f"http://127.0.0.1:{args.port}"), as_json=args.json)
        return 0
    from simulator.local import LocalCloud

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalCloud(port=args.port, require_trail=args.require_trail) as cloud:
        _print_endpoints(environment(cloud.endpoint_url), as_json=args.json)
        if not args.json:
            print("serving; press Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("local cloud stopped", file=sys.stderr)
    return 0


def _print_endpoints(env: dict[str, str], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"endpoint_url": env["AWS_ENDPOINT_URL"], "env": env}), flush=True)
        return
    print(f"# trailsim local cloud at {env['AWS_ENDPOINT_URL']}")
    print(f"# Slack Web API base URL: {env['TRAILSIM_SLACK_BASE_URL']}")
    for name, value in env.items():
        print(f"export {name}={value}")
    sys.stdout.flush()
