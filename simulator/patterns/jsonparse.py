"""A streaming JSON tokenizer that consumes text the way EventBridge's parser (Jackson) does.

EventBridge validates a pattern in one streaming pass (aws/event-ruler ``JsonRuleCompiler`` over a
Jackson ``JsonParser``), and every rejection reports ``parser.getCurrentLocation()``: the position
just after what the parser has consumed so far.  To give AWS's line and column we must consume
exactly as Jackson does (semantics.md §3.1):

* a string token is consumed only up to its opening quote until its text is read (``text()``);
* reading a field name also consumes the ``:`` and the first token of its value (a whole number
  or literal, or the opening ``"``, ``[`` or ``{``) - Jackson's one-token look-ahead;
* for "Unexpected character" errors AWS points *at* the bad character (recorded
  ``test_invalid_json_event_pattern[{'bad': 'quotation'}]``: column 2, where Jackson 2.14 says 3).

Columns are counted in UTF-16 units (Java strings), lines start after ``\\n``, ``\\r`` or ``\\r\\n``.
Error texts are Jackson's (semantics.md §3.4); the unrecorded ones are marked there as likely.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# Jackson echoes at most this many characters of the source in a location line.
MAX_SOURCE_ECHO = 500
_VALID_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"


class Tok(enum.Enum):
    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "field"
    STRING = "string"
    NUMBER_INT = "int"
    NUMBER_FLOAT = "float"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"


NUMERIC_TOKENS = frozenset({Tok.NUMBER_INT, Tok.NUMBER_FLOAT})


@dataclass
class JsonSyntaxError(Exception):
    """A Jackson-style parse failure at character offset ``offset`` of the text."""

    reason: str
    offset: int


_WS = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER_TAIL_RE = re.compile(r"[0-9]*")


def char_desc(ch: str) -> str:
    """Jackson's ``_getCharDesc``: how a character is named in an error message."""
    code = ord(ch)
    if code < 32 or 127 <= code < 160:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{ch}' (code {code} / 0x{code:x})"
    return f"'{ch}' (code {code})"


def _is_identifier_part(ch: str) -> bool:
    return ch != "" and (ch.isalnum() or ch in "_$")


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of character ``offset``, columns in UTF-16 units, as Jackson counts."""
    head = text[:offset]
    line = 1 + head.count("\n") + head.count("\r") - head.count("\r\n")
    start = max(head.rfind("\n"), head.rfind("\r")) + 1
    return line, utf16_len(head[start:]) + 1


def _echo(text: str) -> str:
    # Jackson escapes ISO control characters other than \r and \n in the echo as \uXXXX
    # (measured with event-ruler 2.0.1 on Jackson 2.17: a tab prints as \u0009).
    return "".join(
        f"\\u{ord(ch):04X}" if (ord(ch) < 32 and ch not in "\r\n") or 127 <= ord(ch) < 160 else ch
        for ch in text
    )


def source_description(text: str) -> str:
    """Jackson's ``[Source: (String)"…"`` echo, truncated after 500 characters."""
    if len(text) > MAX_SOURCE_ECHO:
        head = _echo(text[:MAX_SOURCE_ECHO])
        return f'(String)"{head}"[truncated {len(text) - MAX_SOURCE_ECHO} chars]'
    return f'(String)"{_echo(text)}"'


def location_line(text: str, offset: int) -> str:
    line, column = line_and_column(text, offset)
    return f" at [Source: {source_description(text)}; line: {line}, column: {column}]"


class _Context:
    __slots__ = ("count", "kind", "start")

    def __init__(self, kind: str, start: int) -> None:
        self.kind, self.start, self.count = kind, start, 0


