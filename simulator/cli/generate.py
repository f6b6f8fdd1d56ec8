"""``trailsim generate`` and ``trailsim scenarios``: realistic CloudTrail events on demand.

Wiring only: parse flags, call :mod:`simulator.events`, write JSON Lines or S3 log files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

from simulator.cli.arguments import number_between, whole_number
from simulator.errors import ConfigError, ScenarioError

FORMATS = ("eventbridge", "cloudtrail", "s3-log")

GENERATE_HELP = """\
Print realistic CloudTrail events for iam:CreateAccessKey, its near misses, or mixed background
traffic, as JSON Lines (one event per line) or as CloudTrail S3 log files.

Event i of a scenario uses seed S+i, so any single line can be regenerated on its own; the same
flags always give byte-identical output.  Without --at, times are derived from the seed.

examples:
  trailsim generate                                  # one iam-user-cli event (EventBridge JSON)
  trailsim generate --scenario root-console --count 5 --seed 7
  trailsim generate --all-scenarios --format cloudtrail
  trailsim generate --near-misses
  trailsim generate --background 200000 --share 0.005 > corpus.jsonl
  trailsim generate --background 5000 --format s3-log --out logs/
  trailsim scenarios                                 # what --scenario/--near-miss accept
"""


_positive_int = whole_number(1)
_seed = whole_number(0)
# Background traffic keeps ~4.5% IAM near misses beside the CreateAccessKey share.
_share = number_between(0.0, 0.955, "a fraction")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``generate`` and ``scenarios`` to ``trailsim``."""
    p = subparsers.add_parser(
        "generate",
        help="print realistic CloudTrail events (CreateAccessKey, near misses, background)",
        description=GENERATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_selection(p)
    _add_output_options(p)
    p.set_defaults(func=run_generate)
    _register_scenarios(subparsers)


def _add_selection(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="a CreateAccessKey scenario (repeatable; default iam-user-cli)",
    )
    what.add_argument(
        "--all-scenarios",
        action="store_true",
        help="every scenario (with --at: those whose era contains it)",
    )
    what.add_argument(
        "--near-miss", action="append", metavar="NAME", help="a near miss (repeatable)"
    )
    what.add_argument("--near-misses", action="store_true", help="every near miss")
    what.add_argument(
        "--background",
        type=_positive_int,
        metavar="N",
        help="N records of mixed traffic from many services",
    )
    p.add_argument(
        "--share",
        type=_share,
        metavar="F",
        help="with --background: fraction of CreateAccessKey calls (default 0.005)",
    )


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--count",
        type=_positive_int,
        default=1,
        metavar="N",
        help="events per scenario or near miss (default 1)",
    )
    p.add_argument("--seed", type=_seed, default=0, metavar="S", help="first seed (default 0)")
    p.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="eventTime of the events (background: of the first), e.g. 2025-10-14T14:07:31Z",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="eventbridge",
        help="eventbridge envelope, raw cloudtrail record, or s3-log files (needs --out)",
    )
    p.add_argument(
        "--out", metavar="PATH", help="write here instead of stdout (a directory for s3-log)"
    )


def _register_scenarios(subparsers: argparse._SubParsersAction[Any]) -> None:
    s = subparsers.add_parser(
        "scenarios",
        help="list the scenarios and near misses 'generate' knows",
        description="List every CreateAccessKey scenario and near miss with its description.",
    )
    s.add_argument("--json", action="store_true", help="print JSON instead of text")
    s.set_defaults(func=run_scenarios)


def _at(args: argparse.Namespace) -> datetime | None:
    from simulator.events.clock import parse_at

    if args.at is None:
        return None
    try:
        return parse_at(args.at)
    except ScenarioError:
        raise ConfigError(
            "--at", args.at, "an ISO 8601 time such as 2025-10-14T14:07:31Z"
        ) from None


def _records(args: argparse.Namespace, at: datetime | None) -> Iterator[dict[str, Any]]:
    from simulator import events

    if args.background is not None:
        share = 0.005 if args.share is None else args.share
        yield from events.background_records(args.background, share=share, seed=args.seed, at=at)
        return
    if args.near_miss or args.near_misses:
        names = args.near_miss or list(events.NEAR_MISSES)
        for name in names:
            events.get_near_miss(name)
        for name in names:
            for index in range(args.count):
                yield events.near_miss_record(name, args.seed + index, at)
        return
    names = _scenario_names(args, at)
    for name in names:
        for index in range(args.count):
            yield events.create_access_key_record(name, args.seed + index, at)


