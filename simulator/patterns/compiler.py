"""Validate and compile an event pattern in one streaming pass, as EventBridge does.

The walk follows aws/event-ruler ``JsonRuleCompiler`` (``parseObject``, ``parseIntoOrRelationship``,
``writeRules``, ``processMatchExpression`` …): the first problem in document order wins, later
syntax errors are never seen, text after the closing ``}`` is ignored (semantics.md §3.1, §5.11),
and duplicate keys resolve per flattened path, last one wins (§1.7, recorded
``test_event_pattern_with_multi_key``).  Every message is AWS's text; positions are the parser's
consumed offset, including the doubled location line that AWS prints for errors raised inside an
anything-but list (§3.1).

The result is a list of *branches* (one per ``$or`` combination), each a mapping from a dotted
path to a leaf (a tuple of elements, any of which may match).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulator.patterns import operators as ops
from simulator.patterns.jsonparse import NUMERIC_TOKENS, JsonSyntaxError, Lexer, Tok
from simulator.patterns.limits import MAX_OR_COMBINATIONS, TOO_MANY_COMBINATIONS

Leaf = tuple[ops.Element, ...]
Branch = dict[str, Leaf]

RESERVED_IN_OR = frozenset(
    [
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    ]
)
ANYTHING_BUT_KINDS = {
    "equals-ignore-case": "equals-ignore-case",
    "prefix": "prefix",
    "suffix": "suffix",
    "wildcard": "wildcard",
}


@dataclass
class CompileFailure(Exception):
    """A rejection: AWS's reason, where in the pattern, and how AWS prints the location."""

    reason: str
    path: str
    offset: int | None  # None: AWS prints no location line (CIDR, complexity)
    # Raised inside an anything-but list loop, AWS prints a second location line, here.
    outer_offset: int | None = None


