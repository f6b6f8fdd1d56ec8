"""Turn the bytes of one input (file or S3 object) into framed items, cheaply.

Formats (cloudtrail-anatomy.md §6):

* CloudTrail S3 log files: gzip of one compact JSON object ``{"Records":[...]}``.  CloudTrail
  writes every record with ``eventVersion`` first, so records are framed by splitting the
  document on ``},{"eventVersion":`` (one C-speed ``bytes.split``) instead of parsing it.  The
  split is trusted only when the number of ``"eventVersion":`` keys equals the number of pieces:
  any nested ``eventVersion`` key makes the counts differ, and then the document is parsed whole.
* JSON Lines of records, of EventBridge envelopes or of lookup-events items.
* ``aws cloudtrail lookup-events`` output: ``{"Events":[{..., "CloudTrailEvent": "<json>"}]}``.
* CloudTrail Lake ``GetQueryResults`` output: ``{"QueryResultRows": [[{col: value}, ...], ...]}``.
* A single pretty-printed record or envelope, or a JSON array of them.

Items are raw bytes where possible, so that the caller's prefilter can drop most of them before
any parse; already-parsed documents give parsed items.  A problem never stops decoding: it is
returned with the position where it happened.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson


def _inflate_module() -> Any:
    """python-isal's ``isal_zlib`` when installed (ISA-L inflates ~2.5x faster, same format);
    ``TRAILSIM_INFLATE=zlib`` forces the standard library (benchmarks compare both)."""
    if os.environ.get("TRAILSIM_INFLATE") == "zlib":
        return zlib
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:
        return zlib


INFLATE: Any = _inflate_module()
INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error, INFLATE.error)

GZIP_MAGIC = b"\x1f\x8b"
RECORDS_HEAD = b'{"Records":[{"eventVersion":'
RECORD_SEPARATOR = b'},{"eventVersion":'
RECORD_OPEN = b'{"eventVersion":'
EVENT_VERSION_KEY = b'"eventVersion":'
EVENT_NAME_KEY = b'"eventName":'
RECORD_KEYS = re.compile(rb'"event(Version|Name)":')
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
LAKE_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.\d+)?Z?$")
LAKE_BOOLEANS = ("readOnly", "managementEvent")


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad input: where it is (a line number or a JSON path) and what is wrong with it."""

    source: str
    kind: (
        str  # truncated-gzip, bad-gzip, invalid-json, missing-eventName, unknown-format, read-error
    )
    detail: str
    line: int | None = None
    path: str = ""

    def render(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        if self.path:
            where = f"{where} at {self.path}"
        return f"{where}: {self.kind}: {self.detail}"


@dataclass(slots=True)
class RawBatch:
    """Items still as bytes.  Item ``i`` sits at ``Records[start + i]`` (label) or on line
    ``start + i`` (``label`` empty); a blank item is an empty line and is skipped."""

    items: list[bytes]
    label: str = ""
    start: int = 0
    all_named: bool = False  # every item is known to hold an "eventName" key
    text: bytes | None = None  # for lines: the text they were split from (for anchor search)

    def locate(self, index: int) -> tuple[int | None, str]:
        if self.label:
            return None, f"{self.label}[{self.start + index}]"
        return self.start + index, ""


@dataclass(slots=True)
class ParsedBatch:
    """Items already parsed: ``(object, line, json_path)``."""

    items: list[tuple[Any, int | None, str]] = field(default_factory=list)


@dataclass(slots=True)
class Decoded:
    batches: list[Batch]
    problems: list[Problem]
    text_bytes: int


def decompress(data: bytes, source: str) -> tuple[bytes, list[Problem]]:
    """Gunzip every member; a truncated or corrupt stream keeps what came out before the fault."""
    if not data.startswith(GZIP_MAGIC):
        return data, []
    pieces: list[bytes] = []
    rest = data
    while rest.startswith(GZIP_MAGIC):
        inflater = INFLATE.decompressobj(wbits=31)
        consumed = len(data) - len(rest)
        try:
            pieces.append(inflater.decompress(rest))
        except INFLATE_ERRORS as err:
            return b"".join(pieces), [
                Problem(source, "bad-gzip", f"{err} (member at compressed byte {consumed})")
            ]
        if not inflater.eof:
            out = sum(map(len, pieces))
            return b"".join(pieces), [
                Problem(source, "truncated-gzip", f"stream ends early after {out} bytes of text")
            ]
        rest = inflater.unused_data
    return b"".join(pieces), []


def decode(data: bytes, source: str) -> Decoded:
    """Frame the items of one input; never raises on bad content."""
    text, problems = decompress(data, source)
    batches: list[Batch] = []
    body = text.strip()
    if body.startswith(RECORDS_HEAD) and body.endswith(b"}]}"):
        framed = frame_log_file(body)
        if framed is not None:
            return Decoded([framed], problems, len(text))
    if not body:
        if not problems:
            problems.append(Problem(source, "unknown-format", "empty input"))
    elif _looks_like_jsonl(body, source):
        batches.append(RawBatch(text.split(b"\n"), start=1, text=text))
    else:
        batches.extend(_decode_document(body, source, problems))
    return Decoded(batches, problems, len(text))


@dataclass(slots=True)
class LogDocument:
    """A compact ``{"Records":[...]}`` document whose records are framed by separators.

    Every ``"eventVersion":`` key is a record's first key (one in the head, one in each
    ``},{"eventVersion":`` separator), so record boundaries are known without parsing and only
    the records a caller picks are ever sliced out.
    """

    body: bytes
    count: int

    def record_start(self, position: int) -> int:
        """Offset of the ``{`` opening the record that holds ``position``."""
        separator = self.body.rfind(RECORD_SEPARATOR, 0, position)
        return RECORDS_FIRST if separator == -1 else separator + 2

    def record_at(self, start: int) -> bytes:
        end = self.body.find(RECORD_SEPARATOR, start)
        return self.body[start : end + 1] if end != -1 else self.body[start:-2]

    def as_batch(self) -> RawBatch:
        """Every record, sliced (for --validate-all and rules without anchors)."""
        pieces = self.body[len(RECORDS_HEAD) : -3].split(RECORD_SEPARATOR)
        return RawBatch([RECORD_OPEN + piece + b"}" for piece in pieces], label="Records")

    def records_between(self, earlier: int, later: int) -> int:
        """How many records start after the record at ``earlier``, up to the one at ``later``."""
        # The separator before a record starts 2 bytes before it ("},") and must fit whole.
        return self.body.count(RECORD_SEPARATOR, earlier, later + len(RECORD_SEPARATOR) - 2)


RECORDS_FIRST = len(b'{"Records":[')
Batch = RawBatch | ParsedBatch | LogDocument


def frame_log_file(body: bytes) -> LogDocument | RawBatch | None:
    """Frame a compact CloudTrail log file without parsing it; None when framing is unsafe."""
    # One regex pass counts both keys (a third faster than two bytes.count calls).
    keys = RECORD_KEYS.findall(body)
    count = keys.count(b"Version")
    if body.count(RECORD_SEPARATOR) != count - 1:
        return None  # a nested "eventVersion" key somewhere: parse the document instead
    if len(keys) - count == count:
        return LogDocument(body, count)
    # Not one "eventName" key per record: split, so that each record is checked (and nameless
    # ones parsed and reported).  A nameless record plus a nested "eventName" key elsewhere keeps
    # the counts equal: that record is reported only if a rule could match it, or with
    # --validate-all.
    return LogDocument(body, count).as_batch()


def _looks_like_jsonl(body: bytes, source: str) -> bool:
    if source.lower().endswith(JSONL_SUFFIXES):
        return True
    first, _, rest = body.partition(b"\n")
    if not rest.strip():
        return False  # one line: a document (possibly a compact log file or export)
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _decode_document(body: bytes, source: str, problems: list[Problem]) -> Iterator[Batch]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        yield from _salvage_records(body, source, problems, str(err))
        return
    if isinstance(document, dict):
        yield from _decode_object(document, source, problems)
    elif isinstance(document, list):
        yield ParsedBatch([(item, None, f"[{i}]") for i, item in enumerate(document)])
    else:
        problems.append(Problem(source, "unknown-format", "expected a JSON object or array"))


def _decode_object(
    document: dict[str, Any], source: str, problems: list[Problem]
) -> Iterator[Batch]:
    if isinstance(document.get("Records"), list):
        records = document["Records"]
        yield ParsedBatch([(r, None, f"Records[{i}]") for i, r in enumerate(records)])
    elif isinstance(document.get("Events"), list):
        yield ParsedBatch([(e, None, f"Events[{i}]") for i, e in enumerate(document["Events"])])
    elif isinstance(document.get("QueryResultRows"), list):
        rows = document["QueryResultRows"]
        yield ParsedBatch(
            [(lake_row_to_record(r), None, f"QueryResultRows[{i}]") for i, r in enumerate(rows)]
        )
    else:
        yield ParsedBatch([(document, None, "")])
    del problems, source


def _salvage_records(
    body: bytes, source: str, problems: list[Problem], error: str
) -> Iterator[Batch]:
    """Keep the records before the fault of a damaged ``{"Records":[...]}`` document."""
    text = body.decode("utf-8", errors="replace")
    head = re.match(r'\s*\{\s*"Records"\s*:\s*\[\s*', text)
    if head is None:
        problems.append(Problem(source, "invalid-json", error))
        return
    decoder, position = json.JSONDecoder(), head.end()
    salvaged: list[tuple[Any, int | None, str]] = []
    while True:
        path = f"Records[{len(salvaged)}]"
        try:
            record, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as err:
            detail = f"{err.msg} (line {err.lineno} column {err.colno}); rest of file skipped"
            problems.append(Problem(source, "invalid-json", detail, path=path))
            break
        salvaged.append((record, None, path))
        tail = RECORDS_TAIL.match(text, position)
        if tail is None:
            detail = f"expected ',' or ']}}' (character {position}); rest of file skipped"
            problems.append(
                Problem(source, "invalid-json", detail, path=f"Records[{len(salvaged)}]")
            )
            break
        if tail.group(1) != ",":
            break
        position = tail.end()
    yield ParsedBatch(salvaged)


RECORDS_TAIL = re.compile(r"\s*(,|\]\s*\}\s*$)\s*")


def lake_row_to_record(row: object) -> object:
    """A Lake result row (a list of one-key string maps) as a record, best effort.

    Lake returns every value as a string and its time format is unconfirmed
    (cloudtrail-anatomy.md §6): JSON-looking values are parsed, ``yyyy-MM-dd HH:mm:ss.SSS`` times
    become CloudTrail's ``...Z`` form, and ``"true"``/``"false"`` become booleans for the
    boolean record fields, so that patterns on them see what EventBridge would.
    """
    if not isinstance(row, list) or not all(isinstance(c, dict) for c in row):
        return row
    merged: dict[str, Any] = {}
    for cell in row:
        merged.update(cell)
    for key, value in merged.items():
        if not isinstance(value, str):
            continue
        if value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
            # Lake's struct text ({a=b, ...}) is not JSON: then the string is kept.
            with contextlib.suppress(orjson.JSONDecodeError):
                merged[key] = orjson.loads(value)
        elif key in LAKE_BOOLEANS and value in ("true", "false"):
            merged[key] = value == "true"
        elif key == "eventTime" and (m := LAKE_TIME.match(value)):
            merged[key] = f"{m.group(1)}T{m.group(2)}Z"
    return merged
