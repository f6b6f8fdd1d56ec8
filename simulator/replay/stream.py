"""Large inputs read in blocks, so that one big JSON Lines export needs bounded memory.

CloudTrail's own log files are small (one per region every ~5 minutes) and are read whole.  An
input larger than WHOLE_LIMIT (a JSON Lines export of months of events, gzipped or not, on disk
or in S3) is inflated and split into lines BLOCK bytes at a time instead.  A large input that is
not JSON Lines (one huge JSON document) has no record boundaries to stream on: it is read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import orjson

from simulator.patterns.prefilter import count_newlines
from simulator.replay.decode import GZIP_MAGIC, INFLATE, INFLATE_ERRORS, JSONL_SUFFIXES, Problem

WHOLE_LIMIT = 64 * 1024 * 1024  # inputs up to this size are read in one piece
BLOCK = 8 * 1024 * 1024  # text per block (and compressed bytes per read)


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def text_blocks(stream: Readable, source: str, problems: list[Problem]) -> Iterator[bytes]:
    """The input's text (gunzipped if it is gzip) in blocks of at most about BLOCK bytes."""
    head = stream.read(BLOCK)
    if not head.startswith(GZIP_MAGIC):
        while head:
            yield head
            head = stream.read(BLOCK)
        return
    inflater: Any = INFLATE.decompressobj(wbits=31)
    pending = head
    try:
        while pending:
            # max_length bounds each block even for data that inflates 1000:1.
            yield inflater.decompress(pending, BLOCK)
            pending = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data:  # another gzip member follows
                pending, inflater = inflater.unused_data, INFLATE.decompressobj(wbits=31)
            if not pending:
                pending = stream.read(BLOCK)
    except INFLATE_ERRORS as err:
        problems.append(Problem(source, "bad-gzip", str(err)))
        return
    if not inflater.eof:
        problems.append(Problem(source, "truncated-gzip", "stream ends early"))


def line_blocks(blocks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(first line number, text of whole lines)``, however the blocks cut them."""
    carry, line = b"", 1
    for block in blocks:
        data = carry + block if carry else block
        cut = data.rfind(b"\n")
        if cut == -1:
            carry = data  # one line longer than a block: keep gathering
            continue
        yield line, data[:cut]
        line += count_newlines(data, 0, cut) + 1
        carry = data[cut + 1 :]
    if carry:
        yield line, carry


def looks_like_lines(first_block: bytes, source: str) -> bool:
    """Whether a large input is JSON Lines (its name says so, or its first line is a value)."""
    if source.lower().endswith(JSONL_SUFFIXES):
        return True
    first = first_block.lstrip().split(b"\n", 1)[0]
    if first.startswith(b'{"Records"'):
        return False
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True
