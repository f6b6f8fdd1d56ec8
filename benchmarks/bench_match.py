"""Benchmark trailsim's pattern engine against the orjson floor and moto, side by side.

    python benchmarks/bench_match.py                 # 200,000 events, all measurements
    python benchmarks/bench_match.py --count 20000   # quicker

Corpus: EventBridge-enveloped CloudTrail events as JSON Lines, from
``simulator.events.background_records`` (0.5% CreateAccessKey, ~4.5% other IAM near misses)
wrapped by ``record_to_envelope``.  Pattern: the seed rule.  Measured, best of ``--repeat``:

* floor: ``orjson.loads`` of every line, nothing else;
* trailsim parse-and-match from bytes (``matches(orjson.loads(line))``), as a fraction of the floor;
* trailsim replay of lines (``matches_bytes``: raw-bytes prefilter, then parse and match), and
  of a whole chunk (``matching_lines``: the prefilter scans the chunk at C speed);
* the replay pipeline (``run_replay``, as ``trailsim replay`` runs it, --jobs 1) on the corpus
  written as one .jsonl file, beside a file floor: read, split and ``orjson.loads`` every line;
* trailsim matching pre-parsed dicts, in events per second (on the first ``--dict-count``);
* moto's ``EventPattern.matches_event`` after ``orjson.loads`` (on a subsample: it is slow);
* a RuleSet of 1 vs 100 rules (the seed plus 99 rules on other event names) on pre-parsed dicts.

Every trailsim verdict is checked against the others; a difference aborts the run.
Reference figures (semantics.md, delivery-path.md): event-ruler ~0.64x the floor, moto ~0.11x.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from simulator.patterns import SEED_PATTERN, RuleSet, compile_pattern

OTHER_NAMES = [
    "DeleteAccessKey",
    "UpdateAccessKey",
    "CreateUser",
    "CreateLoginProfile",
    "AssumeRole",
    "DescribeInstances",
    "GetObject",
    "PutObject",
    "Decrypt",
    "CreateLogStream",
]


def build_corpus(count: int, seed: int) -> list[bytes]:
    from simulator.events import background_records, record_to_envelope

    return [orjson.dumps(record_to_envelope(r)) for r in background_records(count, seed=seed)]


def timed(run: Callable[[], Any]) -> float:
    gc.collect()
    gc.disable()
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    gc.enable()
    return elapsed


def best_of(repeat: int, runs: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Best time of each run over ``repeat`` rounds; each round runs all of them in turn, so a
    change in machine load (shared CI runners) hits every contender alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            best[name] = min(best[name], timed(run))
    return best


def each(function: Callable[[Any], Any], items: list[Any]) -> Callable[[], None]:
    """A timed loop that drops every result (keeping them would time the allocator instead)."""

    def run() -> None:
        for item in items:
            function(item)

    return run


def ruleset_of(size: int) -> RuleSet:
    rules = RuleSet()
    rules.add("seed", SEED_PATTERN)
    for index in range(size - 1):
        name = f"{OTHER_NAMES[index % len(OTHER_NAMES)]}{index}"
        rules.add(
            f"rule-{index}",
            {"source": [f"aws.svc{index % 7}"], "detail": {"eventName": [name]}},
        )
    return rules


def _moto(args: argparse.Namespace, lines: list[bytes], expected: list[bool]) -> None:
    try:
        from moto.events.models import EventPattern
    except ImportError:
        print("moto: not installed")
        return
    moto_lines = lines[: args.moto_count]
    moto_match = EventPattern.load(orjson.dumps(SEED_PATTERN).decode()).matches_event
    loads = orjson.loads
    if [moto_match(loads(line)) for line in moto_lines] != expected[: len(moto_lines)]:
        raise SystemExit("moto disagrees with trailsim on the corpus")
    t = best_of(
        args.repeat,
        {
            "floor": each(loads, moto_lines),
            "moto": each(lambda line: moto_match(loads(line)), moto_lines),
        },
    )
    print(
        f"moto parse+match (bytes)       {len(moto_lines) / t['moto']:>12,.0f} events/s   "
        f"{t['floor'] / t['moto']:.2f}x floor  (first {len(moto_lines):,} lines)"
    )


def _replay_file(folder: Path, chunk: bytes, matches: int) -> Callable[[], Any]:
    """``run_replay`` (what ``trailsim replay`` runs) on the corpus as one .jsonl file."""
    from simulator.replay import ReplayPlan, Rule, TimeWindow, list_inputs, run_replay

    path = folder / "events.jsonl"
    path.write_bytes(chunk + b"\n")
    inputs = list_inputs([str(path)], TimeWindow(), None)
    plan = ReplayPlan(rules=(Rule("seed", SEED_PATTERN),))
    if run_replay(inputs, plan).tally.rules["seed"].matches != matches:
        raise SystemExit("the replay pipeline changed a verdict")
    return lambda: run_replay(inputs, plan)


def _file_floor(path: Path) -> None:
    loads = orjson.loads
    for line in path.read_bytes().split(b"\n"):
        if line:
            loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--moto-count", type=int, default=20_000)
    parser.add_argument("--dict-count", type=int, default=20_000)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    lines = build_corpus(args.count, args.seed)
    size = sum(map(len, lines)) / len(lines)
    print(
        f"corpus: {len(lines):,} lines, mean {size:,.0f} bytes, built in "
        f"{time.perf_counter() - start:.1f}s (python {sys.version.split()[0]})"
    )
    compiled = compile_pattern(SEED_PATTERN)
    loads, matches, matches_bytes = orjson.loads, compiled.matches, compiled.matches_bytes
    expected = [matches(loads(line)) for line in lines]
    # Pre-parsed dicts for the dict and RuleSet figures: a slice, so the timing measures
    # matching rather than a multi-gigabyte heap of 200,000 parsed events.
    events = [loads(line) for line in lines[: args.dict_count]]
    print(f"seed rule matches {sum(expected):,} events ({sum(expected) / len(lines):.2%})")
    if [matches_bytes(line) for line in lines] != expected:
        raise SystemExit("prefilter changed a verdict")

    n = len(lines)
    chunk = b"\n".join(lines)
    if compiled.matching_lines(chunk) != [i for i, hit in enumerate(expected) if hit]:
        raise SystemExit("chunk replay changed a verdict")
    if len(compiled.matching_offsets(chunk)) != sum(expected):
        raise SystemExit("chunk replay (offsets) changed a verdict")
    folder = tempfile.TemporaryDirectory(prefix="bench-match-")
    replay_file = _replay_file(Path(folder.name), chunk, sum(expected))
    one, hundred = ruleset_of(1), ruleset_of(100)
    for rules in (one, hundred):
        if ["seed" in rules.matching(event) for event in events] != expected[: len(events)]:
            raise SystemExit("RuleSet disagrees with the compiled pattern")
    runs: dict[str, Callable[[], Any]] = {
        "floor": each(loads, lines),
        "parse_match": each(lambda line: matches(loads(line)), lines),
        "replay": each(matches_bytes, lines),
        "chunk": lambda: compiled.matching_lines(chunk),
        "chunk_offsets": lambda: compiled.matching_offsets(chunk),
        "file_floor": lambda: _file_floor(Path(folder.name) / "events.jsonl"),
        "file_replay": replay_file,
        "dicts": each(matches, events),
        "rules_1": each(one.matching, events),
        "rules_100": each(hundred.matching, events),
        "lines_1": each(one.could_match_bytes, lines),
        "lines_100": each(hundred.could_match_bytes, lines),
        "chunk_1": lambda: one.candidate_lines(chunk),
        "chunk_100": lambda: hundred.candidate_lines(chunk),
    }
    t = best_of(args.repeat, runs)
    floor = t["floor"]

    def rate(name: str, ratio: bool = True) -> str:
        count = len(events) if name.startswith(("dicts", "rules_")) else n
        text = f"{count / t[name]:>12,.0f} events/s"
        return text + (f"   {floor / t[name]:.2f}x floor" if ratio else "")

    print(f"orjson.loads floor             {rate('floor')}")
    print(f"trailsim parse+match (bytes)   {rate('parse_match')}")
    print(f"trailsim replay, per line      {rate('replay')}")
    print(f"trailsim replay, whole chunk   {rate('chunk')}")
    print(f"  same, byte offsets (no line numbers) {rate('chunk_offsets')}")
    print(
        f"replay CLI pipeline, .jsonl    {rate('file_replay')}   "
        f"{t['file_floor'] / t['file_replay']:.2f}x the file floor (read+split+loads: "
        f"{n / t['file_floor']:,.0f} events/s)"
    )
    print(f"trailsim match parsed dicts    {rate('dicts', ratio=False)}")
    print(f"RuleSet.matching, 1 rule       {rate('rules_1', ratio=False)}")
    print(
        f"RuleSet.matching, 100 rules    {rate('rules_100', ratio=False)}   "
        f"{t['rules_100'] / t['rules_1']:.2f}x the cost of 1 rule"
    )
    print(f"RuleSet prefilter per line 1/100  {n / t['lines_1']:,.0f} / {n / t['lines_100']:,.0f}")
    print(f"RuleSet prefilter chunk 1/100     {n / t['chunk_1']:,.0f} / {n / t['chunk_100']:,.0f}")
    _moto(args, lines, expected)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
