"""What to look for: the rules, compiled once per process, and the raw prefilter derived from them.

The raw prefilter runs on CloudTrail *records* (log files, lookup items, JSON Lines), while rules
are written against the EventBridge *envelope*.  The envelope's ``detail`` is the record (less
``eventContext``, cloudtrail-anatomy.md §5), so the ``detail`` part of a rule, compiled on its own,
can only reject a record that the whole rule would reject too.  Its ``could_match_bytes`` is
therefore a sound prefilter on record bytes (an envelope line is also tried against the whole
rule).  A rule without a plain ``detail`` object (e.g. only ``source``, or ``$or`` at the top)
disables the prefilter: every item is then parsed.

Log files go one step further (``anchors``, used while framing, framing.py): instead of calling
the prefilter once per record, each rule's *anchor* needles (the JSON spellings of one leaf of
exact strings or prefixes, ``eventName`` first: ``"CreateAccessKey"``) are looked for across the
whole document, and only the records holding a hit, or a ``\\u``/``\\/`` escape that could
spell one another way, are sliced out, prefiltered and parsed.  When every anchor is on
``eventName``, only the eventName values are read.  With 0.5 % of key creations most records
cost nothing but their share of a few vectorised scans.

Near misses need more candidates than matches: an event that fails a rule on one field only.
For each leaf field of ``detail`` the prefilter also holds ``detail`` without that field, so an
event that fails on that field alone still passes ("literals minus one").  A near miss on a
top-level field (source, detail-type, account, region) passes the plain ``detail`` filter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from simulator.errors import PatternError
from simulator.events import ENVELOPE_FIELDS
from simulator.patterns import CompiledPattern, RuleSet, compile_pattern
from simulator.replay.framing import Anchors, needle_offsets

# Rule states (PutRule State): read-only management events reach only rules in the second state
# (cloudtrail-anatomy.md §5 [EBCT][EBRO][PUTRULE]).
STATE_ENABLED = "ENABLED"
STATE_ALL_MANAGEMENT = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
RULE_STATES = (STATE_ENABLED, STATE_ALL_MANAGEMENT)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    pattern: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """Everything a worker needs, as plain data (it crosses the process pool)."""

    rules: tuple[Rule, ...]
    near_misses: int = 0
    diff: tuple[str, str] | None = None  # names of the OLD and NEW rules
    since: str | None = None  # eventTime bounds, CloudTrail text form, since <= t < until
    until: str | None = None
    rule_state: str = STATE_ENABLED
    rule_region: str | None = None  # events reach a rule only from its own region
    keep_matches: bool = False
    validate_all: bool = False


class CompiledPlan:
    """A ReplayPlan compiled: the rule set, each rule, and the raw prefilters.

    ``could_match_record(raw)`` is False only if the record can be neither a match nor a near
    miss of any rule; ``could_match_line`` is the same for a line that may be an envelope.
    """

    def __init__(self, plan: ReplayPlan) -> None:
        self.plan = plan
        self.rules = RuleSet()
        self.patterns: dict[str, CompiledPattern] = {}
        for rule in plan.rules:
            self.patterns[rule.name] = compile_pattern(rule.pattern)
            self.rules.add(rule.name, self.patterns[rule.name])
        variants = None if plan.validate_all else candidate_patterns(plan)
        details = [v.get("detail", {}) for v in variants or []]
        self.could_match_record = _any_of(details, variants)
        self._could_match_envelope = _any_of(variants or [], variants)
        self.anchors = anchor_needles(details) if variants is not None else None

    def line_candidates(self, text: bytes) -> list[int] | None:
        """Start offsets of the lines of ``text`` worth parsing (None: all of them)."""
        if LOOKUP_MARK in text:
            return None  # records inside JSON strings: every quote is escaped
        hits = self.anchor_hits(text)
        if hits is None:
            return None
        return sorted({text.rfind(b"\n", 0, position) + 1 for position in hits})

    def anchor_hits(self, body: bytes) -> list[int] | None:
        """Positions of every anchor needle and ``\\u``/``\\/`` escape in ``body``.

        Whole-document ``find`` calls, so records without a needle cost nothing; an escape may
        spell a needle another way (patterns/prefilter.py), so its record is a candidate too.
        None when some rule has no anchor: then every record is.
        """
        if self.anchors is None:
            return None
        hits = needle_offsets(body, self.anchors.needles)
        position = body.find(b"\\")
        while position != -1:
            if body[position + 1 : position + 2] in (b"u", b"/"):
                hits.append(position)
            position = body.find(b"\\", position + 2)
        return hits

    def could_match_line(self, raw: bytes) -> bool:
        if LOOKUP_MARK in raw:
            return True  # the record is an escaped string here; it is prefiltered once unwrapped
        return self.could_match_record(raw) or (
            ENVELOPE_MARK in raw and self._could_match_envelope(raw)
        )


ENVELOPE_MARK = b'"detail-type"'
LOOKUP_MARK = b'"CloudTrailEvent"'
RawTest = Callable[[bytes], bool]


def _always(raw: bytes) -> bool:
    return True


def _any_of(patterns: Sequence[Mapping[str, Any]], variants: object) -> RawTest:
    """One raw test that passes when any pattern's ``could_match_bytes`` does.

    Each compiled pattern's own prefilter (a few ``in`` tests on bytes) is called directly: at
    one call per record this is the hot loop of a replay.
    """
    if variants is None or not all(patterns):
        return _always  # an empty detail part would let everything through anyway
    try:
        tests = tuple(
            dict.fromkeys(compile_pattern(p).could_match_bytes for p in _distinct(patterns))
        )
    except PatternError:
        return _always  # not valid on its own: stay safe and parse everything
    if len(tests) == 1:
        return tests[0]
    return lambda raw: any(test(raw) for test in tests)


def _distinct(patterns: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    seen: dict[bytes, Mapping[str, Any]] = {}
    for pattern in patterns:
        seen.setdefault(orjson.dumps(pattern, option=orjson.OPT_SORT_KEYS), pattern)
    return list(seen.values())


def anchor_needles(details: list[Mapping[str, Any]]) -> Anchors | None:
    """Bytes of which every candidate record holds at least one (barring escapes), or None.

    For each pattern, one leaf of exact strings (or prefixes/suffixes) gives its JSON spellings:
    ``"CreateAccessKey"``, ``"Create``, ``Key"``; ``eventName`` is preferred, being the most
    selective field of CloudTrail rules.  A pattern without such a leaf makes every record a
    candidate (None).  When every chosen leaf is an ``eventName`` (at any depth) of exact
    strings or prefixes, framing reads only eventName values (``name_values``).
    """
    needles: list[bytes] = []
    name_values = True
    for detail in details:
        leaves = sorted(_literal_leaves(detail, ()), key=_anchor_rank)
        if not leaves:
            return None
        path, spellings = leaves[0]
        name_values &= path[-1] == "eventName"
        name_values &= all(spelling.startswith(b'"') for spelling in spellings)
        needles.extend(spellings)
    return Anchors(tuple(dict.fromkeys(needles)), name_values)


Leaf = tuple[tuple[str, ...], tuple[bytes, ...]]  # (the keys down to a value list, spellings)


def _anchor_rank(leaf: Leaf) -> tuple[int, int, int]:
    path, needles = leaf
    return (0 if path[-1] == "eventName" else 1, len(needles), -min(map(len, needles)))


def _literal_leaves(node: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[Leaf]:
    # Keys are kept apart: a pattern key may itself contain a dot ("a.eventName").
    for key, value in node.items():
        if isinstance(value, Mapping):
            yield from _literal_leaves(value, (*path, key))
        elif isinstance(value, list) and value:
            spelled = [_spelling(v) for v in value]
            if all(s is not None for s in spelled):
                yield (*path, key), tuple(s for s in spelled if s is not None)


def _spelling(value: object) -> bytes | None:
    """How a matching JSON string value must appear in compact or pretty JSON text."""
    if isinstance(value, str):
        return b'"' + _json_body(value) + b'"'
    if isinstance(value, Mapping) and len(value) == 1:
        ((operator, operand),) = value.items()
        if isinstance(operand, str) and operand and operator in ("prefix", "suffix"):
            body = _json_body(operand)
            return b'"' + body if operator == "prefix" else body + b'"'
    return None


def _json_body(text: str) -> bytes:
    return json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass")


def candidate_patterns(plan: ReplayPlan) -> list[dict[str, Any]] | None:
    """Whole-envelope patterns that every match and near miss satisfies, or None (parse all).

    Each rule contributes itself and, for near misses, itself with one ``detail`` leaf removed.
    """
    variants: list[dict[str, Any]] = []
    for rule in plan.rules:
        pattern = dict(rule.pattern)
        detail = pattern.get("detail")
        if set(pattern) - {"detail"} - ENVELOPE_KEYS or not _is_plain(detail):
            return None
        assert isinstance(detail, Mapping)
        variants.append(pattern)
        if plan.near_misses:
            outer = {k: v for k, v in pattern.items() if k != "detail"}
            variants.extend(
                {**outer, "detail": smaller} if smaller else outer
                for smaller in without_one_leaf(detail)
            )
    return variants


# Envelope fields a pattern may name besides "detail".
ENVELOPE_KEYS = frozenset(ENVELOPE_FIELDS) - {"detail"}


def _is_plain(node: object) -> bool:
    """A nested object of fields and value lists, without ``$or`` (which the split can't see)."""
    if not isinstance(node, Mapping) or not node:
        return False
    return all(
        key != "$or" and (isinstance(value, list) or _is_plain(value))
        for key, value in node.items()
    )


def without_one_leaf(node: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """``node`` with each leaf (value list) removed in turn; emptied objects disappear."""
    for key, value in node.items():
        rest = {k: v for k, v in node.items() if k != key}
        if isinstance(value, Mapping):
            for smaller in without_one_leaf(value):
                yield {**rest, key: smaller} if smaller else rest
        else:
            yield rest
