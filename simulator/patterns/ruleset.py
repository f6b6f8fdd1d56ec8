"""Many named patterns matched at once, with cost that grows far slower than the rule count.

Each ``$or`` branch of each rule is indexed on one field whose leaf is only exact strings (a
*required literal*, e.g. ``detail.eventName``), choosing the path most rules share so that one
lookup per distinct path finds every candidate.  Only candidates are matched in full; branches
with no required literal are always candidates.  The raw-line prefilter does the same on bytes:
one regex per index path pulls the string after ``"<last key>":`` and looks it up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from simulator.patterns import operators as ops
from simulator.patterns.events import parse_event
from simulator.patterns.matcher import FieldTest, Mismatch
from simulator.patterns.pattern import CompiledPattern, compile_pattern
from simulator.patterns.prefilter import _add_escape_line_starts, _lines_at


def _line_start(chunk: bytes, position: int) -> int:
    return chunk.rfind(b"\n", 0, position) + 1


def _line_offsets(chunk: bytes, lines: list[tuple[int, bytes]]) -> list[int]:
    """Start offsets of numbered lines (small lists: only candidates)."""
    offsets, index, position = [], 0, 0
    for wanted, _ in lines:
        while index < wanted:
            position = chunk.find(b"\n", position) + 1
            index += 1
        offsets.append(position)
    return offsets


_PREFERRED = ("eventName", "eventSource", "detail-type", "source")


def _literal_fields(compiled: CompiledPattern) -> list[dict[str, frozenset[str]]]:
    """Per branch: path -> the exact strings it requires (fields with only exact strings)."""
    out = []
    for branch in compiled.branches:
        fields = {}
        for test in branch.fields:
            if test.leaf and all(isinstance(e, ops.ExactString) for e in test.leaf):
                fields[test.path] = frozenset(e.value for e in test.leaf)  # type: ignore[attr-defined]
        out.append(fields)
    return out


def _preference(path: str) -> int:
    last = path.rsplit(".", 1)[-1]
    return _PREFERRED.index(last) if last in _PREFERRED else len(_PREFERRED)


class _Index:
    def __init__(self, rules: Mapping[str, CompiledPattern]) -> None:
        literal = {name: _literal_fields(compiled) for name, compiled in rules.items()}
        counts: dict[str, int] = {}
        for branches in literal.values():
            for fields in branches:
                for path in fields:
                    counts[path] = counts.get(path, 0) + 1
        self.by_path: dict[str, dict[str, set[str]]] = {}
        self.always: set[str] = set()
        for name, branches in literal.items():
            for fields in branches:
                if not fields:
                    self.always.add(name)
                    continue
                path = min(fields, key=lambda p: (-counts[p], _preference(p), p))
                table = self.by_path.setdefault(path, {})
                for value in fields[path]:
                    table.setdefault(value, set()).add(name)
        self.tests = {path: FieldTest(path, (ops.Exists(True),)) for path in self.by_path}
        self.line_patterns = {path: _value_regex(path) for path in self.by_path}
        self.needles = {
            path: {_quoted(value): names for value, names in table.items()}
            for path, table in self.by_path.items()
        }

    def candidates(self, event: object) -> set[str]:
        found = set(self.always)
        for path, table in self.by_path.items():
            test = self.tests[path]
            value = _regular_value(event, test)
            values = test.values(event) if value is _IRREGULAR else ((value, ()),)
            for item, _ in values:
                if type(item) is str:
                    names = table.get(item)
                    if names:
                        found |= names
        return found

    def chunk_line_starts(self, chunk: bytes) -> set[int]:
        """Starts of the lines whose index literal may select a rule (or is undecidable)."""
        starts: set[int] = set()
        for path, regex in self.line_patterns.items():
            needles = self.needles[path]
            for match in regex.finditer(chunk):
                token = match.group(1)
                if token == b"[" or token.endswith(b"\\") or token in needles:
                    starts.add(chunk.rfind(b"\n", 0, match.start()) + 1)
        return starts

    def line_candidates(self, line: bytes) -> set[str] | None:
        """Rules the raw line may match by its index literal; None when undecidable."""
        found: set[str] = set()
        for path, regex in self.line_patterns.items():
            needles = self.needles[path]
            for match in regex.finditer(line):
                token = match.group(1)
                if token == b"[" or token.endswith(b"\\"):
                    return None
                names = needles.get(token)
                if names:
                    found |= names
        return found


_IRREGULAR: Any = object()


def _regular_value(event: object, test: FieldTest) -> object:
    """The one value at ``test.path`` reached through plain dicts, or _IRREGULAR when arrays,
    other mappings or dotted keys could give it more than one (the general walk decides)."""
    node = event
    for level, segment in enumerate(test.segments):
        if type(node) is not dict:
            return _IRREGULAR
        for alternative, _ in test.keys[level][1:]:
            if alternative in node:
                return _IRREGULAR
        node = node.get(segment, _IRREGULAR)
        if node is _IRREGULAR:
            return None  # absent: no string to look up
    return node if type(node) is str else _IRREGULAR


def _quoted(value: str) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _value_regex(path: str) -> re.Pattern[bytes]:
    last = json.dumps(path.rsplit(".", 1)[-1], ensure_ascii=False)[1:-1]
    key = re.escape(last.encode("utf-8", "surrogatepass"))
    return re.compile(key + rb'"[ \t\r\n]*:[ \t\r\n]*("[^"\\]*"|\[|"[^"\\]*\\)')


class RuleSet:
    """Named compiled patterns: ``matching``, ``explain`` and a raw-line prefilter."""

    def __init__(self) -> None:
        self._rules: dict[str, CompiledPattern] = {}
        self._index: _Index | None = None

    def add(self, name: str, pattern: str | bytes | Mapping[str, Any] | CompiledPattern) -> None:
        """Compile (PatternError if invalid) and add ``pattern`` as ``name``, replacing any rule
        of that name."""
        compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
        self._rules[name] = compiled
        self._index = None

    def remove(self, name: str) -> None:
        del self._rules[name]
        self._index = None

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __getitem__(self, name: str) -> CompiledPattern:
        return self._rules[name]

    @property
    def names(self) -> list[str]:
        return list(self._rules)

    def _get_index(self) -> _Index:
        if self._index is None:
            self._index = _Index(self._rules)
        return self._index

    def _parse(self, event: object) -> object:
        if isinstance(event, (str, bytes, bytearray)):
            texts = any(rule.needs_number_text for rule in self._rules.values())
            return parse_event(event, number_text=texts)
        return event

    def matching(self, event: Mapping[str, Any] | str | bytes) -> list[str]:
        """Names of the rules that match ``event``, in the order they were added."""
        parsed = self._parse(event)
        candidates = self._get_index().candidates(parsed)
        if not candidates:
            return []
        return [n for n, rule in self._rules.items() if n in candidates and rule.matches(parsed)]

    def explain(self, event: Mapping[str, Any] | str | bytes) -> dict[str, list[Mismatch]]:
        """For every rule, why it did not match (an empty list for rules that match)."""
        parsed = self._parse(event)
        return {name: rule.explain(parsed) for name, rule in self._rules.items()}

    def candidate_lines(self, chunk: bytes) -> list[tuple[int, bytes]]:
        """(index, line) for the lines of a JSON Lines ``chunk`` that some rule could match."""
        index = self._get_index()
        starts = index.chunk_line_starts(chunk)
        _add_escape_line_starts(chunk, starts)
        for name in index.always:
            starts.update(
                _line_start(chunk, position)
                for position in _line_offsets(chunk, self._rules[name].candidate_lines(chunk))
            )
        return _lines_at(chunk, sorted(starts), self.could_match_bytes)

    def could_match_bytes(self, line: bytes) -> bool:
        """False only when no rule can match the raw JSON line."""
        if b"\\" in line and (b"\\u" in line or b"\\/" in line):
            return True
        index = self._get_index()
        unindexed = [self._rules[name] for name in index.always]
        if any(rule.could_match_bytes(line) for rule in unindexed):
            return True
        names = index.line_candidates(line)
        if names is None:
            return True
        return any(self._rules[name].could_match_bytes(line) for name in names)
