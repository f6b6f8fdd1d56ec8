"""The one-pass framing of log files agrees with counting each key separately.

``frame_log_file`` and ``frame_picking`` tell record separators, other ``eventVersion`` keys and
``eventName`` keys apart in one regex scan; these properties check them against plain
``bytes.count`` on documents with look-alike keys, nested keys and nameless records, and check
that every picked record's index is the number of separators before it.
"""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from simulator.replay.decode import (
    EVENT_NAME_KEY,
    EVENT_VERSION_KEY,
    RECORD_SEPARATOR,
    RECORDS_FIRST,
    LogDocument,
    RawBatch,
    frame_log_file,
    frame_picking,
)

EXTRAS = (
    {},
    {"x": {"eventVersion": "1"}},
    {"x": [{"a": 1}, {"eventVersion": "2"}]},
    {"eventVersio": 1},
    {"eventVersionn": 1},
    {"eventNamen": "a"},
    {"x": {"eventName": "nested"}},
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    records = []
    for index in range(draw(st.integers(1, 6))):
        record: dict[str, object] = {"eventVersion": "1.08"}
        if draw(st.booleans()) or index == 0:
            record["eventName"] = draw(st.sampled_from(["CreateAccessKey", "GetObject"]))
        record.update(draw(st.sampled_from(EXTRAS)))
        records.append(orjson.dumps(record))
    return b'{"Records":[' + b",".join(records) + b"]}"


def _reference(body: bytes) -> tuple[str, int]:
    versions = body.count(EVENT_VERSION_KEY)
    if body.count(RECORD_SEPARATOR) != versions - 1:
        return "parse", 0
    return ("document" if body.count(EVENT_NAME_KEY) == versions else "batch"), versions


def _kind(framed: LogDocument | RawBatch | None) -> tuple[str, int]:
    if framed is None:
        return "parse", 0
    if isinstance(framed, LogDocument):
        return "document", framed.count
    return "batch", len(framed.items)


@given(documents())
def test_one_regex_pass_counts_like_separate_counts(body: bytes) -> None:
    assert _kind(frame_log_file(body)) == _reference(body)


@given(documents(), st.data())
def test_picked_records_are_numbered_by_the_separators_before_them(
    body: bytes, data: st.DataObject
) -> None:
    hits = data.draw(st.lists(st.integers(RECORDS_FIRST, len(body) - 3), max_size=5))
    framed = frame_picking(body, hits)
    assert _kind(framed) == _reference(body)
    if isinstance(framed, LogDocument):
        starts = sorted({framed.record_start(position) for position in hits})
        expected = [
            (start, body.count(RECORD_SEPARATOR, 0, start + len(RECORD_SEPARATOR) - 2))
            for start in starts
        ]
        assert framed.picked == expected
        if b'"x":[' in body:
            return  # framing is fooled here; scan.py notices and parses the document (see
            # test_replay_nested_framing.py)
        for start, _ in expected:
            assert orjson.loads(framed.record_at(start))["eventVersion"] == "1.08"