class Lexer:
    """Jackson's ``nextToken()``/``getText()`` over a ``str``, tracking the consumed offset ``pos``."""

    def __init__(self, text: str) -> None:
        self.src = text
        self.pos = 0
        self.token: Tok | None = None
        self.name = ""  # current field name
        self._pending: Tok | None = None  # value token read ahead after a field name
        self._string_start = -1  # offset just after the opening quote of an unread string
        self._value_text = ""
        self._stack: list[_Context] = [_Context("root", 0)]

    # -- public API -------------------------------------------------------------------------
    def next_token(self) -> Tok | None:
        if self._pending is not None:
            self.token, self._pending = self._pending, None
            return self.token
        if self._string_start >= 0:
            self._finish_string()
        ch = self._skip_ws()
        ctx = self._stack[-1]
        if ch == "":
            return self._end_of_input(ctx)
        if ch in "]}":
            return self._close_scope(ch)
        if ctx.count > 0 and ctx.kind != "root":
            ch = self._skip_comma(ch, ctx)
        ctx.count += 1
        if ctx.kind == "object":
            self.name = self._field_name(ch)
            ch = self._skip_colon()
            self._pending = self._value(ch)
            self.token = Tok.FIELD_NAME
            return self.token
        self.token = self._value(ch)
        return self.token

    def text(self) -> str:
        """Jackson's ``getText()``: reading a string's text consumes it up to its closing quote."""
        if self.token is Tok.FIELD_NAME:
            return self.name
        if self.token is Tok.STRING and self._string_start >= 0:
            self._finish_string()
        if self.token in (Tok.STRING, Tok.NUMBER_INT, Tok.NUMBER_FLOAT):
            return self._value_text
        return self.token.value if self.token is not None else ""

    def fail(self, reason: str, offset: int | None = None) -> JsonSyntaxError:
        return JsonSyntaxError(reason, self.pos if offset is None else offset)

    # -- scanning -----------------------------------------------------------------------------
    def _peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def _skip_ws(self) -> str:
        text, pos = self.src, self.pos
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        self.pos = pos
        if pos >= len(text):
            return ""
        if ord(text[pos]) < 32:
            self.pos = pos + 1
            raise self.fail(
                f"Illegal character ({char_desc(text[pos])}): only regular white space "
                "(\\r, \\n, \\t) is allowed between tokens"
            )
        if text[pos] == "/":
            self.pos = pos + 1
            raise self._unexpected(
                "/",
                "maybe a (non-standard) comment? (not recognized as one since Feature "
                "'ALLOW_COMMENTS' not enabled for parser)",
            )
        self.pos = pos + 1
        return text[pos]

    def _unexpected(self, ch: str, comment: str) -> JsonSyntaxError:
        # AWS points at the offending character (one before Jackson 2.14's position).
        return JsonSyntaxError(f"Unexpected character ({char_desc(ch)}): {comment}", self.pos - 1)

    def _end_of_input(self, ctx: _Context) -> Tok | None:
        if ctx.kind == "root":
            self.token = None
            return None
        start = location_line(self.src, ctx.start).strip()[3:]
        kind = "Object" if ctx.kind == "object" else "Array"
        raise self.fail(
            f"Unexpected end-of-input: expected close marker for {kind} (start marker at {start})"
        )

    def _close_scope(self, ch: str) -> Tok:
        ctx = self._stack[-1]
        if ctx.kind != ("object" if ch == "}" else "array"):
            # Jackson's quirk: a stray "]" is reported as expecting "}" and vice versa.
            expected = "}" if ch == "]" else "]"
            kind = {"object": "Object", "array": "Array"}.get(ctx.kind, "root")
            if ctx.kind == "root":
                start = f"[Source: {source_description(self.src)}; line: 1, column: 0]"
            else:
                start = location_line(self.src, ctx.start).strip()[3:]
            raise JsonSyntaxError(
                f"Unexpected close marker '{ch}': expected '{expected}' (for {kind} starting at "
                f"{start})",
                self.pos - 1,
            )
        self._stack.pop()
        self.token = Tok.END_OBJECT if ch == "}" else Tok.END_ARRAY
        return self.token

    def _skip_comma(self, ch: str, ctx: _Context) -> str:
        if ch != ",":
            kind = "Object" if ctx.kind == "object" else "Array"
            raise self._unexpected(ch, f"was expecting comma to separate {kind} entries")
        nxt = self._skip_ws()
        if nxt == "":
            raise self._eof_between(ctx)
        return nxt

    def _eof_between(self, ctx: _Context) -> JsonSyntaxError:
        kind = "Object" if ctx.kind == "object" else "Array"
        return self.fail(f"Unexpected end-of-input within/between {kind} entries")

    def _field_name(self, ch: str) -> str:
        if ch != '"':
            raise self._unexpected(ch, "was expecting double-quote to start field name")
        self._string_start = self.pos
        try:
            self._finish_string()
        except JsonSyntaxError as error:
            if error.reason.startswith("Unexpected end-of-input"):
                error.reason = "Unexpected end-of-input in field name"
            error.reason = error.reason.replace("included in string value", "included in name")
            raise
        return self._value_text

    def _skip_colon(self) -> str:
        ch = self._skip_ws()
        if ch == "":
            raise self.fail("Unexpected end-of-input within/between Object entries")
        if ch != ":":
            raise self._unexpected(ch, "was expecting a colon to separate field name and value")
        ch = self._skip_ws()
        if ch == "":
            raise self.fail("Unexpected end-of-input within/between Object entries")
        return ch

    def _value(self, ch: str) -> Tok:
        if ch == '"':
            self._string_start = self.pos
            return Tok.STRING
        if ch in "[{":
            kind = "array" if ch == "[" else "object"
            self._stack.append(_Context(kind, self.pos - 1))
            return Tok.START_ARRAY if ch == "[" else Tok.START_OBJECT
        if ch == "-" or (ch.isdigit() and ch.isascii()):
            return self._number()
        if ch in "tfn":
            return self._keyword(ch)
        return self._odd_value(ch)

    def _keyword(self, first: str) -> Tok:
        word = {"t": "true", "f": "false", "n": "null"}[first]
        start = self.pos - 1
        if self.src.startswith(word, start):
            self.pos = start + len(word)
            if not _is_identifier_part(self._peek()):
                return {"t": Tok.TRUE, "f": Tok.FALSE, "n": Tok.NULL}[first]
            self.pos = start
        matched = first
        self.pos = start + 1
        for index, expected in enumerate(word[1:], start=1):
            if self._peek() != expected:
                break
            matched = word[: index + 1]
            self.pos += 1
        raise self._invalid_token(matched)

    def _odd_value(self, ch: str) -> Tok:
        if ch in ("N", "I") or ch == "-":
            for word in ("NaN", "Infinity", "+Infinity", "-Infinity"):
                if self.src.startswith(word, self.pos - 1):
                    self.pos += len(word) - 1
                    raise self.fail(
                        f"Non-standard token '{word}': enable "
                        "`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                    )
        if ch == "}":
            raise self._unexpected(ch, "expected a value")
        if ch in "],":
            raise self._unexpected(ch, f"expected a valid value {_VALID_VALUES}")
        if _is_identifier_part(ch) and ch not in "$":
            raise self._invalid_token(ch)
        raise self._unexpected(ch, f"expected a valid value {_VALID_VALUES}")

    def _invalid_token(self, matched: str) -> JsonSyntaxError:
        word = matched
        while _is_identifier_part(self._peek()) and len(word) < 256:
            word += self._peek()
            self.pos += 1
        return self.fail(f"Unrecognized token '{word}': was expecting {_VALID_VALUES}")

    def _number(self) -> Tok:
        text, start = self.src, self.pos - 1
        pos = self.pos
        if text[start] == "-":
            nxt = text[pos] if pos < len(text) else ""
            if nxt == "" or not (nxt.isdigit() and nxt.isascii()):
                if nxt in ("I",):
                    self.pos = pos
                    return self._odd_value("-")
                self.pos = pos + 1 if nxt else pos
                if nxt == "":
                    raise self.fail("Unexpected end-of-input in a Number value")
                raise JsonSyntaxError(
                    f"Unexpected character ({char_desc(nxt)}) in numeric value: expected digit "
                    "(0-9) to follow minus sign, for valid numeric value",
                    pos + 1,
                )
        digits_start = start + 1 if text[start] == "-" else start
        match = _NUMBER_TAIL_RE.match(text, digits_start)
        assert match is not None
        pos = match.end()
        if text[digits_start] == "0" and pos - digits_start > 1:
            self.pos = digits_start + 1  # Jackson stops before the second digit
            raise self.fail("Invalid numeric value: Leading zeroes not allowed")
        is_float = False
        if pos < len(text) and text[pos] == ".":
            is_float = True
            pos = self._digits_after(pos + 1, "Decimal point not followed by a digit")
        if pos < len(text) and text[pos] in "eE":
            is_float = True
            pos += 1
            if pos < len(text) and text[pos] in "+-":
                pos += 1
            pos = self._digits_after(pos, "Exponent indicator not followed by a digit")
        self.pos = pos
        self._value_text = text[start:pos]
        if self._stack[-1].kind == "root" and pos < len(text):
            self.pos += 1  # Jackson's _verifyRootSpace consumes the separator
            if text[pos] not in _WS:
                raise self._unexpected(text[pos], "Expected space separating root-level values")
        return Tok.NUMBER_FLOAT if is_float else Tok.NUMBER_INT

    def _digits_after(self, pos: int, problem: str) -> int:
        text = self.src
        end = _NUMBER_TAIL_RE.match(text, pos)
        assert end is not None
        if end.end() == pos:
            if pos >= len(text):
                self.pos = pos
                raise self.fail("Unexpected end-of-input in a Number value")
            raise JsonSyntaxError(
                f"Unexpected character ({char_desc(text[pos])}) in numeric value: {problem}",
                pos + 1,
            )
        return end.end()

    def _finish_string(self) -> None:
        text, pos = self.src, self._string_start
        self._string_start = -1
        parts: list[str] = []
        while True:
            end = pos
            while end < len(text) and text[end] not in '"\\' and ord(text[end]) >= 32:
                end += 1
            parts.append(text[pos:end])
            if end >= len(text):
                self.pos = end
                raise self.fail(
                    "Unexpected end-of-input: was expecting closing quote for a string value"
                )
            ch = text[end]
            if ch == '"':
                self.pos = end + 1
                self._value_text = join_surrogates("".join(parts))
                return
            if ch != "\\":
                self.pos = end + 1
                raise self.fail(
                    f"Illegal unquoted character ({char_desc(ch)}): has to be escaped using "
                    "backslash to be included in string value"
                )
            pos = self._escape(end + 1, parts)

    def _escape(self, pos: int, parts: list[str]) -> int:
        text = self.src
        if pos >= len(text):
            self.pos = pos
            raise self.fail("Unexpected end-of-input in character escape sequence")
        ch = text[pos]
        if ch in _ESCAPES:
            parts.append(_ESCAPES[ch])
            return pos + 1
        if ch != "u":
            self.pos = pos + 1
            # Jackson 2.16+ (as AWS's column for unexpected characters shows) points at it.
            raise self.fail(f"Unrecognized character escape {char_desc(ch)}", pos)
        digits = text[pos + 1 : pos + 5]
        for index, digit in enumerate(digits):
            if digit not in "0123456789abcdefABCDEF":
                self.pos = pos + 2 + index
                raise JsonSyntaxError(
                    f"Unexpected character ({char_desc(digit)}): expected a hex-digit for "
                    "character escape sequence",
                    pos + 1 + index,
                )
        if len(digits) < 4:
            self.pos = len(text)
            raise self.fail("Unexpected end-of-input in character escape sequence")
        parts.append(chr(int(digits, 16)))
        return pos + 5


def join_surrogates(text: str) -> str:
    """Combine UTF-16 surrogate pairs left by ``\\uD83D\\uDE80``-style escapes, as Java would."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
