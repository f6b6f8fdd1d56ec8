"""Frame a compact CloudTrail log document with vectorised byte scans instead of a parse.

CloudTrail writes each log file as one compact object ``{"Records":[...]}`` whose records all
start with ``eventVersion`` (cloudtrail-anatomy.md §6), so records are separated by
``},{"eventVersion":``.  One NumPy pass finds every ``V`` and ``N`` byte after a ``t``; 8-byte
windows read at those offsets (an unaligned ``uint64`` view of the text, no copy) tell which of
them belong to an ``"eventVersion":`` key, to a record separator or to an ``"eventName"`` key,
and how each eventName value starts.  From those offsets, without parsing anything:

* framing is trusted only if every ``"eventVersion":`` key but the first follows a separator
  (else the caller parses the whole document);
* records without an ``"eventName"`` key, with several, or with one not written
  ``"eventName":"...`` are parsed whatever the prefilter says, so that a nameless record is
  reported and a framing fooled by nested separators shows (scan.py);
* the records worth parsing are picked: with anchors on ``eventName`` (plan.py), those whose
  eventName value starts with an anchor's spelling (``"CreateAccessKey"``) or is written any
  other way (spaces, an array, a key not followed by ``:``); with anchors on other fields, those
  holding a needle anywhere (``bytes.find``); and always those holding a ``\\u`` or ``\\/``
  escape, which could spell a needle another way.

Why NumPy: the same facts from ``re`` and ``bytes.find`` passes cost about 100 ms per 130 MB
of text, half of a replay's time; these scans cost about half as much (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

RECORDS_HEAD = b'{"Records":[{"eventVersion":'
RECORD_SEPARATOR = b'},{"eventVersion":'
RECORD_OPEN = b'{"eventVersion":'
RECORDS_FIRST = len(b'{"Records":[')  # offset of the first record's "{"
FIRST_KEY = RECORDS_FIRST + len(b'{"event')  # offset of the first record's "V"
EVENT_VERSION_KEY = b'"eventVersion":'
EVENT_NAME = b'"eventName"'
# Keys whose 8-byte windows (up to 16 bytes after the key letter) would run past the end are
# read byte by byte instead.
WINDOW_REACH = 16
COLON_AHEAD = re.compile(rb"[ \t\r\n]*:")  # what may follow a key: JSON whitespace, a colon

Offsets = npt.NDArray[np.int64]
Words = npt.NDArray[np.uint64]
EMPTY: Offsets = np.empty(0, np.int64)


def _word(text: bytes) -> int:
    """``text`` (up to 8 bytes) as the little-endian integer an 8-byte window reads."""
    return int.from_bytes(text.ljust(8, b"\0"), "little")


def _low(size: int) -> int:
    return (1 << (8 * size)) - 1


LETTER_T, QUOTE, COLON, BACKSLASH = b't":\\'
# "V" (0x56) and "N" (0x4E) differ in bits 3 and 4 only: with those bits cleared both read 0x46.
V_OR_N_MASK, V_OR_N = 0xE7, 0x46
ESCAPE_LETTERS = b"u/"
# Windows around a key letter at offset p: p-6.. is '"eventVe' or '"eventNa'; p+1.. is
# 'ersion":' (eventVersion) or 'ame"' then ':' (eventName); p-9.. is '},{' (a separator).
EVENT_VE, EVENT_NA = _word(b'"eventVe'), _word(b'"eventNa')
ERSION, AME_QUOTE, SEPARATOR_HEAD = _word(b'ersion":'), _word(b'ame"'), _word(b"},{")


@dataclass(frozen=True, slots=True)
class Anchors:
    """What a record must contain to be worth parsing; plan.py derives it from the rules.

    ``needles`` are JSON spellings (``"CreateAccessKey"``, ``"Create`` or ``Key"``).  With
    ``name_values`` every needle starts with a quote and spells how an ``eventName`` value
    begins, so only eventName values are read; else a needle may be anywhere in the record.
    """

    needles: tuple[bytes, ...]
    name_values: bool = False


@dataclass(slots=True)
class LogDocument:
    """A compact ``{"Records":[...]}`` document whose records are framed by separators.

    Every ``"eventVersion":`` key is a record's first key (one in the head, one in each
    ``},{"eventVersion":`` separator), so record boundaries are known without parsing and only
    the records a caller picks are ever sliced out.
    """

    body: bytes
    count: int
    # (start offset, index) of the records worth parsing; None: every record.
    picked: list[tuple[int, int]] | None = None
    # Indexes of records parsed even if the prefilter says no: without an "eventName" key, with
    # several, or with one not written '"eventName":"...' (see `forced_records`).
    forced: frozenset[int] = field(default_factory=frozenset)

    def record_at(self, start: int) -> bytes:
        end = self.body.find(RECORD_SEPARATOR, start)
        return self.body[start : end + 1] if end != -1 else self.body[start:-2]

    def as_items(self) -> list[bytes]:
        """Every record, sliced (for --validate-all and rules without anchors)."""
        pieces = self.body[len(RECORDS_HEAD) : -3].split(RECORD_SEPARATOR)
        return [RECORD_OPEN + piece + b"}" for piece in pieces]


@dataclass(slots=True)
class KeyScan:
    """Where the keys of one document are: offsets of key letters (``V`` or ``N``)."""

    versions: int  # "eventVersion": keys, at any depth
    record_starts: Offsets  # the "{" of the first record and of each one after a separator
    names: Offsets  # every "eventName" key, at any depth
    # Of those, the keys written '"eventName":"' (the value opens right after the colon), with
    # the first 8 bytes of their values from the quote on; every other spelling is "odd".
    plain_names: Offsets
    values: Words
    odd_names: Offsets
    escapes: Offsets  # "\u" and "\/" escapes


def frame(body: bytes, anchors: Anchors | None) -> LogDocument | None:
    """Frame ``body`` (stripped, starting with RECORDS_HEAD); None when framing is unsafe."""
    keys = scan_keys(body)
    count = len(keys.record_starts)
    if keys.versions != count:
        return None  # a nested "eventVersion" key somewhere: the caller parses the document
    forced = forced_records(keys)
    if anchors is None:
        return LogDocument(body, count, None, frozenset(forced))
    if anchors.name_values:
        hits = _name_value_hits(body, keys, anchors.needles)
    else:
        hits = np.asarray(needle_offsets(body, anchors.needles), np.int64)
    if len(keys.escapes):
        hits = np.concatenate((hits, keys.escapes))
    # A needle in the document's head ('{"Records":[') counts for the first record.
    indexes = np.maximum(keys.record_starts.searchsorted(hits, side="right") - 1, 0)
    picked = sorted(set(indexes.tolist()).union(forced))
    starts = keys.record_starts[picked].tolist() if picked else []
    pairs = list(zip(starts, picked, strict=True))
    return LogDocument(body, count, pairs, frozenset(forced))


def forced_records(keys: KeyScan) -> list[int]:
    """Records to parse whatever the prefilter says, so that bad input is reported and a fooled
    framing shows: those without an ``"eventName"`` key (nameless), with several (a nested one,
    or two records framed as one) or with one not written ``"eventName":"...`` (spaces, or a
    value that is no string).  Usually none, found with three array operations."""
    count = len(keys.record_starts)
    holders = keys.record_starts.searchsorted(keys.names, side="right")  # 1-based indexes
    forced: set[int] = set()
    if len(holders) != count or np.count_nonzero(np.diff(holders)) != count - 1:
        named = np.bincount(holders, minlength=count + 1)[1:]
        forced.update(np.flatnonzero(named != 1).tolist())
    if len(keys.odd_names):
        odd = keys.record_starts.searchsorted(keys.odd_names, side="right") - 1
        forced.update(odd.tolist())
    return sorted(forced)


def scan_keys(body: bytes) -> KeyScan:
    """One vectorised pass over ``body``; keys near its end are read byte by byte."""
    size = len(body)
    text = np.frombuffer(body, np.uint8)
    # A "V" or "N" right after a "t" (as in eventVersion, eventName): a third of all V and N
    # bytes, so the windows below are read at a third of the offsets.  One masked compare
    # finds V and N (and F and ^, which the windows then reject): a pass fewer than two.
    following = text[1:]
    marked = (following & V_OR_N_MASK) == V_OR_N
    marked &= text[:-1] == LETTER_T
    letters = marked.nonzero()[0] + 1
    first, last = letters.searchsorted((FIRST_KEY, size - WINDOW_REACH)).tolist()
    near_end, letters = letters[last:].tolist(), letters[first:last]
    words = _windows(body)
    heads, after = words[letters - 6], words[letters + 1]
    versions = letters[(heads == EVENT_VE) & (after == ERSION)]
    is_name = (heads == EVENT_NA) & ((after & _low(4)) == AME_QUOTE)
    names, after = letters[is_name], after[is_name]
    plain = (after >> 32) & 0xFF == COLON  # '"eventName":'
    plain_names = names[plain]
    values = words[plain_names + 6]
    is_string = (values & 0xFF) == QUOTE
    # '"eventName" :' is a key too; '"eventName"' followed by anything else is a string value.
    spaced = EMPTY
    if not plain.all():
        spaced = np.asarray([p for p in names[~plain].tolist() if _is_key(body, p)], np.int64)
    names = np.union1d(plain_names, spaced) if len(spaced) else plain_names
    odd = [spaced, plain_names[~is_string]]  # spaced keys, values that are no string
    plain_names, values = plain_names[is_string], values[is_string]
    separators = versions[(words[versions - 9] & _low(3)) == SEPARATOR_HEAD]
    version_count = len(versions)
    if near_end:
        version_count += sum(body.startswith(EVENT_VERSION_KEY, p - 6) for p in near_end)
        more = [p for p in near_end if _is_separator(body, p)]
        separators = np.append(separators, np.asarray(more, np.int64))
        tail = np.asarray([p for p in near_end if _is_key(body, p)], np.int64)
        names = np.append(names, tail)
        odd.append(tail)  # no window to read their values from: always worth parsing
    starts = np.concatenate(((RECORDS_FIRST,), separators - 7))
    odd_names = np.concatenate(odd)
    return KeyScan(
        version_count, starts, names, plain_names, values, odd_names, _escapes(body, text)
    )


def _windows(body: bytes) -> Words:
    """The 8 bytes from every offset of ``body`` as little-endian integers (an unaligned view)."""
    return np.ndarray((len(body) - 7,), "<u8", body, 0, (1,))


def _is_key(body: bytes, letter: int) -> bool:
    """Whether the ``N`` at `letter` starts an ``"eventName"`` key: a colon follows, maybe after
    JSON whitespace."""
    return body.startswith(EVENT_NAME, letter - 6) and bool(COLON_AHEAD.match(body, letter + 5))


def _is_separator(body: bytes, letter: int) -> bool:
    return body.startswith(RECORD_SEPARATOR, letter - 9)


def _escapes(body: bytes, text: npt.NDArray[np.uint8]) -> Offsets:
    """Offsets of ``\\u`` and ``\\/`` escapes (a backslash is rare in CloudTrail: memchr first)."""
    if body.find(b"\\") == -1:
        return EMPTY
    slashes = np.flatnonzero(text[:-1] == BACKSLASH)
    following = text[slashes + 1]
    escapes: Offsets = slashes[(following == ESCAPE_LETTERS[0]) | (following == ESCAPE_LETTERS[1])]
    return escapes


def _name_value_hits(body: bytes, keys: KeyScan, needles: tuple[bytes, ...]) -> Offsets:
    """Name keys whose value starts with a needle, or that are written another way."""
    found = [keys.odd_names]
    values = keys.values
    for needle in needles:
        head = needle[:8]
        hits = keys.plain_names[(values & _low(len(head))) == _word(head)]
        if len(needle) > 8 and len(hits):
            hits = np.asarray(
                [p for p in hits.tolist() if body.startswith(needle, p + 6)], np.int64
            )
        found.append(hits)
    return np.concatenate(found)


def needle_offsets(body: bytes, needles: tuple[bytes, ...]) -> list[int]:
    """Every offset of every needle (whole-document ``find`` calls, at C speed)."""
    hits = []
    for needle in needles:
        position = body.find(needle)
        while position != -1:
            hits.append(position)
            position = body.find(needle, position + 1)
    return hits
