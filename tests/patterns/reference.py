"""A slow, plainly correct EventBridge matcher, for differential tests of the fast one.

It reads the pattern as a Python object (valid patterns only), expands ``$or`` into branches,
flattens the *whole* event into (dotted path, value, array positions) triples and tries every
combination of values by brute force.  No indexes, no closures, no shortcuts.  Number and IP
parsing reuse the engine's two leaf helpers (``comparable_number``, ``ip_hex``), which the
conformance cases pin independently.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from simulator.patterns.operators import comparable_number, ip_hex, parse_wildcard

Triple = tuple[str, Any, tuple[tuple[int, int], ...]]


def flatten_event(node: Any, prefix: str = "", member: tuple[Any, ...] = ()) -> list[Triple]:
    out: list[Triple] = []
    if isinstance(node, list):
        for position, item in enumerate(node):
            pinned = isinstance(item, (list, dict))  # scalars do not pin the index
            out += flatten_event(
                item, prefix, (*member, (id(node), position)) if pinned else member
            )
    elif isinstance(node, dict):
        for key, value in node.items():
            out += flatten_event(value, f"{prefix}.{key}" if prefix else key, member)
    elif prefix:
        out.append((prefix, node, member))
    return out


def expand(pattern: dict[str, Any], prefix: str = "") -> list[dict[str, list[Any]]]:
    branches: list[dict[str, list[Any]]] = [{}]
    for key, value in pattern.items():
        if key == "$or":
            options = [b for sub in value for b in expand(sub, prefix)]
            branches = [{**left, **right} for left in branches for right in options]
        elif isinstance(value, dict):
            subs = expand(value, f"{prefix}{key}.")
            branches = [{**left, **right} for left in branches for right in subs]
        else:
            branches = [{**b, f"{prefix}{key}": value} for b in branches]
    return branches


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _key(value: Any) -> float | None:
    return comparable_number(repr(value)) if _is_number(value) else None


def _fold(text: str) -> list[set[str]]:
    units: list[set[str]] = []
    for char in text:
        if ord(char) > 0xFFFF:
            units += [{"?"}, {"?"}]
        else:
            units.append({char.lower(), char.upper()})
    return units


def _fold_match(units: list[set[str]], value: str, whole: bool) -> bool:
    """Does ``value`` start with one spelling of ``units`` (and end there, if ``whole``)?"""
    if not units:
        return not whole or value == ""
    return any(
        value.startswith(option) and _fold_match(units[1:], value[len(option) :], whole)
        for option in units[0]
    )


def _wildcard(operand: str, value: str) -> bool:
    regex = "".join(".*" if p is None else re.escape(p) for p in parse_wildcard(operand))
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _string_op(name: str, operand: Any, value: str) -> bool:
    if isinstance(operand, dict):  # {"equals-ignore-case": x} under prefix/suffix
        inner = operand["equals-ignore-case"]
        if name == "prefix":
            return _fold_match(_fold(inner), value, whole=False)
        units = _fold(inner)
        return any(_fold_match(units, value[i:], whole=True) for i in range(len(value) + 1))
    if name == "prefix":
        return value.startswith(operand)
    if name == "suffix":
        return value.endswith(operand)
    if name == "equals-ignore-case":
        return _fold_match(_fold(operand), value, whole=True)
    return _wildcard(operand, value)


HEX = "0123456789ABCDEF"


def _walk(text: str, low: str, high: str, low_open: bool, high_open: bool) -> bool:
    """event-ruler's range trie, as described in semantics.md §5.9, written out plainly: the
    input matches once it is strictly inside the bounds at the first digit where it leaves the
    bound(s) it has followed so far, or when it reaches the last digit on a closed bound."""
    following_low, following_high = True, True
    for index in range(len(low)):
        if index >= len(text) or text[index] not in HEX:
            return False
        char = text[index]
        above_low = not following_low or char > low[index]
        below_high = not following_high or char < high[index]
        if above_low and below_high:
            return True
        following_low = following_low and char == low[index]
        following_high = following_high and char == high[index]
        if not (following_low or following_high):
            return False
    return (following_low and not low_open) or (following_high and not high_open)


def _range_text(value: Any, numbers_walk: bool) -> str | None:
    if isinstance(value, str):
        return ip_hex(value)
    if numbers_walk and _is_number(value):
        return str(value) if isinstance(value, int) else repr(value)
    return None


def _cidr(operand: str, value: Any, numbers_walk: bool) -> bool:
    import ipaddress

    text = _range_text(value, numbers_walk)
    if text is None:
        return False
    network = ipaddress.ip_network(operand, strict=False)
    width = 8 if network.version == 4 else 32
    low = f"{int(network.network_address):0{width}X}"
    high = f"{int(network.broadcast_address):0{width}X}"
    return _walk(text, low, high, False, False)


def _exact_ip(element: str, value: Any, numbers_walk: bool) -> bool:
    text = _range_text(value, numbers_walk)
    digits = ip_hex(element)
    if text is None or digits is None:
        return False
    last = HEX.index(digits[-1])
    if last == 15:
        return _walk(text, digits[:-1] + HEX[last - 1], digits, True, False)
    return _walk(text, digits, digits[:-1] + HEX[last + 1], False, True)


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, dict):
        ((name, excluded),) = operand.items()
        excluded = excluded if isinstance(excluded, list) else [excluded]
        if not isinstance(value, str):
            return True
        return not any(_string_op(name, item, value) for item in excluded)
    excluded = operand if isinstance(operand, list) else [operand]
    if isinstance(value, str):
        return value not in [item for item in excluded if isinstance(item, str)]
    if _is_number(value):
        key = _key(value)
        return key is None or key not in [_key(item) for item in excluded]
    return True


def _numeric(terms: list[Any], value: Any) -> bool:
    key = _key(value)
    if key is None:
        return False
    checks = {
        "=": key.__eq__,
        "<": key.__lt__,
        "<=": key.__le__,
        ">": key.__gt__,
        ">=": key.__ge__,
    }
    return all(checks[op](float(bound)) for op, bound in zip(terms[::2], terms[1::2], strict=True))


def element_accepts(element: Any, value: Any, numbers_walk: bool = True) -> bool:
    if isinstance(element, str):
        if ip_hex(element) is not None:
            return _exact_ip(element, value, numbers_walk)
        return isinstance(value, str) and value == element
    if element is None or isinstance(element, bool):
        return value is element
    if _is_number(element):
        if not _is_number(value):
            return False
        if _key(element) is None:  # compared by text only (semantics.md §1.4)
            return repr(value) == repr(element)
        return _key(value) is not None and _key(value) == _key(element)
    ((name, operand),) = element.items()
    if name == "exists":
        return bool(operand)
    if name == "anything-but":
        return _anything_but(operand, value)
    if name == "numeric":
        return _numeric(operand, value)
    if name == "cidr":
        return _cidr(operand, value, numbers_walk)
    if name == "exactly":
        return isinstance(value, str) and value == operand
    return isinstance(value, str) and _string_op(name, operand, value)


def _consistent(members: tuple[tuple[tuple[int, int], ...], ...]) -> bool:
    seen: dict[int, int] = {}
    for member in members:
        for array, position in member:
            if seen.setdefault(array, position) != position:
                return False
    return True


def _is_numeric_element(element: Any) -> bool:
    """Numeric patterns make a field match numbers numerically only (never by their text)."""
    if _is_number(element):
        return _key(element) is not None
    if not isinstance(element, dict):
        return False
    if "numeric" in element:
        return True
    operand = element.get("anything-but")
    operands = operand if isinstance(operand, list) else [operand]
    return "anything-but" in element and any(_is_number(item) for item in operands)


def branch_matches(
    branch: dict[str, list[Any]], triples: list[Triple], numeric_paths: set[str]
) -> bool:
    options = []
    for path, leaf in branch.items():
        present = [(v, m) for p, v, m in triples if p == path]
        absent_ok = {"exists": False} in leaf
        walk = path not in numeric_paths
        accepted = [m for v, m in present if any(element_accepts(e, v, walk) for e in leaf)]
        if not present and absent_ok:
            continue
        if not accepted:
            return False
        options.append(accepted)
    return any(_consistent(choice) for choice in itertools.product(*options))


def reference_matches(pattern: dict[str, Any], event: Any) -> bool:
    triples = flatten_event(event)
    branches = expand(pattern)
    numeric_paths = {
        path
        for branch in branches
        for path, leaf in branch.items()
        if any(_is_numeric_element(element) for element in leaf)
    }
    return any(branch_matches(branch, triples, numeric_paths) for branch in branches)
