"""Pick the JSON Lines worth parsing from a whole text, without splitting it into lines.

Splitting a 100 MB export into a list of lines, then stripping each, costs more than the raw
prefilter saves.  Instead the anchor needles are found across the whole text (plan.py), each hit
is mapped to its line with ``rfind``/``find`` of ``b"\\n"``, and lines are numbered by hopping
from newline to newline with ``bytes.find`` (``memchr``), which also tells blank lines apart by
their first byte.  Only candidate lines are ever sliced.

The answer is exactly that of ``InputScan._pick_lines`` on the split lines: when the text has
a line without an ``"eventName":`` key (the count of keys differs from the count of non-blank
lines), ``pick_lines`` returns None and the caller takes the line-by-line path, which parses
such lines to report them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulator.replay.decode import EVENT_NAME_KEY

_BLANK = b" \t\r\x0b\x0c"  # what bytes.strip() removes, besides the newline that ends a line
_OPEN = ord("{")


@dataclass(frozen=True, slots=True)
class PickedLines:
    """Lines in the text (as ``split`` counts them), non-blank ones, and (line index, line
    bytes) of the ones to parse."""

    lines: int
    filled: int
    picked: list[tuple[int, bytes]]


def pick_lines(
    text: bytes, starts: list[int], could_match: Callable[[bytes], bool]
) -> PickedLines | None:
    """The lines at ``starts`` (sorted line-start offsets) that ``could_match``, numbered; None
    when a non-blank line may lack an ``"eventName":`` key (the caller then splits the text)."""
    lines, filled, indexes = _walk(text, starts)
    if text.count(EVENT_NAME_KEY) != filled:
        return None
    picked = []
    for start, index in zip(starts, indexes, strict=True):
        end = text.find(b"\n", start)
        line = text[start : end if end != -1 else len(text)]
        if could_match(line):
            picked.append((index, line))
    return PickedLines(lines, filled, picked)


def _walk(text: bytes, starts: list[int]) -> tuple[int, int, list[int]]:
    """(lines, non-blank lines, the 0-based index of the line at each of ``starts``), in one pass."""
    find, size = text.find, len(text)
    indexes: list[int] = []
    wanted = iter(starts)
    target = next(wanted, -1)
    blank = index = position = 0
    while True:
        end = find(b"\n", position)
        if end == -1:
            end = size
        if position == end or (text[position] != _OPEN and not text[position:end].strip(_BLANK)):
            blank += 1
        while target == position:
            indexes.append(index)
            target = next(wanted, -1)
        if end == size:
            return index + 1, index + 1 - blank, indexes
        index += 1
        position = end + 1
