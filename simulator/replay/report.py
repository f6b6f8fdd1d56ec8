"""Bounded aggregates of a replay, their deterministic merge, and the final report.

Every aggregate has a fixed ceiling (distinct keys, near misses, examples, problem details), so a
10 GB history needs no more memory than a small one; the one exception is the set of matched
eventIDs kept to drop CloudTrail's duplicate records, which grows with matches (rare), not
events.  Workers build one ``UnitTally`` per input and the runner merges them in input order, so
the result equals one pass over the inputs in that order, whatever ``--jobs`` is.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from simulator.replay.decode import Problem

MAX_KEYS = 1000  # distinct keys kept per breakdown (day, caller, user agent, account)
MAX_PROBLEM_DETAILS = 100
MAX_DIFF_EXAMPLES = 20
OTHER = "(other)"


@dataclass(frozen=True, slots=True)
class MismatchView:
    """A patterns.Mismatch as plain JSON data (safe to pickle) plus its one-line description."""

    path: str
    operator: str
    expected: Any
    actual: Any  # None when missing
    missing: bool
    text: str

    def render(self) -> str:
        return self.text

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "operator": self.operator,
            "expected": self.expected,
            "actual": self.actual,
            "missing": self.missing,
        }


@dataclass(frozen=True, slots=True)
class EventRef:
    """Where an event came from and who it is; ``order`` sorts by input then position."""

    time: str
    event_id: str
    event_name: str
    source: str
    position: str
    order: tuple[int, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "event_id": self.event_id,
            "event_name": self.event_name,
            "source": self.source,
            "position": self.position,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """One match as a worker saw it: the event and the keys it is counted under."""

    ref: EventRef
    caller: str
    user_agent: str
    account: str


@dataclass(frozen=True, slots=True)
class NearMiss:
    """An event a rule rejected on one field only."""

    ref: EventRef
    similarity: float
    mismatches: tuple[MismatchView, ...]

    def sort_key(self) -> tuple[int, float, tuple[int, int]]:
        return (len(self.mismatches), -self.similarity, self.ref.order)


class CappedCounter:
    """Counts up to MAX_KEYS distinct keys exactly; later keys go to "(other)".

    Matches are counted in input order (workers only collect them, report.RuleTally.count runs
    in the runner), so the keys admitted are the same whatever ``--jobs`` is.
    """

    __slots__ = ("counts", "other")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.other = 0

    def add(self, key: str) -> None:
        if key in self.counts:
            self.counts[key] += 1
        elif len(self.counts) < MAX_KEYS:
            self.counts[key] = 1
        else:
            self.other += 1

    def as_json(self, top: int | None = None) -> dict[str, int]:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out = dict(ranked[:top] if top else ranked)
        hidden = sum(v for _, v in ranked[len(out) :]) + self.other
        if hidden:
            out[OTHER] = hidden
        return out


@dataclass(slots=True)
class RuleTally:
    """What one rule matched in one input (or, merged, in all of them)."""

    matches: int = 0
    duplicates: int = 0  # matched records whose eventID was already counted
    not_delivered: int = 0  # read-only events the rule's state keeps out
    other_region: int = 0  # events from a region other than the rule's (--rule-region)
    by_day: CappedCounter = field(default_factory=CappedCounter)
    by_caller: CappedCounter = field(default_factory=CappedCounter)
    by_user_agent: CappedCounter = field(default_factory=CappedCounter)
    by_account: CappedCounter = field(default_factory=CappedCounter)
    first: EventRef | None = None
    last: EventRef | None = None
    near_misses: list[tuple[tuple[int, float, tuple[int, int]], NearMiss]] = field(
        default_factory=list
    )
    hits: list[Hit] = field(default_factory=list)  # a worker's matches, counted at the merge
    seen: set[str] = field(default_factory=set)  # eventIDs counted so far

    def add_match(self, hit: Hit) -> None:
        """Note a match in a worker; the runner counts it when merging, in input order."""
        self.hits.append(hit)

    def count(self, hit: Hit) -> None:
        # CloudTrail log files occasionally repeat a record with the same eventID
        # (cloudtrail-anatomy.md §6 [EX][FIND]); it is one API call, so one match.
        event_id = hit.ref.event_id
        if event_id:
            if event_id in self.seen:
                self.duplicates += 1
                return
            self.seen.add(event_id)
        self.matches += 1
        ref = hit.ref
        self.by_day.add(ref.time[:10] or "(no time)")
        self.by_caller.add(hit.caller)
        self.by_user_agent.add(hit.user_agent)
        self.by_account.add(hit.account)
        if self.first is None or (ref.time, ref.order) < (self.first.time, self.first.order):
            self.first = ref
        if self.last is None or (ref.time, ref.order) >= (self.last.time, self.last.order):
            self.last = ref

    def offer_near_miss(self, miss: NearMiss, limit: int) -> None:
        """Keep the ``limit`` closest near misses (a bounded max-heap on the sort key)."""
        key = miss.sort_key()
        negated = (-key[0], -key[1], (-key[2][0], -key[2][1]))
        entry = (negated, miss)
        if len(self.near_misses) < limit:
            heapq.heappush(self.near_misses, entry)
        elif negated > self.near_misses[0][0]:
            heapq.heapreplace(self.near_misses, entry)

    def merge(self, later: RuleTally, near_miss_limit: int) -> None:
        self.not_delivered += later.not_delivered
        self.other_region += later.other_region
        for hit in later.hits:
            self.count(hit)
        for _, miss in later.near_misses:
            self.offer_near_miss(miss, near_miss_limit)

    def extend(self, later: RuleTally, near_miss_limit: int) -> None:
        """Append a later input's findings, its matches still uncounted (a worker's batch)."""
        self.not_delivered += later.not_delivered
        self.other_region += later.other_region
        self.hits.extend(later.hits)
        for _, miss in later.near_misses:
            self.offer_near_miss(miss, near_miss_limit)

    def closest(self) -> list[NearMiss]:
        return sorted((m for _, m in self.near_misses), key=NearMiss.sort_key)


@dataclass(slots=True)
class DiffTally:
    """Events one of two rules matches and the other does not."""

    both: int = 0
    only_old: int = 0
    only_new: int = 0
    examples_old: list[NearMiss] = field(default_factory=list)  # matched OLD only; why NEW failed
    examples_new: list[NearMiss] = field(default_factory=list)

    def merge(self, later: DiffTally) -> None:
        self.both += later.both
        self.only_old += later.only_old
        self.only_new += later.only_new
        room_old = MAX_DIFF_EXAMPLES - len(self.examples_old)
        self.examples_old.extend(later.examples_old[:room_old])
        room_new = MAX_DIFF_EXAMPLES - len(self.examples_new)
        self.examples_new.extend(later.examples_new[:room_new])


@dataclass(slots=True)
class UnitTally:
    """Everything a worker found in one input, or the merge of many."""

    inputs: int = 0
    input_bytes: int = 0
    text_bytes: int = 0
    events: int = 0
    candidates: int = 0
    outside_window: int = 0
    problem_counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rules: dict[str, RuleTally] = field(default_factory=dict)
    diff: DiffTally | None = None
    # (eventID, envelope JSON) of delivered matches, for --jsonl-out and --push
    matched_events: list[tuple[str, bytes]] = field(default_factory=list)

    def add_problem(self, problem: Problem) -> None:
        self.problem_counts[problem.kind] = self.problem_counts.get(problem.kind, 0) + 1
        if len(self.problems) < MAX_PROBLEM_DETAILS:
            self.problems.append(problem)

    def merge(self, later: UnitTally, near_miss_limit: int) -> None:
        """Fold a later input in; ``matched_events`` are not kept (the runner streams them)."""
        self._add_counts(later)
        for name, tally in later.rules.items():
            self.rules.setdefault(name, RuleTally()).merge(tally, near_miss_limit)

    def extend(self, later: UnitTally, near_miss_limit: int) -> None:
        """Append the next input of a worker's batch: one tally crosses the pool per batch,
        its matches still uncounted and its matched events kept, so that merging it equals
        merging the inputs one by one."""
        self._add_counts(later)
        for name, tally in later.rules.items():
            self.rules.setdefault(name, RuleTally()).extend(tally, near_miss_limit)
        self.matched_events.extend(later.matched_events)

    def _add_counts(self, later: UnitTally) -> None:
        self.inputs += later.inputs
        self.input_bytes += later.input_bytes
        self.text_bytes += later.text_bytes
        self.events += later.events
        self.candidates += later.candidates
        self.outside_window += later.outside_window
        for kind, count in later.problem_counts.items():
            self.problem_counts[kind] = self.problem_counts.get(kind, 0) + count
        self.problems.extend(later.problems[: MAX_PROBLEM_DETAILS - len(self.problems)])
        if later.diff is not None:
            if self.diff is None:
                self.diff = DiffTally()
            self.diff.merge(later.diff)

    @property
    def bad_inputs(self) -> int:
        return sum(self.problem_counts.values())
