"""One small class per kind of pattern element; each decides for one event value.

All work that does not depend on the event (lower-casing, number parsing, CIDR ranges, wildcard
regexes) happens in the constructor.  ``accepts(value)`` gets one JSON scalar from the event
(``str``, ``int``, ``float``, ``bool`` or ``None``; arrays were already unrolled by the matcher)
and never raises.  Facts below cite semantics.md sections (§) and AWS-recorded case names.

Types never cross (§1.4, §5.4, §5.5): string operators see only ``str``; numeric ones only JSON
numbers (``bool`` is excluded although Python calls it an int); ``null`` only matches ``[null]``,
``exists`` and ``anything-but``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from simulator.patterns.iprange import HEX_DIGITS as HEX_DIGITS
from simulator.patterns.iprange import IPV4_SHAPE as IPV4_SHAPE
from simulator.patterns.iprange import IPV6_SHAPE as IPV6_SHAPE
from simulator.patterns.iprange import IpParseError as IpParseError
from simulator.patterns.iprange import ip_bytes as ip_bytes
from simulator.patterns.iprange import ip_hex as ip_hex
from simulator.patterns.iprange import range_walk as range_walk
from simulator.patterns.textmatch import IgnoreCase as IgnoreCase
from simulator.patterns.textmatch import WildcardSyntaxError as WildcardSyntaxError
from simulator.patterns.textmatch import parse_wildcard as parse_wildcard
from simulator.patterns.textmatch import wildcard_regex as wildcard_regex

# -- numbers (§1.4, §5.7) ----------------------------------------------------------------------


class NumberText(float):
    """A float parsed from JSON text that remembers that text (event-ruler compares some by text)."""

    text: str
    key: float | None

    def __new__(cls, text: str) -> NumberText:
        value = super().__new__(cls, float(text))
        value.text = text
        value.key = comparable_number(text)
        return value


def comparable_number(text: str) -> float | None:
    """event-ruler's ``ComparableNumber.generate``: the double, if the text survives the round trip.

    ``37.807807921694092``, ``12345678901234567890`` and ``1e400`` do not (their double's shortest
    decimal differs), so they are compared by text only.
    """
    try:
        exact = Decimal(text)
        value = float(exact)
    except (InvalidOperation, ValueError, OverflowError):
        return None
    if not math.isfinite(value) or Decimal(repr(value)) != exact:
        return None
    return value + 0.0  # -0.0 and 0 compare equal as floats anyway


def number_key(value: object) -> float | None:
    """The comparable double of an event number, or None (not a number, or not representable)."""
    kind = type(value)
    if kind is int:
        try:
            as_float = float(value)  # type: ignore[arg-type]
        except OverflowError:
            return None
        return as_float if int(as_float) == value else None
    if kind is float:
        number: float = value  # type: ignore[assignment]
        return number if math.isfinite(number) else None
    if kind is NumberText:
        return value.key  # type: ignore[attr-defined, no-any-return]
    return None


def number_text(value: object) -> str | None:
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is NumberText:
        return value.text  # type: ignore[attr-defined, no-any-return]
    if kind is float:
        return repr(value)
    return None


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- elements ---------------------------------------------------------------------------------


class Element:
    """One element of a leaf array: ``accepts(value)`` for one event scalar."""

    __slots__ = ("canonical", "operator")
    operator: str
    canonical: str

    def accepts(self, value: object) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def expected(self) -> Any:
        return json.loads(self.canonical)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.canonical})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.canonical == self.canonical

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.canonical))


class ExactString(Element):
    __slots__ = ("value",)

    def __init__(self, value: str, operator: str = "equals") -> None:
        self.value, self.operator = value, operator
        self.canonical = dumps(value) if operator == "equals" else dumps({"exactly": value})

    def accepts(self, value: object) -> bool:
        return type(value) is str and value == self.value


class _RangeElement(Element):
    """A hex-digit range (CIDR block or IP literal), walked as event-ruler walks it."""

    __slots__ = ("high", "high_open", "low", "low_open", "walk_numbers")
    low: str
    high: str
    low_open: bool
    high_open: bool
    walk_numbers: bool

    def accepts(self, value: object) -> bool:
        kind = type(value)
        if kind is str:
            digits = ip_hex(value)  # type: ignore[arg-type]
            return digits is not None and range_walk(
                digits, self.low, self.high, self.low_open, self.high_open
            )
        if self.walk_numbers and kind is not bool:
            text = number_text(value)
            return text is not None and range_walk(
                text, self.low, self.high, self.low_open, self.high_open
            )
        return False


class ExactIp(_RangeElement):
    """An IP-shaped exact string, compiled by event-ruler as a one-address range (§2.9,
    ``CIDR.ipToRangeIfPossible``): [address, address + 1) or (address - 1, address]."""

    __slots__ = ("value",)

    def __init__(self, value: str, hex_digits: str) -> None:
        self.value, self.operator = value, "equals"
        self.canonical = dumps(value)
        self.walk_numbers = True
        last = hex_digits[-1]
        if last == "F":
            self.low, self.low_open = hex_digits[:-1] + "E", True
            self.high, self.high_open = hex_digits, False
        else:
            bumped = HEX_DIGITS[HEX_DIGITS.index(last) + 1]
            self.low, self.low_open = hex_digits, False
            self.high, self.high_open = hex_digits[:-1] + bumped, True


class ExactNumber(Element):
    __slots__ = ("key", "text")

    def __init__(self, text: str) -> None:
        self.text, self.key, self.operator = text, comparable_number(text), "equals"
        self.canonical = text

    def accepts(self, value: object) -> bool:
        if self.key is not None:
            return number_key(value) == self.key if type(value) is not bool else False
        return type(value) is not bool and number_text(value) == self.text


class ExactKeyword(Element):
    __slots__ = ("value",)

    def __init__(self, value: bool | None) -> None:
        self.value, self.operator = value, "equals"
        self.canonical = dumps(value)

    def accepts(self, value: object) -> bool:
        return value is self.value


class StringTest(Element):
    """prefix, suffix, equals-ignore-case (and their combinations) and wildcard on strings."""

    __slots__ = ("_test", "operand")

    def __init__(self, operator: str, operand: str, canonical: object) -> None:
        self.operator, self.operand = operator, operand
        self.canonical = dumps(canonical)
        self._test = string_test(operator, operand)

    def accepts(self, value: object) -> bool:
        return type(value) is str and self._test(value)


def string_test(operator: str, operand: str) -> Callable[[str], bool]:
    if operator == "prefix":
        return lambda value: value.startswith(operand)
    if operator == "suffix":
        return lambda value: value.endswith(operand)
    if operator == "wildcard":
        return wildcard_regex(parse_wildcard(operand)).match  # type: ignore[return-value]
    mode = {
        "equals-ignore-case": "equals",
        "prefix-equals-ignore-case": "prefix",
        "suffix-equals-ignore-case": "suffix",
    }[operator]
    return IgnoreCase(operand, mode).test


class NumericRange(Element):
    __slots__ = ("high", "high_open", "low", "low_open")

    def __init__(self, terms: list[tuple[str, str]]) -> None:
        self.operator = "numeric"
        self.low, self.low_open = -math.inf, True
        self.high, self.high_open = math.inf, True
        for op, text in terms:
            number = comparable_number(text)
            assert number is not None
            if op == "=":
                self.low = self.high = number
                self.low_open = self.high_open = False
            elif op in (">", ">="):
                self.low, self.low_open = number, op == ">"
            else:
                self.high, self.high_open = number, op == "<"
        flat: list[str] = []
        for op, text in terms:
            flat += [dumps(op), text]
        self.canonical = '{"numeric":[' + ",".join(flat) + "]}"

    def accepts(self, value: object) -> bool:
        if type(value) is bool:
            return False
        key = number_key(value)
        if key is None:
            return False
        if key < self.low or (self.low_open and key == self.low):
            return False
        return not (key > self.high or (self.high_open and key == self.high))


class CidrRange(_RangeElement):
    __slots__ = ()

    def __init__(self, operand: str, low: str, high: str) -> None:
        self.operator, self.low, self.high = "cidr", low, high
        self.low_open = self.high_open = False
        self.walk_numbers = True
        self.canonical = dumps({"cidr": operand})


class Exists(Element):
    """``exists: true`` accepts any scalar, null included; ``false`` is decided per field (§2.8)."""

    __slots__ = ("present",)

    def __init__(self, present: bool) -> None:
        self.operator, self.present = "exists", present
        self.canonical = dumps({"exists": present})

    def accepts(self, value: object) -> bool:
        return self.present


class AnythingBut(Element):
    """anything-but in all forms: accepts a value unless one of the exclusions covers it (§2.6).

    A value of another type than the exclusions is never excluded; ``null`` never is.
    """

    __slots__ = ("_tests", "kind", "numbers", "strings")

    def __init__(self, kind: str, values: list[str], numbers: list[str] | None = None) -> None:
        self.operator, self.kind = "anything-but", kind
        self.strings = frozenset(values)
        self.numbers = frozenset(
            key for key in (comparable_number(text) for text in numbers or []) if key is not None
        )
        self._tests = (
            [] if kind == "plain" else [string_test(kind, value) for value in sorted(self.strings)]
        )
        self.canonical = _anything_but_canonical(kind, values, numbers)

    def accepts(self, value: object) -> bool:
        if type(value) is str:
            if self.kind == "plain":
                return value not in self.strings
            return not any(test(value) for test in self._tests)
        if self.numbers and type(value) is not bool:
            key = number_key(value)
            return key is None or key not in self.numbers
        return True


def _anything_but_canonical(kind: str, values: list[str], numbers: list[str] | None) -> str:
    if numbers:
        inner = "[" + ",".join(sorted(set(numbers), key=_number_sort_key)) + "]"
    else:
        inner = dumps(sorted(set(values)))
    if kind != "plain":
        inner = "{" + dumps(kind) + ":" + inner + "}"
    return '{"anything-but":' + inner + "}"


def _number_sort_key(text: str) -> tuple[float, str]:
    key = comparable_number(text)
    return (key if key is not None else math.inf, text)