class _Barf(Exception):
    def __init__(self, reason: str, offset: int | None, outer: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.offset, self.outer = reason, offset, outer


def compile_text(text: str) -> list[Branch]:
    """Compile pattern text to branches, raising CompileFailure with AWS's reason and position."""
    compiler = _Compiler(text)
    try:
        return compiler.run()
    except _Barf as barf:
        raise CompileFailure(barf.reason, compiler.json_path(), barf.offset, barf.outer) from None
    except JsonSyntaxError as error:
        raise CompileFailure(error.reason, compiler.json_path(), error.offset) from None
    except RecursionError:
        # Unreachable within AWS's 4096 characters; only a raised max_length gets here.
        raise CompileFailure("pattern nests too deeply", compiler.json_path(), None) from None


class _Compiler:
    def __init__(self, text: str) -> None:
        self.lex = Lexer(text)
        self.steps: list[str] = []  # JSON path of where we are, for error reports
        self.too_many_combinations = False

    def json_path(self) -> str:
        out = ""
        for step in self.steps:
            out += step if step.startswith("[") else (("." if out else "") + step)
        return out

    def barf(self, reason: str) -> _Barf:
        return _Barf(reason, self.lex.pos)

    def run(self) -> list[Branch]:
        if self.lex.next_token() is not Tok.START_OBJECT:
            raise self.barf("Filter is not an object")
        rules: list[Branch] = []
        self.parse_object(rules, [], inside_or=False)
        if self.too_many_combinations:
            raise _Barf(TOO_MANY_COMBINATIONS, None)
        return rules or [{}]

    # -- objects and $or ---------------------------------------------------------------------------
    def parse_object(self, rules: list[Branch], path: list[str], inside_or: bool) -> None:
        fields_present = False
        while self.lex.next_token() is not Tok.END_OBJECT:
            fields_present = True
            name = self.lex.name
            self.steps.append(name)
            if name == "$or":
                self.parse_or(rules, path)
                self.steps.pop()
                continue
            if inside_or and name in RESERVED_IN_OR:
                raise self.barf(
                    f"{name} is Ruler reserved fieldName which cannot be used inside $or."
                )
            token = self.lex.next_token()
            if token is Tok.START_OBJECT:
                self.parse_object(rules, [*path, name], inside_or)
            elif token is Tok.START_ARRAY:
                self.write_rules(rules, ".".join([*path, name]))
            else:
                raise self.barf(f'"{name}" must be an object or an array')
            self.steps.pop()
        if not fields_present:
            raise self.barf("Empty objects are not allowed")

    def parse_or(self, rules: list[Branch], path: list[str]) -> None:
        current = [dict(rule) for rule in rules]
        rules.clear()
        if self.lex.next_token() is not Tok.START_ARRAY:
            raise self.barf("It must be an Array followed with $or.")
        count = 0
        while (token := self.lex.next_token()) is not Tok.END_ARRAY:
            self.steps.append(f"[{count}]")
            count += 1
            if token is not Tok.START_OBJECT:
                raise self.barf("Only JSON object is allowed in array of $or relationship.")
            branch_rules = [dict(rule) for rule in current] or [{}]
            self.parse_object(branch_rules, path, inside_or=True)
            rules.extend(branch_rules)
            if len(rules) > MAX_OR_COMBINATIONS:
                # Past AWS's limit the pattern is rejected anyway; keep validating the text
                # without multiplying branches further.
                self.too_many_combinations = True
                del rules[MAX_OR_COMBINATIONS + 1 :]
            self.steps.pop()
        if count < 2:
            raise self.barf("There must have at least 2 Objects in $or relationship.")

    # -- leaves ---------------------------------------------------------------------------------------
    def write_rules(self, rules: list[Branch], name: str) -> None:
        values: list[ops.Element] = []
        index = 0
        while (token := self.lex.next_token()) is not Tok.END_ARRAY:
            self.steps.append(f"[{index}]")
            index += 1
            values.append(self.leaf_value(token))
            self.steps.pop()
        if not values:
            raise self.barf("Empty arrays are not allowed")
        if not rules:
            rules.append({})
        leaf = tuple(values)
        for rule in rules:
            rule[name] = leaf

    def leaf_value(self, token: Tok | None) -> ops.Element:
        lex = self.lex
        if token is Tok.START_OBJECT:
            return self.match_expression()
        if token is Tok.STRING:
            text = lex.text()
            digits = ops.ip_hex(text)
            return ops.ExactIp(text, digits) if digits is not None else ops.ExactString(text)
        if token in NUMERIC_TOKENS:
            return ops.ExactNumber(lex.text())
        if token in (Tok.TRUE, Tok.FALSE, Tok.NULL):
            return ops.ExactKeyword({Tok.TRUE: True, Tok.FALSE: False}.get(token))
        raise self.barf("Match value must be String, number, true, false, or null")

    def expect_end(self, message: str = "Only one key allowed in match expression") -> None:
        if self.lex.next_token() is not Tok.END_OBJECT:
            raise self.barf(message)

    def match_expression(self) -> ops.Element:
        lex = self.lex
        if lex.next_token() is not Tok.FIELD_NAME:
            raise self.barf("Match expression name not found")
        kind = lex.name
        self.steps.append(kind)
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise self.barf(f"Unrecognized match type {kind}")
        element: ops.Element = handler(self)
        self.steps.pop()
        return element

    def string_operand(self, message: str) -> str:
        if self.lex.next_token() is not Tok.STRING:
            raise self.barf(message)
        return self.lex.text()

    def op_exactly(self) -> ops.Element:
        value = self.string_operand("exact match pattern must be a string")
        self.expect_end()
        return ops.ExactString(value, operator="exactly")

    def op_prefix_or_suffix(self, kind: str) -> ops.Element:
        token = self.lex.next_token()
        if token is Tok.START_OBJECT:
            return self.ignore_case_affix(kind)
        if token is not Tok.STRING:
            raise self.barf(f"{kind} match pattern must be a string")
        value = self.lex.text()
        self.expect_end()
        return ops.StringTest(kind, value, {kind: value})

    def ignore_case_affix(self, kind: str) -> ops.Element:
        lex, title = self.lex, kind.capitalize()
        if lex.next_token() is not Tok.FIELD_NAME:
            raise self.barf(f"{title} expression name not found")
        if lex.name != "equals-ignore-case":
            raise self.barf(f"Unsupported {kind} pattern: {lex.name}")
        value = self.string_operand("equals-ignore-case match pattern must be a string")
        self.expect_end()
        self.expect_end()
        canonical = {kind: {"equals-ignore-case": value}}
        return ops.StringTest(f"{kind}-equals-ignore-case", value, canonical)

    def op_equals_ignore_case(self) -> ops.Element:
        value = self.string_operand("equals-ignore-case match pattern must be a string")
        self.expect_end()
        return ops.StringTest("equals-ignore-case", value, {"equals-ignore-case": value})

    def op_wildcard(self) -> ops.Element:
        value = self.string_operand("wildcard match pattern must be a string")
        self.check_wildcard(value)
        self.expect_end()
        return ops.StringTest("wildcard", value, {"wildcard": value})

    def check_wildcard(self, value: str) -> None:
        try:
            ops.parse_wildcard(value)
        except ops.WildcardSyntaxError as error:
            raise self.barf(str(error)) from None

    def op_exists(self) -> ops.Element:
        token = self.lex.next_token()
        if token not in (Tok.TRUE, Tok.FALSE):
            raise self.barf("exists match pattern must be either true or false.")
        self.expect_end()
        return ops.Exists(token is Tok.TRUE)

    def op_cidr(self) -> ops.Element:
        # sic: event-ruler reuses the prefix message (recorded content_ip_address_type_EXC)
        value = self.string_operand("prefix match pattern must be a string")
        low, high = cidr_range(value)
        self.expect_end()
        return ops.CidrRange(value, low, high)

    def op_numeric(self) -> ops.Element:
        if self.lex.next_token() is not Tok.START_ARRAY:
            raise self.barf("Value of numeric must be an array.")
        element = self.numeric_terms()
        self.expect_end("Too many elements in numeric expression")
        return element

    def op_anything_but(self) -> ops.Element:
        from simulator.patterns.anything_but import parse_anything_but

        return parse_anything_but(self)

    # -- numeric ----------------------------------------------------------------------------------------
    def numeric_terms(self) -> ops.Element:
        lex = self.lex
        token = lex.next_token()
        if token is not Tok.STRING:
            raise self.barf(f"Invalid member in numeric match: {lex.text()}")
        operator = lex.text()
        if operator not in ("=", ">=", ">", "<=", "<"):
            lex.next_token()
            raise self.barf(f"Unrecognized numeric range operator: {operator}")
        name = "equals" if operator == "=" else operator
        if lex.next_token() not in NUMERIC_TOKENS:
            raise self.barf(f"Value of {name} must be numeric")
        terms = [(operator, lex.text())]
        token = lex.next_token()
        if token is not Tok.END_ARRAY:
            if operator not in (">", ">="):
                raise self.barf("Too many elements in numeric expression")
            terms.append(self.upper_bound(token))
        self.check_numbers(terms)
        return ops.NumericRange(terms)

    def upper_bound(self, token: Tok | None) -> tuple[str, str]:
        lex = self.lex
        if token is not Tok.STRING:
            raise self.barf(f"Bad value in numeric range: {lex.text()}")
        operator = lex.text()
        if operator not in ("<", "<="):
            raise self.barf(f"Bad numeric range operator: {operator}")
        if lex.next_token() not in NUMERIC_TOKENS:
            raise self.barf(f"Value of {operator} must be numeric")
        top = lex.text()
        if lex.next_token() is not Tok.END_ARRAY:
            raise self.barf("Too many terms in numeric range expression")
        return (operator, top)

    def check_numbers(self, terms: list[tuple[str, str]]) -> None:
        keys = []
        for _, text in terms:
            key = ops.comparable_number(text)
            if key is None:
                raise self.barf(f"Cannot compare number : {text}")
            keys.append(key)
        if len(keys) == 2 and not keys[0] < keys[1]:
            raise self.barf("Bottom must be less than top")


_HANDLERS: dict[str, Callable[[_Compiler], ops.Element]] = {
    "exactly": _Compiler.op_exactly,
    "prefix": lambda self: self.op_prefix_or_suffix("prefix"),
    "suffix": lambda self: self.op_prefix_or_suffix("suffix"),
    "numeric": _Compiler.op_numeric,
    "anything-but": _Compiler.op_anything_but,
    "exists": _Compiler.op_exists,
    "cidr": _Compiler.op_cidr,
    "equals-ignore-case": _Compiler.op_equals_ignore_case,
    "wildcard": _Compiler.op_wildcard,
}


def cidr_range(text: str) -> tuple[str, str]:
    """event-ruler ``CIDR.cidr``; its errors carry no location line (§2.9)."""
    parts = _java_split(text, "/")
    if len(parts) != 2:
        raise _Barf("Malformed CIDR, one '/' required", None)
    try:
        bits = _java_parse_int(parts[1])
    except ValueError:
        raise _Barf("Malformed CIDR, mask bits must be an integer", None) from None
    if bits < 0:
        raise _Barf("Malformed CIDR, mask bits must not be negative", None)
    try:
        address = ops.ip_bytes(parts[0])
    except ops.IpParseError as error:
        raise _Barf(str(error), None) from None
    width = len(address) * 8
    if bits > width - 1:
        raise _Barf(f"IPv{4 if width == 32 else 6} mask bits must be < {width}", None)
    number = int.from_bytes(address, "big")
    host = (1 << (width - bits)) - 1
    low, high = number & ~host, number | host
    digits = len(address) * 2
    return f"{low:0{digits}X}", f"{high:0{digits}X}"


def _java_split(text: str, sep: str) -> list[str]:
    """Java ``String.split``: trailing empty strings are dropped."""
    parts = text.split(sep)
    while parts and parts[-1] == "":
        parts.pop()
    return parts or [""] if text == "" else parts


def _java_parse_int(text: str) -> int:
    """Java ``Integer.parseInt``: optional sign, ASCII digits, 32-bit range."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not all("0" <= ch <= "9" for ch in body):
        raise ValueError(text)
    value = int(text)
    if not -(2**31) <= value < 2**31:
        raise ValueError(text)
    return value
