"""AWS identifiers: access key IDs, unique IDs, UUIDs, and the account encoded in new-format IDs.

Facts from research/cloudtrail-anatomy.md §4: IDs are a 4-letter prefix plus RFC 4648 base32
(``A-Z2-7``); access keys have 20 characters, unique IDs (AIDA/AROA/ACCA...) 21.  New-format IDs
(issued since about 2019) carry the owning account in bits 1-47 of the 80 bits that follow the
prefix: ``(int(body[:6 bytes]) & 0x7fffffffff80) >> 7``.  The top bit marks the new format.
Every generator here takes its randomness as integers, so callers control determinism.
"""

from __future__ import annotations

import base64
import re

B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

ACCESS_KEY_PREFIXES = frozenset({"AKIA", "ASIA"})
UNIQUE_ID_PREFIXES = frozenset({"AIDA", "AROA", "AIPA", "AGPA", "ANPA", "ANVA", "ACCA", "ASCA"})

ACCESS_KEY_RE = re.compile(r"^(AKIA|ASIA)[A-Z2-7]{16}$")
UNIQUE_ID_RE = re.compile(r"^(AIDA|AROA|AIPA|AGPA|ANPA|ANVA|ACCA|ASCA)[A-Z2-7]{17}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

_NEW_FORMAT_BIT = 1 << 79
_LOW_39 = (1 << 39) - 1


# Two base32 characters per 10 bits: a table lookup instead of base64.b32encode (hot path).
_PAIRS = tuple(a + b for a in B32_ALPHABET for b in B32_ALPHABET)


def account_head(account: str) -> tuple[str, int]:
    """The 8 characters (40 bits) an account fixes in its IDs, and the account's lowest bit."""
    number = _NEW_FORMAT_BIT | (int(account) << 39)
    head = number >> 40
    chars = _PAIRS[head >> 30 & 1023] + _PAIRS[head >> 20 & 1023] + _PAIRS[head >> 10 & 1023]
    return chars + _PAIRS[head & 1023], (int(account) & 1) << 39


def make_id(prefix: str, account: str, bits: int, length: int = 20) -> str:
    """A new-format ID for ``account``: ``prefix`` + 16 base32 characters (+1 for 21-char IDs).

    ``bits`` supplies the randomness (any non-negative int; 44 bits are used).
    """
    return make_id_from_head(prefix, account_head(account), bits, length)


def make_id_from_head(prefix: str, head: tuple[str, int], bits: int, length: int = 20) -> str:
    """:func:`make_id` with the account's :func:`account_head` computed once by the caller."""
    chars, low_bit = head
    tail = low_bit | (bits & _LOW_39)
    body = (
        chars
        + _PAIRS[tail >> 30]
        + _PAIRS[(tail >> 20) & 1023]
        + _PAIRS[(tail >> 10) & 1023]
        + _PAIRS[tail & 1023]
    )
    if length == 21:
        body += B32_ALPHABET[(bits >> 39) & 31]
    return prefix + body


def make_old_id(prefix: str, bits: int, length: int = 20) -> str:
    """An old-format ID (5th character I or J, before about 2019): no account encoded [AS][WS]."""
    chars = ["IJ"[bits & 1]]
    bits >>= 1
    for _ in range(length - 5):
        chars.append(B32_ALPHABET[bits & 31])
        bits >>= 5
    return prefix + "".join(chars)


def decode_account(identifier: str) -> str | None:
    """The 12-digit account a new-format AKIA/ASIA/AIDA/AROA... ID encodes, or None.

    None for old-format IDs (5th character I or J, issued before about 2019) and for anything that
    is not a well-formed ID.  Same formula as ``aws sts get-access-key-info`` [AS][TB].
    """
    body = identifier[4:20]
    if len(body) != 16 or not _is_base32(body):
        return None
    raw = int.from_bytes(base64.b32decode(body), "big")
    if not raw & _NEW_FORMAT_BIT:
        return None
    return f"{(raw >> 39) & ((1 << 40) - 1):012d}"


def is_new_format(identifier: str) -> bool:
    """True when the 5th character marks a new-format ID (``Q-Z2-7``); old ones use I or J."""
    return len(identifier) > 4 and identifier[4] in "QRSTUVWXYZ234567"


def _is_base32(text: str) -> bool:
    return all(ch in B32_ALPHABET for ch in text)


_UUID4_CLEAR = ~(0xF000 << 64) & ~(0xC000 << 48) & ((1 << 128) - 1)
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def uuid4_text(bits: int) -> str:
    """A lower-case RFC 4122 version-4 UUID built from 128 random bits."""
    text = "%032x" % ((bits & _UUID4_CLEAR) | _UUID4_SET)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def uuid1_text(bits: int, seconds: int) -> str:
    """A time-based (v1) UUID like IAM's requestIDs of 2018-2019 (``...-11e8-...``) [BOTS]."""
    ticks = (seconds + 12219292800) * 10_000_000 + (bits & 0xFFFFFF)
    low, mid, high = ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF, (ticks >> 48) & 0x0FFF
    clock = 0x8000 | ((bits >> 24) & 0x3FFF)
    node = (bits >> 40) & 0xFFFFFFFFFFFF
    return f"{low:08x}-{mid:04x}-{0x1000 | high:04x}-{clock:04x}-{node:012x}"


def envelope_id_text(bits: int) -> str:
    """EventBridge's event ``id``: 32 random hex digits in UUID layout, not RFC 4122 (§4, [NUV])."""
    text = f"{bits & ((1 << 128) - 1):032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def alnum_text(bits: int, length: int) -> str:
    """``length`` characters of ``[A-Za-z0-9]`` (S3 log file suffixes such as ``Mu0KsOhtH1ar15ZZ``)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    out = []
    for _ in range(length):
        bits, index = divmod(bits, 62)
        out.append(alphabet[index])
    return "".join(out)
