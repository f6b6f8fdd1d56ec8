"""A conservative test on raw JSON lines: False only when the line cannot match.

A branch can only match when, for each field whose leaf is only exact strings (or plain
prefix/suffix), the line contains one of those strings JSON-encoded with its quotes (``"x"``,
``"pre``, ``suf"``).  JSON can spell a character another way only with ``\\uXXXX`` (any character)
or ``\\/``; a line containing either escape is always passed on to the full matcher.  Everything
else in JSON has exactly one spelling, so a missing needle proves a mismatch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from simulator.patterns import operators as ops


def _encode(text: str) -> bytes | None:
    try:
        return json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: no literal spelling to look for
        return None


def _needles(leaf: Sequence[ops.Element]) -> tuple[bytes, ...] | None:
    needles: list[bytes] = []
    for element in leaf:
        if isinstance(element, ops.ExactString):
            body = _encode(element.value)
            if body is None:
                return None
            needles.append(b'"' + body + b'"')
        elif isinstance(element, ops.StringTest) and element.operator in ("prefix", "suffix"):
            body = _encode(element.operand)
            if body is None:
                return None
            needles.append(b'"' + body if element.operator == "prefix" else body + b'"')
        else:
            return None
    return tuple(dict.fromkeys(needles))


def _selectivity(path_and_needles: tuple[str, tuple[bytes, ...]]) -> tuple[int, int, int]:
    path, needles = path_and_needles
    return (0 if path.endswith("eventName") else 1, len(needles), -min(map(len, needles)))


def branch_requirements(
    branch: Mapping[str, Sequence[ops.Element]],
) -> tuple[tuple[bytes, ...], ...]:
    """For one branch: the needle sets, most selective first, each of which must appear."""
    found = []
    for path, leaf in branch.items():
        needles = _needles(leaf)
        if needles:
            found.append((path, needles))
    return tuple(needles for _, needles in sorted(found, key=_selectivity))


class BytesPrefilter:
    """``could_match(line)`` for a pattern's branches."""

    __slots__ = ("always", "could_match", "requirements")
    could_match: Callable[[bytes], bool]

    def __init__(self, branches: Sequence[Mapping[str, Sequence[ops.Element]]]) -> None:
        self.requirements = tuple(branch_requirements(branch) for branch in branches)
        self.always = any(not needles for needles in self.requirements)
        if not self.always and len(self.requirements) == 1:
            self.could_match = self._single_branch()
        else:
            self.could_match = self._could_match_any

    def _single_branch(self) -> Callable[[bytes], bool]:
        """The common case (one branch): the most selective needle first, no generic loops."""
        (requirement,) = self.requirements
        first, rest = requirement[0], requirement[1:]

        def could_match(line: bytes) -> bool:
            for needle in first:
                if needle in line:
                    break
            else:
                return b"\\" in line and (b"\\u" in line or b"\\/" in line)
            for needles in rest:
                for needle in needles:
                    if needle in line:
                        break
                else:
                    return b"\\" in line and (b"\\u" in line or b"\\/" in line)
            return True

        return could_match

    def _could_match_any(self, line: bytes) -> bool:
        if self.always:
            return True
        for requirement in self.requirements:
            for needles in requirement:
                for needle in needles:
                    if needle in line:
                        break
                else:
                    break
            else:
                return True
        return b"\\" in line and (b"\\u" in line or b"\\/" in line)

    def candidates(self, chunk: bytes, numbered: bool = True) -> list[tuple[int, bytes]]:
        """The lines of ``chunk`` (JSON Lines) that could match, as (0-based index, line).

        Every other line cannot match.  Scans the whole chunk for the most selective needles
        (and for escapes) at C speed instead of testing line by line.  With ``numbered=False``
        the first item is the line's byte offset instead (no newline counting).
        """
        if self.always:
            lines = chunk.split(b"\n")
            if numbered:
                return list(enumerate(lines))
            offsets, position = [], 0
            for line in lines:
                offsets.append((position, line))
                position += len(line) + 1
            return offsets
        starts: set[int] = set()
        for needle in {needle for requirement in self.requirements for needle in requirement[0]}:
            _add_line_starts(chunk, needle, starts)
        _add_escape_line_starts(chunk, starts)
        return _lines_at(chunk, sorted(starts), self.could_match, numbered)


def _add_line_starts(chunk: bytes, needle: bytes, starts: set[int]) -> None:
    position = chunk.find(needle)
    while position >= 0:
        starts.add(chunk.rfind(b"\n", 0, position) + 1)
        end = chunk.find(b"\n", position)
        if end < 0:
            return
        position = chunk.find(needle, end + 1)


def _add_escape_line_starts(chunk: bytes, starts: set[int]) -> None:
    """Lines with a ``\\u`` or ``\\/`` escape, which could spell any needle another way."""
    position = chunk.find(b"\\")
    while position >= 0:
        if chunk[position + 1 : position + 2] in (b"u", b"/"):
            starts.add(chunk.rfind(b"\n", 0, position) + 1)
            end = chunk.find(b"\n", position)
            if end < 0:
                return
            position = chunk.find(b"\\", end + 1)
        else:
            position = chunk.find(b"\\", position + 2)


def _lines_at(
    chunk: bytes, starts: list[int], keep: Callable[[bytes], bool], numbered: bool = True
) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    index, counted = 0, 0
    for start in starts:
        if numbered:
            index += count_newlines(chunk, counted, start)
            counted = start
        end = chunk.find(b"\n", start)
        line = chunk[start : end if end >= 0 else len(chunk)]
        if keep(line):
            out.append((index if numbered else start, line))
    return out


LONG_LINES = 256  # mean bytes per line above which memchr hops beat bytes.count
_SAMPLE = 8192


def count_newlines(text: bytes, start: int, end: int) -> int:
    """``text.count(b"\\n", start, end)``, faster on long lines.

    ``bytes.count`` of one byte is a plain byte loop (~4 GB/s); ``bytes.find`` of one byte is
    ``memchr`` (~30 GB/s) but costs a Python step per hit.  CloudTrail lines are ~1-2 KB, where
    hopping from newline to newline is ~3x faster; a sample decides, so short lines keep count.
    """
    if end - start <= _SAMPLE:
        return text.count(b"\n", start, end)
    sampled = text.count(b"\n", start, start + _SAMPLE)
    if sampled * LONG_LINES > _SAMPLE:
        return sampled + text.count(b"\n", start + _SAMPLE, end)
    find, total = text.find, sampled
    position = find(b"\n", start + _SAMPLE, end)
    while position != -1:
        total += 1
        position = find(b"\n", position + 1, end)
    return total
