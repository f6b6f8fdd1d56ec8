"""The vectorised framing of log files (framing.py) agrees with plain byte counting and slicing.

Documents are drawn with look-alike keys, nested keys, nameless records, eventName values written
every way JSON allows (spaces, arrays, escapes) and keys near the end of the text, where 8-byte
windows cannot be read.  The properties check ``frame`` against a slow reference built from
``bytes.count`` and slices, and that no record whose eventName matches an anchor is left out.
"""

from __future__ import annotations

import re

import orjson
from hypothesis import given
from hypothesis import strategies as st

from simulator.replay.framing import (
    EVENT_VERSION_KEY,
    RECORD_SEPARATOR,
    RECORDS_FIRST,
    Anchors,
    LogDocument,
    frame,
)

NAMES = ("CreateAccessKey", "CreateAccessKeys", "Create", "GetObject", "")
NAME_SPELLINGS = (
    b'"eventName":%s',
    b'"eventName": %s',
    b'"eventName" :%s',
    b'"eventName":[%s]',
    b'"event\\u004eame":%s',
)
EXTRAS = (
    b"",
    b',"x":{"eventVersion":"1"}',
    b',"x":[{"a":1},{"eventVersion":"2"}]',
    b',"eventVersio":1',
    b',"eventVersionn":1',
    b',"eventNamen":"a"',
    b',"eventFoo":1,"event^":2,"accountName":"tVtN"',
    b',"x":{"eventName":"nested"}',
    b',"x":"eventName"',
    b',"x":"Create\\u0041ccessKey"',
    b',"x":"CreateAccessKey"',
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    records = []
    for _ in range(draw(st.integers(1, 5))):
        record = b'{"eventVersion":"1.08"'
        if draw(st.integers(0, 4)):
            name = orjson.dumps(draw(st.sampled_from(NAMES)))
            record += b"," + draw(st.sampled_from(NAME_SPELLINGS)) % name
        record += draw(st.sampled_from(EXTRAS))
        record += b',"p":"' + b"v" * draw(st.integers(0, 20)) + b'"' if draw(st.booleans()) else b""
        records.append(record + b"}")
    return b'{"Records":[' + b",".join(records) + b"]}"


ANCHORS = st.sampled_from(
    [
        Anchors((b'"CreateAccessKey"',), name_values=True),
        Anchors((b'"Create',), name_values=True),
        Anchors((b'"CreateAccessKey"', b'"GetObject"'), name_values=True),
        Anchors((b'"CreateAccessKey"',), name_values=False),
        Anchors((b'Key"',), name_values=False),
        Anchors((b'"Records"',), name_values=False),
    ]
)


def _records(body: bytes) -> list[bytes]:
    pieces = body[len(b'{"Records":[') : -2].split(b"},{")
    return [
        (b"" if i == 0 else b"{") + p + (b"" if i == len(pieces) - 1 else b"}")
        for i, p in enumerate(pieces)
    ]


NAME_KEY = re.compile(rb'"eventName"([ \t\r\n]*):(.)', re.DOTALL)


def _name_keys(record: bytes) -> list[tuple[bool, bytes]]:
    """Each "eventName" key of a record: (written some other way than '"eventName":"', the rest
    of the record from the value on)."""
    return [
        (bool(key[1]) or key[2] != b'"', record[key.start(2) :])
        for key in NAME_KEY.finditer(record)
    ]


def _reference_forced(record: bytes) -> bool:
    """Parsed whatever the prefilter says: not exactly one eventName key, or an odd one."""
    keys = _name_keys(record)
    return len(keys) != 1 or keys[0][0]


def _reference_picked(record: bytes, anchors: Anchors) -> bool:
    """Worth parsing, judged slowly on the record's own bytes."""
    if b"\\u" in record or b"\\/" in record or _reference_forced(record):
        return True
    if not anchors.name_values:
        return any(needle in record for needle in anchors.needles)
    return any(value.startswith(anchors.needles) for _, value in _name_keys(record))


@given(documents(), ANCHORS)
def test_framing_agrees_with_counting_and_slicing(body: bytes, anchors: Anchors) -> None:
    framed = frame(body, anchors)
    versions = body.count(EVENT_VERSION_KEY)
    if body.count(RECORD_SEPARATOR) != versions - 1:
        assert framed is None
        return
    assert isinstance(framed, LogDocument) and framed.picked is not None
    assert framed.count == versions
    records = _records(body) if b"},{" not in body.replace(RECORD_SEPARATOR, b"") else None
    if records is None:
        return  # a nested "},{" that is no separator: slices below would be wrong, not framing
    # A key letter in the last 16 bytes has no 8-byte window: its record is forced anyway.
    last = {len(records) - 1}
    forced = {i for i, record in enumerate(records) if _reference_forced(record)}
    assert forced <= framed.forced <= forced | last
    picked = {index for _, index in framed.picked}
    expected = {i for i, r in enumerate(records) if _reference_picked(r, anchors)}
    # A needle in the head ('{"Records":[') picks the first record.
    head = any(needle in body[: RECORDS_FIRST + 1] for needle in anchors.needles)
    assert expected <= picked <= expected | last | ({0} if head else set())
    assert all(0 <= index < len(records) for index in picked)
    starts = [RECORDS_FIRST]
    while (separator := body.find(RECORD_SEPARATOR, starts[-1])) != -1:
        starts.append(separator + 2)
    for start, index in framed.picked:
        assert start == starts[index]
        assert framed.record_at(start) == records[index]


@given(documents(), ANCHORS.filter(lambda anchors: anchors.name_values))
def test_no_record_whose_event_name_matches_is_left_out(body: bytes, anchors: Anchors) -> None:
    framed = frame(body, anchors)
    if framed is None:
        return  # parsed whole by the caller
    assert framed.picked is not None
    parsed = orjson.loads(body)["Records"]
    picked = {index for _, index in framed.picked}
    values = [needle.decode().strip('"') for needle in anchors.needles]
    for index, record in enumerate(parsed):
        name = record.get("eventName")
        names = name if isinstance(name, list) else [name]
        if any(isinstance(n, str) and _spelled(n, values, anchors) for n in names):
            assert index in picked or framed.count != len(parsed)


def _spelled(name: str, values: list[str], anchors: Anchors) -> bool:
    exact = [v for v, n in zip(values, anchors.needles, strict=True) if n.endswith(b'"')]
    prefixes = [v for v, n in zip(values, anchors.needles, strict=True) if not n.endswith(b'"')]
    return name in exact or any(name.startswith(p) for p in prefixes)
