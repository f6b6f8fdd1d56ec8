"""The ``trailsim`` command line: parse, call one library function, report.

Each subcommand lives in its own module with a ``register(subparsers)`` function; the parser built
here only wires them.  Exit statuses follow one rule across commands: 0 success, 1 a negative
verdict (no match, not delivered, a failed check), 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from simulator.errors import SimulatorError

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE = 0, 1, 2

# Modules that add subcommands, in the order `trailsim --help` lists them.
COMMAND_MODULES = (
    "simulator.cli.demo",
    "simulator.cli.generate",
    "simulator.cli.patterns",
    "simulator.cli.check",
    "simulator.cli.local",
    "simulator.cli.e2e",
    "simulator.cli.doctor",
    "simulator.cli.replay",
)

DESCRIPTION = """\
trailsim: know that your IAM CreateAccessKey alert fires.

Generate realistic CloudTrail events, check them against EventBridge patterns with AWS's exact
verdicts, push test events through EventBridge -> SNS -> Chatbot -> Slack (real AWS, or an
offline local cloud), and replay recorded CloudTrail logs through your rules.

Start with `trailsim demo` (offline, no credentials), then `trailsim <command> --help`.
"""


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="trailsim",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineErrorParser
    )
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except SimulatorError as err:
        print(f"trailsim {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"trailsim {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `trailsim generate | head` closes our stdout early; that is not an error.
        sys.stderr.close()
        return EXIT_OK


def run() -> NoReturn:
    sys.exit(main())