def _scenario_names(args: argparse.Namespace, at: datetime | None) -> list[str]:
    from simulator.events.scenarios import get_scenario, scenarios_at

    if args.all_scenarios:
        return scenarios_at(at)
    names: list[str] = args.scenario or ["iam-user-cli"]
    for name in names:
        get_scenario(name)
    return names


def run_generate(args: argparse.Namespace) -> int:
    if args.share is not None and args.background is None:
        raise ConfigError("--share", args.share, "to be used with --background N")
    if args.format == "s3-log" and not args.out:
        raise ConfigError("--format", "s3-log", "--out DIRECTORY to write the log files under")
    at = _at(args)
    records = _with_progress(_records(args, at), args.background)
    if args.format == "s3-log":
        return _write_s3_logs(records, Path(args.out), args.seed)
    if args.out:
        out_path = Path(args.out)
        if out_path.is_dir():
            raise ConfigError("--out", args.out, "a file path for JSON Lines (it is a directory)")
        with out_path.open("wb") as stream:
            write_json_lines(records, stream, args.format)
    else:
        write_json_lines(records, sys.stdout.buffer, args.format)
    return 0


def _with_progress(
    records: Iterator[dict[str, Any]], total: int | None
) -> Iterator[dict[str, Any]]:
    """A progress bar on stderr for large background runs, only when stderr is a terminal."""
    if total is None or total < 50_000 or not sys.stderr.isatty():
        return records
    from tqdm import tqdm

    return iter(tqdm(records, total=total, unit="event", file=sys.stderr, leave=False))


# Lines per write.  Small enough that a batch (~1.4 KB a line) stays in the CPU's L2 cache:
# batches of 2,048 lines (~3 MB) made the whole run about 20 % slower than batches of 64.
_LINES_PER_WRITE = 64


def write_json_lines(records: Iterator[dict[str, Any]], stream: IO[bytes], fmt: str) -> None:
    """One JSON object a line (``fmt`` "eventbridge": the envelope, else the record itself)."""
    from simulator.events import record_to_envelope

    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    batch: list[bytes] = []
    append, join, write = batch.append, b"".join, stream.write
    to_envelope = fmt == "eventbridge"
    for record in records:
        append(dumps(record_to_envelope(record) if to_envelope else record, option=newline))
        if len(batch) >= _LINES_PER_WRITE:
            write(join(batch))
            batch.clear()
    if batch:
        write(join(batch))
    stream.flush()


def _write_s3_logs(records: Iterator[dict[str, Any]], root: Path, seed: int) -> int:
    """Group records into 5-minute files per account and region, as CloudTrail delivers them."""
    from simulator.events import s3_log_file, s3_log_key
    from simulator.events.clock import parse_event_time

    if root.exists() and not root.is_dir():
        raise ConfigError("--out", str(root), "a directory for s3-log (it is a file)")
    files: dict[tuple[str, str, datetime], list[dict[str, Any]]] = {}
    for record in records:
        moment = parse_event_time(record["eventTime"])
        window = moment.replace(minute=moment.minute - moment.minute % 5, second=0)
        files.setdefault((record["recipientAccountId"], record["awsRegion"], window), []).append(
            record
        )
    for index, ((account, region, window), batch) in enumerate(sorted(files.items())):
        # Delivered after the window closes (about 5 minutes on average [HOW]).
        delivered = window + timedelta(minutes=5 + index % 4)
        path = root / s3_log_key(account, region, delivered, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3_log_file(batch))
    count = sum(len(batch) for batch in files.values())
    print(f"wrote {len(files)} log files ({count} records) under {root}", file=sys.stderr)
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    from simulator.events import NEAR_MISSES, SCENARIOS

    if args.json:
        document = {
            "scenarios": [
                {
                    "name": s.name,
                    "description": s.description,
                    "kind": s.kind,
                    "eventVersion": s.version,
                }
                for s in SCENARIOS.values()
            ],
            "near_misses": [
                {"name": n.name, "description": n.description, "iam": n.iam}
                for n in NEAR_MISSES.values()
            ],
        }
        sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    width = max(len(name) for name in (*SCENARIOS, *NEAR_MISSES))
    print("CreateAccessKey scenarios (trailsim generate --scenario NAME):")
    for spec in SCENARIOS.values():
        print(f"  {spec.name:<{width}}  {spec.description}")
    print("\nNear misses (trailsim generate --near-miss NAME):")
    for miss in NEAR_MISSES.values():
        print(f"  {miss.name:<{width}}  {miss.description}")
    return 0
