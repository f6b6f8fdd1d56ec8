"""The anything-but operator's grammar and messages (semantics.md §2.6).

Follows event-ruler ``processMatchExpression`` (anything-but branch),
``processAnythingButListMatchExpression``, ``processAnythingButValuesSetMatchExpression`` and their
single-value twins.  Two AWS quirks are reproduced on purpose:

* an error raised while reading an anything-but *list* is caught and re-thrown by event-ruler, so
  AWS prints the location line twice (recorded ``content_anything_but_string_list_null_type_EXC``,
  ``content_anything_prefix_list_type_EXC`` …);
* a single non-representable number (``{"anything-but": 1e400}``) escapes as a plain
  IllegalArgumentException, so its message has no location line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.patterns import operators as ops
from simulator.patterns.jsonparse import NUMERIC_TOKENS, JsonSyntaxError, Tok

if TYPE_CHECKING:
    from simulator.patterns.compiler import _Compiler

_KINDS = ("equals-ignore-case", "prefix", "suffix", "wildcard")
_VALUE_TOKENS = frozenset({Tok.START_ARRAY, Tok.STRING, *NUMERIC_TOKENS})
_TOO_MANY = "Too many elements in numeric expression"  # sic, event-ruler's text


def _type_message(kind: str) -> str:
    if kind == "equals-ignore-case":
        return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    if kind == "wildcard":
        return "wildcard match pattern must be a string"
    return "prefix/suffix match pattern must be a string"


def parse_anything_but(compiler: _Compiler) -> ops.Element:
    lex = compiler.lex
    kind = "plain"
    token = lex.next_token()
    if token is Tok.START_OBJECT:
        if lex.next_token() is not Tok.FIELD_NAME:
            raise compiler.barf("Anything-But expression name not found")
        if lex.name not in _KINDS:
            raise compiler.barf(f"Unsupported anything-but pattern: {lex.name}")
        kind = lex.name
        token = lex.next_token()
    if token not in _VALUE_TOKENS:
        raise compiler.barf("Value of anything-but must be an array or single string/number value.")
    if kind == "plain":
        element = _plain_list(compiler) if token is Tok.START_ARRAY else _plain_single(compiler)
    elif token is Tok.START_ARRAY:
        element = _values_set_list(compiler, kind)
    else:
        element = _values_set_single(compiler, kind, token)
    compiler.expect_end(_TOO_MANY)
    if kind != "plain":
        compiler.expect_end(_TOO_MANY)
    return element


def _plain_single(compiler: _Compiler) -> ops.Element:
    lex = compiler.lex
    text = lex.text()
    if lex.token is Tok.STRING:
        return ops.AnythingBut("plain", [text])
    if ops.comparable_number(text) is None:
        from simulator.patterns.compiler import _Barf

        raise _Barf(f"Cannot compare number : {text}", None)
    return ops.AnythingBut("plain", [], [text])


def _in_list_loop(compiler: _Compiler, read: object) -> None:
    """Run ``read`` the way event-ruler's try/catch does: IOExceptions come back doubled."""
    from simulator.patterns.compiler import _Barf

    try:
        read()  # type: ignore[operator]
    except _Barf as barf:
        if barf.offset is None:  # IllegalArgumentException: re-barfed once, with a location
            raise compiler.barf(barf.reason) from None
        raise _Barf(barf.reason, barf.offset, compiler.lex.pos) from None
    except JsonSyntaxError as error:
        raise _Barf(error.reason, error.offset, compiler.lex.pos) from None


def _plain_list(compiler: _Compiler) -> ops.Element:
    from simulator.patterns.compiler import _Barf

    lex = compiler.lex
    strings: list[str] = []
    numbers: list[str] = []

    def read() -> None:
        while (token := lex.next_token()) is not Tok.END_ARRAY:
            if token is Tok.STRING:
                strings.append(lex.text())
            elif token in NUMERIC_TOKENS:
                text = lex.text()
                if ops.comparable_number(text) is None:
                    raise _Barf(f"Cannot compare number : {text}", None)
                numbers.append(text)
            else:
                raise compiler.barf(
                    "Inside anything but list, start|null|boolean is not supported."
                )

    _in_list_loop(compiler, read)
    if bool(strings) == bool(numbers):
        raise compiler.barf(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported"
        )
    return ops.AnythingBut("plain", strings, numbers)


def _values_set_list(compiler: _Compiler, kind: str) -> ops.Element:
    lex = compiler.lex
    values: list[str] = []

    def read() -> None:
        while (token := lex.next_token()) is not Tok.END_ARRAY:
            if token is not Tok.STRING:
                raise compiler.barf(_type_message(kind))
            text = lex.text()
            if kind in ("prefix", "suffix") and not text:
                raise compiler.barf("Null prefix/suffix not allowed")
            values.append(text)

    _in_list_loop(compiler, read)
    if kind == "wildcard":
        for value in values:
            compiler.check_wildcard(value)
    return ops.AnythingBut(kind, values)


def _values_set_single(compiler: _Compiler, kind: str, token: Tok | None) -> ops.Element:
    lex = compiler.lex
    if token is not Tok.STRING:
        raise compiler.barf(_type_message(kind))
    text = lex.text()
    if kind in ("prefix", "suffix") and not text:
        raise compiler.barf("Null prefix/suffix not allowed")
    if kind == "wildcard":
        compiler.check_wildcard(text)
    return ops.AnythingBut(kind, [text])
