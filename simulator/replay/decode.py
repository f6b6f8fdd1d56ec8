"""Turn the bytes of one input (file or S3 object) into framed items, cheaply.

Formats (cloudtrail-anatomy.md §6):

* CloudTrail S3 log files: gzip of one compact JSON object ``{"Records":[...]}``.  CloudTrail
  writes every record with ``eventVersion`` first, so records are framed by the separators
  ``},{"eventVersion":`` instead of parsing the document (framing.py); the framing is trusted
  only when every ``"eventVersion":`` key but the first follows a separator (else the document
  is parsed whole).  With anchors (plan.py) only the records worth parsing are sliced out.
* JSON Lines of records, of EventBridge envelopes or of lookup-events items (kept as one text;
  lines.py picks the candidate lines).
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

from simulator.replay.framing import RECORDS_HEAD, Anchors, LogDocument, frame


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
EVENT_NAME_KEY = b'"eventName":'
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
    # Lines: the text they were split from (for anchor search).  Log-file records: the whole
    # document, parsed instead when a slice turns out not to be a record (see scan.py).
    text: bytes | None = None

    def locate(self, index: int) -> tuple[int | None, str]:
        if self.label:
            return None, f"{self.label}[{self.start + index}]"
        return self.start + index, ""


@dataclass(frozen=True, slots=True)
class TextLines:
    """JSON Lines text, not split yet: line ``start`` is its first line."""

    text: bytes
    start: int = 1


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


def decode(data: bytes, source: str, anchors: Anchors | None = None) -> Decoded:
    """Frame the items of one input; never raises on bad content.

    ``anchors`` (what a record must contain to be worth parsing; None: every record is) lets a
    log file pick its candidate records while it is framed.
    """
    text, problems = decompress(data, source)
    batches: list[Batch] = []
    # text.strip() would copy a whole JSON Lines export for its trailing newline: bounds only.
    first, last = content_bounds(text)
    if text.startswith(RECORDS_HEAD, first) and text.endswith(b"}]}", first, last):
        body = text[first:last] if last - first != len(text) else text
        framed = frame(body, anchors)
        if framed is not None:
            return Decoded([framed], problems, len(text))
    if first == last:
        if not problems:
            problems.append(Problem(source, "unknown-format", "empty input"))
    elif _looks_like_jsonl(text, first, last, source):
        batches.append(TextLines(text))
    else:
        batches.extend(decode_document(text[first:last], source, problems))
    return Decoded(batches, problems, len(text))


_WHITESPACE = frozenset(b" \t\n\r\x0b\x0c")  # what bytes.strip() removes


def content_bounds(text: bytes) -> tuple[int, int]:
    """``(first, last)`` such that ``text[first:last] == text.strip()``, without copying."""
    first, last = 0, len(text)
    while first < last and text[first] in _WHITESPACE:
        first += 1
        if first == 64:  # a long run: let C do it
            first = last - len(text[first:].lstrip())
            break
    while last > first and text[last - 1] in _WHITESPACE:
        last -= 1
        if len(text) - last == 64:
            last = first + len(text[first:last].rstrip())
            break
    return first, last


Batch = RawBatch | ParsedBatch | LogDocument | TextLines


def _looks_like_jsonl(text: bytes, first: int, last: int, source: str) -> bool:
    """``text[first:last]`` is its content (stripped)."""
    if source.lower().endswith(JSONL_SUFFIXES):
        return True
    newline = text.find(b"\n", first, last)
    if newline == -1 or newline + 1 >= last:
        return False  # one line: a document (possibly a compact log file or export)
    try:
        orjson.loads(text[first:newline])
    except orjson.JSONDecodeError:
        return False
    return True


def decode_document(body: bytes, source: str, problems: list[Problem]) -> Iterator[Batch]:
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
