"""IP literals and hex-digit ranges, as event-ruler's ``CIDR`` and range machine treat them."""

from __future__ import annotations

import ipaddress
import re

# -- IP addresses (§2.9) ------------------------------------------------------------------------

IPV4_SHAPE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
IPV6_SHAPE = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


class IpParseError(ValueError):
    pass


def ip_bytes(text: str) -> bytes:
    """event-ruler's ``CIDR.ipToBytes`` (Java ``InetAddress``), not Python's ``ipaddress`` rules.

    IPv4 octets may have leading zeros (``010.000.000.005``); an IPv4-mapped IPv6 address becomes
    its 4-byte IPv4 address, as Java does.
    """
    if IPV4_SHAPE.fullmatch(text):
        octets = [int(part) for part in text.split(".")]
        if any(octet > 255 for octet in octets):
            raise IpParseError(f"Invalid IP address: {text}")
        return bytes(octets)
    if IPV6_SHAPE.fullmatch(text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            raise IpParseError(f"Invalid IP address: {text}") from None
        mapped = address.ipv4_mapped
        return mapped.packed if mapped is not None else address.packed
    raise IpParseError(f"Nonstandard IP address: {text}")


def ip_hex(text: str) -> str | None:
    """Upper-case hex digits of an IP literal, or None when the string is not one."""
    if not (IPV4_SHAPE.fullmatch(text) or IPV6_SHAPE.fullmatch(text)):
        return None
    try:
        return ip_bytes(text).hex().upper()
    except IpParseError:
        return None


HEX_DIGITS = "0123456789ABCDEF"


def range_walk(
    text: str, low: str, high: str, low_open: bool = False, high_open: bool = False
) -> bool:
    """Walk ``text`` through event-ruler's range machine for [low, high] (hex digits, §2.9, §5.9).

    event-ruler stores a CIDR as a trie of hex digits and reports a match as soon as the input
    leaves the bounds' common path strictly inside them, or reaches the last digit of a closed
    bound.  So an IPv4 address (8 digits) can fall inside an IPv6 block (``::/0``), and the
    unquoted text of a JSON number (``300``) can too when the field has no numeric pattern
    (measured with event-ruler 2.0.1).  Input shorter than the bounds never matches.
    """
    on_low = on_high = True
    last = len(low) - 1
    for index, char in enumerate(text):
        if index > last or char not in HEX_DIGITS:
            return False
        bottom, top = low[index], high[index]
        if on_low and on_high and bottom < char < top:
            return True
        if (on_low and not on_high and char > bottom) or (on_high and not on_low and char < top):
            return True
        on_low = on_low and char == bottom
        on_high = on_high and char == top
        if not (on_low or on_high):
            return False
        if index == last:
            return (on_low and not low_open) or (on_high and not high_open)
    return False
