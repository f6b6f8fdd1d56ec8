"""Scan one input: frame its items, prefilter the raw bytes, parse and match the candidates.

This is the work one process-pool task does.  Only items that pass the raw prefilter (and items
the framing flags as possibly nameless) are parsed; everything else is only counted.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

import orjson

from simulator.events import record_to_envelope
from simulator.patterns import MISSING, Mismatch, describe
from simulator.replay.decode import (
    EVENT_NAME_KEY,
    ParsedBatch,
    Problem,
    RawBatch,
    TextLines,
    decode,
    decode_document,
)
from simulator.replay.framing import LogDocument
from simulator.replay.lines import pick_lines
from simulator.replay.plan import STATE_ENABLED, CompiledPlan
from simulator.replay.report import (
    MAX_DIFF_EXAMPLES,
    DiffTally,
    EventRef,
    Hit,
    MismatchView,
    NearMiss,
    RuleTally,
    UnitTally,
)
from simulator.replay.stream import Readable, line_blocks, looks_like_lines, text_blocks


class InputScan:
    """The tally of one input under construction."""

    def __init__(self, compiled: CompiledPlan, source: str, index: int) -> None:
        self.compiled, self.plan, self.source, self.index = compiled, compiled.plan, source, index
        self.tally = UnitTally(inputs=1)
        self.tally.rules = {rule.name: RuleTally() for rule in self.plan.rules}
        if self.plan.diff is not None:
            self.tally.diff = DiffTally()
        self.order = 0

    def scan(self, data: bytes) -> UnitTally:
        self.tally.input_bytes = len(data)
        decoded = decode(data, self.source, self.compiled.anchors)
        self.tally.text_bytes = decoded.text_bytes
        for problem in decoded.problems:
            self.tally.add_problem(problem)
        for batch in decoded.batches:
            if isinstance(batch, LogDocument):
                self._scan_log_document(batch)
            elif isinstance(batch, RawBatch):
                self._scan_raw(batch)
            elif isinstance(batch, TextLines):
                self._scan_text_lines(batch)
            else:
                self._scan_parsed(batch)
        return self.tally

    def scan_stream(self, stream: Readable, size: int) -> UnitTally:
        """Scan a large input block by block (JSON Lines), or whole when it is one document."""
        problems: list[Problem] = []
        blocks = text_blocks(stream, self.source, problems)
        first = next(blocks, b"")
        if not looks_like_lines(first, self.source):
            self.scan(b"".join(chain([first], blocks)))
        else:
            for line, text in line_blocks(self._counted(chain([first], blocks))):
                self._scan_text_lines(TextLines(text, line))
        for problem in problems:
            self.tally.add_problem(problem)
        self.tally.input_bytes = size
        return self.tally

    def _counted(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        for block in blocks:
            self.tally.text_bytes += len(block)
            yield block

    def problem(self, kind: str, detail: str, line: int | None, path: str) -> None:
        self.tally.add_problem(Problem(self.source, kind, detail, line=line, path=path))

    def _scan_log_document(self, document: LogDocument) -> None:
        """Only the picked records are sliced and parsed; those the prefilter passes (and the
        forced ones) are matched.  Every picked slice is parsed, prefilter or not: a slice that
        is no record is how a fooled framing shows, and then the document is parsed whole."""
        if document.picked is None:
            self._scan_raw(RawBatch(document.as_items(), label="Records", text=document.body))
            return
        could, forced = self.compiled.could_match_record, document.forced
        raws = [(document.record_at(start), index) for start, index in document.picked]
        parsed = _parse_slices(raws)
        if parsed is None:
            self._scan_whole_document(document.body)
            return
        self.tally.events += document.count
        base = self.order
        self.order += document.count
        for (item, index), (raw, _) in zip(parsed, raws, strict=True):
            if index in forced or could(raw):
                self._handle(item, None, f"Records[{index}]", base + index)

    def _scan_whole_document(self, body: bytes) -> None:
        """The reference path: parse the whole document, as if framing had never been tried.

        Framing trusts that every ``},{"eventVersion":`` separates two records.  A nested array
        of objects whose first key is ``eventVersion`` breaks that trust without changing any
        count; a slice that does not parse is how it shows, and then the document is parsed.
        """
        problems: list[Problem] = []
        batches = list(decode_document(body, self.source, problems))
        for problem in problems:
            self.tally.add_problem(problem)
        for batch in batches:
            if isinstance(batch, ParsedBatch):
                self._scan_parsed(batch)
            elif isinstance(batch, RawBatch):
                self._scan_raw(batch)

    def _scan_text_lines(self, batch: TextLines) -> None:
        """JSON Lines: only the candidate lines are sliced out of the text (lines.py)."""
        text = batch.text
        starts = self.compiled.line_candidates(text)
        found = None if starts is None else pick_lines(text, starts, self.compiled.could_match_line)
        if found is None:
            self._scan_raw(RawBatch(text.split(b"\n"), start=batch.start, text=text))
            return
        self.tally.events += found.filled
        base = self.order
        self.order += found.lines
        for index, raw in found.picked:
            try:
                item = orjson.loads(raw)
            except orjson.JSONDecodeError as err:
                self.problem("invalid-json", str(err), batch.start + index, "")
                continue
            self._handle(item, batch.start + index, "", base + index)

    def _scan_raw(self, batch: RawBatch) -> None:
        items, base = batch.items, self.order
        if batch.label:  # log-file records: no blank items
            self._scan_record_slices(batch)
            return
        picked = self._pick_lines(batch)
        self.order += len(items)
        for i in picked:
            line, path = batch.locate(i)
            try:
                item = orjson.loads(items[i])
            except orjson.JSONDecodeError as err:
                self.problem("invalid-json", str(err), line, path)
                continue
            self._handle(item, line, path, base + i)

    def _scan_record_slices(self, batch: RawBatch) -> None:
        """Log-file records split at separators: parse the candidates, or the whole document."""
        items, could = batch.items, self.compiled.could_match_record
        picked = {i for i, raw in enumerate(items) if could(raw)}
        if not batch.all_named:
            picked.update(i for i, raw in enumerate(items) if EVENT_NAME_KEY not in raw)
        parsed = _parse_slices([(items[i], i) for i in sorted(picked)])
        if parsed is None:
            # Always set for split log documents (scan of LogDocument.as_items).
            assert batch.text is not None
            self._scan_whole_document(batch.text)
            return
        self.tally.events += len(items)
        base = self.order
        self.order += len(items)
        for item, i in parsed:
            line, path = batch.locate(i)
            self._handle(item, line, path, base + i)

    def _pick_lines(self, batch: RawBatch) -> list[int]:
        """Indexes of the lines to parse: prefilter candidates and possibly nameless lines."""
        items = batch.items
        filled = [i for i, raw in enumerate(items) if raw.strip()]
        self.tally.events += len(filled)
        text = batch.text
        starts = None if text is None else self.compiled.line_candidates(text)
        if text is None or starts is None:
            could = self.compiled.could_match_line
            return [i for i in filled if could(items[i]) or EVENT_NAME_KEY not in items[i]]
        picked, index, previous = set(), 0, 0
        for start in starts:  # anchor hits, as line indexes (one newline scan in all)
            index += text.count(b"\n", previous, start)
            previous = start
            if self.compiled.could_match_line(items[index]):
                picked.add(index)
        if text.count(EVENT_NAME_KEY) != len(filled):
            picked.update(i for i in filled if EVENT_NAME_KEY not in items[i])
        return sorted(picked)

    def _scan_parsed(self, batch: ParsedBatch) -> None:
        self.tally.events += len(batch.items)
        for item, line, path in batch.items:
            self._handle(item, line, path, self.order)
            self.order += 1

    def _handle(self, item: object, line: int | None, path: str, order: int) -> None:
        if isinstance(item, dict) and isinstance(item.get("CloudTrailEvent"), str):
            item = self._unwrap_lookup_item(item["CloudTrailEvent"], line, path)
            path = f"{path}.CloudTrailEvent" if path else "CloudTrailEvent"
            if item is None:
                return
        if not isinstance(item, dict):
            self.problem(
                "unknown-format", "expected a JSON object (a record or an envelope)", line, path
            )
            return
        envelope = self._envelope(item, line, path)
        if envelope is not None:
            self._match(envelope, line, path, order)

    def _unwrap_lookup_item(self, text: str, line: int | None, path: str) -> object:
        """A lookup-events item's record, or None when the prefilter rules it out."""
        raw = text.encode()
        if not self.compiled.could_match_record(raw) and EVENT_NAME_KEY in raw:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as err:
            self.problem("invalid-json", str(err), line, f"{path}.CloudTrailEvent")
            return None

    def _envelope(self, item: dict[str, Any], line: int | None, path: str) -> dict[str, Any] | None:
        if "detail-type" in item and isinstance(item.get("detail"), dict):
            return item
        if not isinstance(item.get("eventName"), str):
            self.problem(
                "missing-eventName", "a CloudTrail record needs a string eventName", line, path
            )
            return None
        try:
            return record_to_envelope(item)
        except (AttributeError, TypeError, ValueError) as err:
            self.problem(
                "invalid-record", f"cannot build the EventBridge envelope: {err}", line, path
            )
            return None

    def _match(self, envelope: dict[str, Any], line: int | None, path: str, order: int) -> None:
        detail = envelope["detail"]
        event_time = str(detail.get("eventTime", ""))
        if not self._in_window(event_time):
            self.tally.outside_window += 1
            return
        self.tally.candidates += 1
        matched = set(self.compiled.rules.matching(envelope))
        where = f"line {line}" if line is not None else path
        ref = EventRef(
            event_time,
            str(detail.get("eventID", "")),
            str(detail.get("eventName", "")),
            self.source,
            where,
            (self.index, order),
        )
        if matched:
            self._count_matches(matched, envelope, ref)
        if self.plan.near_misses:
            for name in self.tally.rules.keys() - matched:
                miss = self._near_miss(name, envelope, ref)
                if miss is not None and len(miss.mismatches) == 1:
                    self.tally.rules[name].offer_near_miss(miss, self.plan.near_misses)
        if self.plan.diff is not None:
            self._diff(matched, envelope, ref)

    def _count_matches(self, matched: set[str], envelope: dict[str, Any], ref: EventRef) -> None:
        detail = envelope["detail"]
        # CloudTrail puts each event on the default bus of its own region only (IAM's are all
        # us-east-1, cloudtrail-anatomy.md §5 [RP1]).
        region = self.plan.rule_region
        if region is not None and envelope.get("region") != region:
            for name in matched:
                self.tally.rules[name].other_region += 1
            return
        # Read-only management events reach only ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
        # rules (cloudtrail-anatomy.md §5 [EBCT][EBRO]).
        if detail.get("readOnly") is True and self.plan.rule_state == STATE_ENABLED:
            for name in matched:
                self.tally.rules[name].not_delivered += 1
            return
        hit = Hit(
            ref,
            caller_of(detail),
            str(detail.get("userAgent", "(none)")),
            str(envelope.get("account", "")),
        )
        for name in matched:
            self.tally.rules[name].add_match(hit)
        if self.plan.keep_matches:
            self.tally.matched_events.append((ref.event_id, orjson.dumps(envelope)))

    def _in_window(self, event_time: str) -> bool:
        since, until = self.plan.since, self.plan.until
        return (since is None or event_time >= since) and (until is None or event_time < until)

    def _near_miss(self, name: str, envelope: Mapping[str, Any], ref: EventRef) -> NearMiss | None:
        mismatches = self.compiled.patterns[name].explain(envelope)
        if not mismatches:
            return None
        views = tuple(view_mismatch(m) for m in mismatches)
        return NearMiss(ref, similarity(mismatches[0]), views)

    def _diff(self, matched: set[str], envelope: Mapping[str, Any], ref: EventRef) -> None:
        assert self.plan.diff is not None and self.tally.diff is not None
        old, new = self.plan.diff
        diff = self.tally.diff
        if old in matched and new in matched:
            diff.both += 1
        elif old in matched:
            diff.only_old += 1
            if len(diff.examples_old) < MAX_DIFF_EXAMPLES:
                diff.examples_old.append(self._near_miss(new, envelope, ref) or _bare(ref))
        elif new in matched:
            diff.only_new += 1
            if len(diff.examples_new) < MAX_DIFF_EXAMPLES:
                diff.examples_new.append(self._near_miss(old, envelope, ref) or _bare(ref))


def _parse_slices(slices: list[tuple[bytes, int]]) -> list[tuple[Any, int]] | None:
    """Parse framed record slices; None when one is not a JSON object (framing was fooled)."""
    parsed: list[tuple[Any, int]] = []
    for raw, index in slices:
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(item, dict):
            return None
        parsed.append((item, index))
    return parsed


def _bare(ref: EventRef) -> NearMiss:
    return NearMiss(ref, 0.0, ())


def caller_of(detail: Mapping[str, Any]) -> str:
    """Who made the call: the identity ARN, else the invoking service or principal."""
    identity = detail.get("userIdentity")
    if not isinstance(identity, Mapping):
        return "(unknown)"
    for key in ("arn", "invokedBy", "principalId", "type"):
        value = identity.get(key)
        if isinstance(value, str) and value:
            return value
    return "(unknown)"


def view_mismatch(mismatch: Mismatch) -> MismatchView:
    missing = mismatch.actual is MISSING
    return MismatchView(
        str(mismatch.path),
        str(mismatch.operator),
        _plain(mismatch.expected),
        None if missing else _plain(mismatch.actual),
        missing,
        describe(mismatch),
    )


def _plain(value: object) -> Any:
    """``value`` as plain JSON data (it crosses the process pool and goes to --json)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return repr(value)


def similarity(mismatch: Any) -> float:
    """How close the actual value came to the nearest expected one (0..1), for ranking."""
    expected = mismatch.expected if isinstance(mismatch.expected, list) else [mismatch.expected]
    actual = _text(mismatch.actual)
    return max(
        (difflib.SequenceMatcher(None, _text(e), actual).ratio() for e in expected), default=0.0
    )


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)
